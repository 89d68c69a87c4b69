"""Pre- and post-checks, judgement items, free-text answers and spaced review, on tests/fixtures/learning.

The fixture module (verify_leaks): pre-check c_pre1..3, one lesson, quiz c_q1 (judgement, fabricated),
c_q2 (judgement, genuine), c_q3 (free text: the first step of SIFT), c_q4 (choice, A right), post-check c_post1..3.
"""
from __future__ import annotations

from datetime import timedelta

from bot.learning.steps import ModuleSummary, QuestionStep, ReviewStep, ReviewSummary
from bot.learning.tutor import Tutor

def answer(tutor: Tutor, learner: str, letter_or_text: str, message_id: str | None = None):
    """Answers the waiting question with a button (a letter) or, for free-text questions, typed text."""
    step = tutor.current_step(learner)
    if step.question.free_text is not None:
        return tutor.answer(learner, text=letter_or_text, message_id=message_id)
    return tutor.answer(learner, text=letter_or_text, message_id=message_id, question_id=step.question.id,
                        option=letter_or_text)


def finish_module(tutor: Tutor, learner: str, *, pre: str = "bba", quiz: tuple[str, ...] = ("b", "a", "stop", "a"),
                  post: str = "aba") -> ModuleSummary:
    tutor.start(learner, "verify_leaks")
    for letter in pre:
        answer(tutor, learner, letter)
    tutor.advance(learner)  # past the one lesson
    for reply in quiz:
        answer(tutor, learner, reply)
    result = None
    for letter in post:
        result = answer(tutor, learner, letter)
    assert isinstance(result.step, ModuleSummary)
    return result.step


def test_first_attempt_opens_with_the_pre_check(learning_tutor):
    step = learning_tutor.start("ana", "verify_leaks").step
    assert isinstance(step, QuestionStep) and (step.part, step.number, step.total) == ("pre", 1, 3)
    assert learning_tutor.progress("ana")[0].position_label == "check 1 of 3"


def test_check_scores_are_kept_and_shown_before_and_after(learning_tutor, store):
    summary = finish_module(learning_tutor, "ana", pre="aaa", post="aba")  # pre: only c_pre3 right; post: all right
    assert store.check_scores("ana", "verify_leaks") == {"pre": (1, 3), "post": (3, 3)}
    assert (summary.checks.pre, summary.checks.post) == ((1, 3), (3, 3))
    assert (summary.correct, summary.total) == (4, 4)  # check items are not part of the quiz score


def test_check_answers_do_not_count_in_quiz_totals(learning_tutor, store):
    finish_module(learning_tutor, "ana", pre="bba")
    reached, correct = store.db.execute("SELECT reached, correct FROM attempts").fetchone()
    assert (reached, correct) == (4, 4)


def test_a_retake_skips_the_pre_check_and_keeps_the_first_scores(learning_tutor, store):
    finish_module(learning_tutor, "ana", pre="aab", post="aba")  # pre: none right
    step = learning_tutor.start("ana", "verify_leaks").step
    assert step.lesson.id == "c_l1"
    finish_retake = [learning_tutor.advance("ana")] + [answer(learning_tutor, "ana", reply)
                                                       for reply in ("b", "a", "stop", "a")]
    for letter in "bab":
        answer(learning_tutor, "ana", letter)
    assert finish_retake and store.check_scores("ana", "verify_leaks") == {"pre": (0, 3), "post": (3, 3)}


def test_free_text_answers_are_graded(learning_tutor):
    learning_tutor.start("ana", "verify_leaks")
    for letter in "bba":
        answer(learning_tutor, "ana", letter)
    learning_tutor.advance("ana")
    answer(learning_tutor, "ana", "b")
    answer(learning_tutor, "ana", "a")
    wrong = answer(learning_tutor, "ana", "investigate the source")
    assert wrong.status == "recorded" and not wrong.feedback.correct
    assert wrong.feedback.grade.status == "wrong"


def test_judgement_answers_give_discernment(learning_tutor):
    summary = finish_module(learning_tutor, "ana", quiz=("b", "a", "stop", "a"))
    assert (summary.discernment.hit_rate, summary.discernment.false_alarm_rate) == (1.0, 0.0)
    assert not summary.calls_everything_fake
    suspicious = finish_module(learning_tutor, "ben", quiz=("b", "b", "stop", "a"))  # calls the genuine post fake too
    assert suspicious.discernment.false_alarm_rate == 1.0 and suspicious.calls_everything_fake


def test_missed_questions_come_back_after_a_day(learning_tutor, fake_clock):
    finish_module(learning_tutor, "ana", quiz=("a", "a", "no idea", "a"))  # c_q1 and c_q3 missed
    assert learning_tutor.review.start("ana").status == "nothing_due"
    fake_clock.advance(days=1)
    start = learning_tutor.review.start("ana")
    assert start.status == "started" and isinstance(start.step, ReviewStep)
    assert {start.step.question.id} <= {"c_q1", "c_q3"}
    first = answer(learning_tutor, "ana", "b" if start.step.question.id == "c_q1" else "stop")
    assert first.feedback.correct
    second = answer(learning_tutor, "ana", "b" if first.step.question.id == "c_q1" else "stop")
    assert isinstance(second.step, ReviewSummary) and second.step.right == 2
    assert learning_tutor.current_step("ana") is None
    assert learning_tutor.review.start("ana").status == "nothing_due"  # both rescheduled further out


def test_a_sample_of_right_answers_comes_back_later(learning_tutor, fake_clock, store):
    finish_module(learning_tutor, "ana")  # everything right
    due = {row["question_id"]: row["due"] for row in store.db["review_cards"].rows}
    assert len(due) == 2  # RIGHT_ANSWERS_TO_REVIEW
    assert all(value[:10] == (fake_clock.now + timedelta(days=2)).isoformat()[:10] for value in due.values())


def test_review_answers_are_recorded_once(learning_tutor, fake_clock, store):
    finish_module(learning_tutor, "ana", quiz=("a", "a", "stop", "a"))
    fake_clock.advance(days=1)
    assert learning_tutor.review.start("ana").step.question.id == "c_q1"  # the only question due after a day
    first = answer(learning_tutor, "ana", "b", message_id="r1")
    again = learning_tutor.answer("ana", text="b", message_id="r1", question_id="c_q1", option="b")
    assert first.status == "recorded" and again.status == "already_recorded"
    assert store.db["review_answers"].count == 1


def test_booster_is_offered_after_a_break(learning_tutor, fake_clock, store):
    finish_module(learning_tutor, "ana", quiz=("a", "a", "stop", "a"))
    assert learning_tutor.review.booster_offer("ana") == 0  # just seen
    fake_clock.advance(days=3)
    assert learning_tutor.review.booster_offer("ana") == 3  # c_q1 (missed) and the two right answers sampled for review
    start = learning_tutor.review.start("ana")
    assert start.step.total == 3


def test_skip_and_stop_in_a_review(learning_tutor, fake_clock):
    finish_module(learning_tutor, "ana", quiz=("a", "a", "idk", "a"))
    fake_clock.advance(days=1)
    learning_tutor.review.start("ana")
    skipped = learning_tutor.skip("ana", message_id=None)
    assert skipped.status == "skipped_question"
    learning_tutor.stop("ana")
    assert learning_tutor.current_step("ana") is None


def test_forgetting_removes_reviews(learning_tutor, fake_clock, store):
    finish_module(learning_tutor, "ana", quiz=("a", "a", "stop", "a"))
    fake_clock.advance(days=1)
    learning_tutor.review.start("ana")
    answer(learning_tutor, "ana", "b")
    learning_tutor.forget("ana")
    for table in ("review_cards", "review_sessions", "review_answers", "check_scores", "answers"):
        assert store.db[table].count == 0, table


def test_a_review_says_when_more_questions_are_due(learning_tutor, fake_clock, monkeypatch):
    import bot.learning.review

    monkeypatch.setattr(bot.learning.review, "REVIEW_QUESTIONS", 2)
    finish_module(learning_tutor, "ana", quiz=("a", "b", "idk", "b"))  # all four missed
    fake_clock.advance(days=1)
    assert learning_tutor.review.start("ana").step.total == 2
    answer(learning_tutor, "ana", "b")
    done = answer(learning_tutor, "ana", "a").step
    assert isinstance(done, ReviewSummary) and done.more_due_now
