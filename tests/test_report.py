"""Cohort reports on small classes whose every figure was worked out by hand."""
from __future__ import annotations

from statistics import NormalDist

import pytest

from bot.reports.cohorts import Cohorts
from bot.reports.report import build_report


def answer_module(tutor, fake_clock, learner: str, module_id: str, letters: str, minutes: int = 10) -> None:
    """Starts a module, reads its lessons, and answers its questions with `letters` (one per question)."""
    tutor.start(learner, module_id)
    for _ in tutor.content.module(module_id).lessons:
        tutor.advance(learner)
    fake_clock.advance(minutes=minutes)
    for letter in letters:
        step = tutor.current_step(learner)
        result = tutor.answer(learner, text=letter, message_id=None, question_id=step.question.id, option=letter)
        assert result.status == "recorded"


def class_of(cohorts, tutor, fake_clock, answers: dict[str, str], module_id: str = "verify_leaks"):
    """A cohort whose learners answered `module_id`'s questions with the given letters ('' = not started)."""
    cohort, _ = cohorts.create("Year 9")
    for number, (learner, letters) in enumerate(answers.items(), start=1):
        cohorts.join(learner, [cohort.join_code])
        if letters:
            answer_module(tutor, fake_clock, learner, module_id, letters, minutes=10 * number)
    return cohort


def report_for(tutor, cohort, fake_clock, **options):
    return build_report(tutor.store, tutor.content, cohort, now=fake_clock(), **options)


def label(store, learner: str) -> str:
    return store.membership(learner).label


# verify_leaks: t_q1 (b right; a, c wrong), t_q2 (b right, a wrong)
FOUR = {"l1": "bb", "l2": "ab", "l3": "ca", "l4": "bb", "l5": ""}


def test_module_figures(cohorts, tutor, fake_clock):
    report = report_for(tutor, class_of(cohorts, tutor, fake_clock, FOUR), fake_clock)
    verify, resharing = report.modules
    assert (verify.learners, verify.started, verify.reached_quiz, verify.completed) == (5, 4, 4, 4)
    assert verify.completion_rate == 0.8
    assert verify.mean_score == pytest.approx((1 + 0.5 + 0 + 1) / 4)
    assert verify.median_minutes_to_complete == pytest.approx(25)  # 10, 20, 30, 40 minutes
    assert verify.score_histogram == (1, 0, 1, 0, 2)  # 0%, 50%, 100% twice
    assert (resharing.started, resharing.completion_rate, resharing.mean_score) == (0, 0.0, None)
    assert resharing.median_minutes_to_complete is None


def test_item_analysis(cohorts, tutor, fake_clock):
    report = report_for(tutor, class_of(cohorts, tutor, fake_clock, FOUR), fake_clock)
    first, second, only = report.questions
    assert (first.question_id, first.attempts, first.correct, first.facility) == ("t_q1", 4, 2, 0.5)
    assert [(option.letter, option.chosen) for option in first.options] == [("a", 1), ("b", 2), ("c", 1)]
    # (t_q1, t_q2) scores are (1,1) (0,1) (0,0) (1,1): r = 1/sqrt(3), the same seen from either item
    assert first.discrimination == pytest.approx(0.57735, abs=1e-5)
    assert second.discrimination == pytest.approx(0.57735, abs=1e-5)
    assert second.facility == 0.75
    assert first.flags == ()  # 4 answers are too few to flag anything
    assert (only.question_id, only.attempts, only.facility, only.discrimination) == ("r_q1", 0, None, None)


def test_learner_rows(cohorts, tutor, store, fake_clock):
    report = report_for(tutor, class_of(cohorts, tutor, fake_clock, FOUR), fake_clock)
    rows = {row.label: row for row in report.learners}
    l2 = rows[label(store, "l2")].modules[0]
    assert (l2.status, l2.attempts, l2.answered, l2.skipped, l2.correct, l2.score) == ("completed", 1, 2, 0, 1, 0.5)
    l5 = rows[label(store, "l5")]
    assert [module.status for module in l5.modules] == ["not_started", "not_started"]
    assert report.members == 5 and len(report.learners) == 5


def test_flags_on_a_bigger_class(cohorts, tutor, fake_clock):
    # Right on one item exactly when wrong on the other: both items discriminate negatively.
    report = report_for(tutor, class_of(cohorts, tutor, fake_clock, {
        "l1": "ba", "l2": "ba", "l3": "ab", "l4": "ab", "l5": "aa"}), fake_clock)
    first, second, _ = report.questions
    assert first.discrimination < 0 and second.discrimination < 0
    assert {flag.code for flag in first.flags} == {"negative_discrimination", "misconception"}
    assert "60% chose A" in next(flag.text for flag in first.flags if flag.code == "misconception")
    assert second.facility == 0.4 and {flag.code for flag in second.flags} == {"negative_discrimination",
                                                                             "misconception"}


def test_too_easy_and_too_hard(cohorts, tutor, fake_clock):
    easy = report_for(tutor, class_of(cohorts, tutor, fake_clock, {f"e{n}": "b" for n in range(5)},
                                      module_id="resist_resharing"), fake_clock).questions[2]
    assert easy.facility == 1.0 and easy.discrimination is None  # nobody got it wrong: no spread
    assert [flag.code for flag in easy.flags] == ["too_easy"]
    hard = report_for(tutor, class_of(cohorts, tutor, fake_clock, {f"h{n}": "a" for n in range(5)},
                                      module_id="resist_resharing"), fake_clock).questions[2]
    assert [flag.code for flag in hard.flags] == ["too_hard", "misconception"]


def test_one_learner(cohorts, tutor, fake_clock):
    report = report_for(tutor, class_of(cohorts, tutor, fake_clock, {"solo": "ba"}), fake_clock)
    first = report.questions[0]
    assert (first.attempts, first.facility, first.discrimination) == (1, 1.0, None)
    assert report.modules[0].mean_score == 0.5


def test_nobody_answered(cohorts, tutor, fake_clock):
    report = report_for(tutor, class_of(cohorts, tutor, fake_clock, {"a": "", "b": ""}), fake_clock)
    assert all(question.attempts == 0 and question.facility is None for question in report.questions)
    assert all(module.started == 0 and module.mean_score is None for module in report.modules)
    empty, _ = Cohorts(tutor.store).create("Nobody yet")
    report = report_for(tutor, empty, fake_clock)
    assert report.members == 0 and report.modules[0].completion_rate is None and report.learners == ()


def test_skips_count_as_attempts_but_not_as_options(cohorts, tutor, store, fake_clock):
    cohort, _ = cohorts.create("Year 9")
    cohorts.join("ana", [cohort.join_code])
    tutor.start("ana", "verify_leaks")
    tutor.skip("ana", message_id=None)  # skips the lessons
    tutor.skip("ana", message_id=None)  # skips t_q1
    question = report_for(tutor, cohort, fake_clock).questions[0]
    assert (question.attempts, question.skipped, question.correct, question.facility) == (1, 1, 0, 0.0)
    assert sum(option.chosen for option in question.options) == 0


def test_first_attempt_counts_and_retakes_keep_completion(cohorts, tutor, store, fake_clock):
    cohort = class_of(cohorts, tutor, fake_clock, {"ana": "aa"})
    answer_module(tutor, fake_clock, "ana", "verify_leaks", "b")  # a retake, half done
    row = report_for(tutor, cohort, fake_clock).learners[0].modules[0]
    assert (row.status, row.attempts, row.correct, row.score) == ("completed", 2, 0, 0.0)


def test_attention(cohorts, tutor, store, fake_clock):
    cohort, _ = cohorts.create("Year 9")
    for learner in ("idle", "stalled", "low", "fine"):
        cohorts.join(learner, [cohort.join_code])
    tutor.start("stalled", "verify_leaks")
    answer_module(tutor, fake_clock, "low", "verify_leaks", "aa")
    answer_module(tutor, fake_clock, "fine", "verify_leaks", "bb")
    fake_clock.advance(days=8)
    tutor.start("fine", "resist_resharing")  # active today
    notes = {row.label: [note.code for note in row.attention] for row in report_for(tutor, cohort, fake_clock).learners}
    assert notes[label(store, "idle")] == ["not_started"]
    assert notes[label(store, "stalled")] == ["stalled"]
    assert notes[label(store, "low")] == ["low_score"]
    assert notes[label(store, "fine")] == []
    later = report_for(tutor, cohort, fake_clock, stalled_days=30)
    assert [note.code for row in later.learners for note in row.attention] == ["low_score"]


def test_learning_gain(learning_tutor, cohorts, store, fake_clock):
    from tests.test_learning import answer

    tutor = learning_tutor  # tests/fixtures/learning: three-item pre- and post-checks around a four-question quiz
    cohort, _ = cohorts.create("Year 9")
    for learner, pre, post in (("a", "aaa", "bba"), ("b", "baa", "aba"), ("c", "aab", None)):
        cohorts.join(learner, [cohort.join_code])
        tutor.start(learner, "verify_leaks")
        for letter in pre:
            answer(tutor, learner, letter)
        if post is None:  # c stops after the pre-check: no pair, left out
            continue
        tutor.advance(learner)
        for reply in ("b", "a", "stop", "a", *post):
            answer(tutor, learner, reply)
    tutor.start("a", "verify_leaks")  # a retake's post-check (3/3) does not replace the first one (2/3)
    tutor.advance("a")
    for reply in ("b", "a", "stop", "a", *"aba"):
        answer(tutor, "a", reply)
    assert store.check_scores("a", "verify_leaks") == {"pre": (1, 3), "post": (2, 3)}
    (gain,) = build_report(store, tutor.content, cohort, now=fake_clock()).learning_gain
    # a: 1/3 -> 2/3, b: 2/3 -> 3/3; class means 1/2 -> 5/6, so g = (5/6 - 1/2) / (1 - 1/2) = 2/3
    assert (gain.learners, gain.mean_pre, gain.mean_post) == (2, pytest.approx(0.5), pytest.approx(5 / 6))
    assert gain.normalized_gain == pytest.approx(2 / 3)
    nobody, _ = cohorts.create("Nobody yet")
    (none,) = build_report(store, tutor.content, nobody, now=fake_clock()).learning_gain
    assert (none.learners, none.normalized_gain) == (0, None)


def test_deleted_learners_leave_every_report(cohorts, tutor, fake_clock):
    cohort = class_of(cohorts, tutor, fake_clock, FOUR)
    tutor.forget("l1")
    report = report_for(tutor, cohort, fake_clock)
    assert report.members == 4 and report.questions[0].attempts == 3


def test_other_cohorts_stay_out(cohorts, tutor, fake_clock):
    mine = class_of(cohorts, tutor, fake_clock, {"a": "bb"})
    other, _ = cohorts.create("Other class")
    cohorts.join("z", [other.join_code])
    answer_module(tutor, fake_clock, "z", "verify_leaks", "aa")
    report = report_for(tutor, mine, fake_clock)
    assert report.members == 1 and report.questions[0].attempts == 1


def test_json_shape(cohorts, tutor, fake_clock):
    data = report_for(tutor, class_of(cohorts, tutor, fake_clock, FOUR), fake_clock).to_dict()
    assert data["schema_version"] == 1
    assert set(data) == {"schema_version", "generated_at", "cohort", "settings", "modules", "learners", "questions",
                         "learning_gain", "discernment", "practice"}
    assert data["learners"][0]["modules"][0].keys() == {"module_id", "status", "attempts", "answered", "skipped",
                                                        "correct", "score", "last_activity"}
    assert data["questions"][0]["discrimination"] == 0.577
    assert "learner_id" not in str(data) and "l1" not in {row["label"] for row in data["learners"]}


@pytest.mark.parametrize("options, message", [({"stalled_days": 0}, "at least 1"), ({"low_score": 2}, "between 0")])
def test_bad_options(cohorts, tutor, fake_clock, options, message):
    cohort, _ = cohorts.create("x")
    with pytest.raises(ValueError, match=message):
        report_for(tutor, cohort, fake_clock, **options)


def test_discernment_per_module(learning_tutor, cohorts, store, fake_clock):
    tutor = learning_tutor
    cohort, _ = cohorts.create("Year 9")
    for learner, judgements in (("careful", "ba"), ("suspicious", "bb")):  # c_q1 is fabricated, c_q2 genuine
        cohorts.join(learner, [cohort.join_code])
        tutor.start(learner, "verify_leaks")
        for letter in "bba":
            step = tutor.current_step(learner)
            tutor.answer(learner, text=letter, message_id=None, question_id=step.question.id, option=letter)
        tutor.advance(learner)
        for letter in judgements:
            step = tutor.current_step(learner)
            tutor.answer(learner, text=letter, message_id=None, question_id=step.question.id, option=letter)
    (row,) = build_report(store, tutor.content, cohort, now=fake_clock()).discernment
    assert (row.learners, row.mean_hit_rate, row.mean_false_alarm_rate) == (2, 1.0, 0.5)
    assert row.calling_most_genuine_fake == 1
    # careful: H = 1.5/2, FA = 0.5/2 -> d' = 2 z(.75); suspicious: H = FA = .75 -> d' = 0
    assert row.mean_d_prime == pytest.approx(NormalDist().inv_cdf(0.75))
