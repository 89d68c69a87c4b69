from __future__ import annotations

from bot.learning.content import load_content
from bot.store import ProgressStore
from bot.learning.steps import LessonStep, ModuleSummary, QuestionStep
from bot.learning.tutor import Tutor
from tests.conftest import FIXTURE_CONTENT


def test_start_shows_first_lesson_and_next_moves_on(tutor):
    result = tutor.start("ana", "verify_leaks")
    assert result.status == "started"
    assert isinstance(result.step, LessonStep) and result.step.lesson.id == "t_l1"
    assert tutor.advance("ana").step.lesson.id == "t_l2"
    moved = tutor.advance("ana")
    assert isinstance(moved.step, QuestionStep) and moved.step.question.id == "t_q1"


def test_next_at_a_question_does_not_skip_it(tutor_at_first_question):
    result = tutor_at_first_question.advance("ana")
    assert result.status == "at_question"
    assert result.step.question.id == "t_q1"


def test_correctness_comes_from_content(tutor_at_first_question):
    result = tutor_at_first_question.answer("ana", text="b", message_id="m1")
    assert result.status == "recorded"
    assert result.feedback.correct is True and result.feedback.chosen.text == "Stop"
    assert result.step.question.id == "t_q2"
    wrong = tutor_at_first_question.answer("ana", text="true", message_id="m2")
    assert wrong.feedback.correct is False
    assert isinstance(wrong.step, ModuleSummary)
    assert (wrong.step.correct, wrong.step.total) == (1, 2)
    assert wrong.step.next_module.id == "resist_resharing"


def test_redelivered_message_is_recorded_once(tutor_at_first_question):
    first = tutor_at_first_question.answer("ana", text="a", message_id="m1")
    again = tutor_at_first_question.answer("ana", text="a", message_id="m1")
    assert first.status == "recorded" and again.status == "already_recorded"
    assert again.feedback.chosen.letter == "a"
    assert tutor_at_first_question.store.db["answers"].count == 1
    assert tutor_at_first_question.current_step("ana").question.id == "t_q2"


def test_button_for_another_question_is_stale(tutor_at_first_question):
    result = tutor_at_first_question.answer("ana", text='/answer{"option":"b","question":"t_q2"}',
                                            message_id="m1", question_id="t_q2", option="b")
    assert result.status == "stale"
    assert tutor_at_first_question.store.db["answers"].count == 0


def test_forged_option_without_question_id_is_ignored(tutor_at_first_question):
    """An option entity alone (typed "/answer{...}" turned to text, or NLU) never picks the answer."""
    result = tutor_at_first_question.answer("ana", text="no idea", message_id="m1", option="b")
    assert result.status == "unmatched"
    assert tutor_at_first_question.store.db["answers"].count == 0


def test_answer_outside_a_question(tutor):
    assert tutor.answer("ana", text="b", message_id="m1").status == "no_question"
    tutor.start("ana", "verify_leaks")
    result = tutor.answer("ana", text="b", message_id="m2")
    assert result.status == "no_question" and isinstance(result.step, LessonStep)


def test_words_from_an_option_choose_it(tutor_at_first_question):
    result = tutor_at_first_question.answer("ana", text="investigate the source", message_id="m1")
    assert result.status == "recorded" and result.feedback.chosen.letter == "a"


def test_skip_lessons_then_a_question(tutor):
    tutor.start("ana", "verify_leaks")
    skipped = tutor.skip("ana", message_id="m1")
    assert skipped.status == "skipped_lessons" and skipped.step.question.id == "t_q1"
    skipped = tutor.skip("ana", message_id="m2")
    assert skipped.status == "skipped_question" and skipped.skipped.id == "t_q1"
    status = tutor.progress("ana")[0]
    assert (status.answered, status.skipped, status.correct) == (0, 1, 0)


def test_stop_and_resume_after_restart(db_path, content):
    first = Tutor(content, ProgressStore(db_path))
    first.start("ana", "verify_leaks")
    first.advance("ana")
    stopped = first.stop("ana")
    assert stopped.position_label == "lesson 2 of 2"
    assert first.current_step("ana") is None
    first.store.close()
    # A new process: same file, same place.
    second = Tutor(load_content(FIXTURE_CONTENT), ProgressStore(db_path))
    resumed = second.start("ana", "verify_leaks")
    assert resumed.status == "resumed" and resumed.step.lesson.id == "t_l2"


def test_other_modules_keep_their_place(tutor):
    tutor.start("ana", "verify_leaks")
    tutor.advance("ana")
    tutor.start("ana", "resist_resharing")
    assert tutor.start("ana", "verify_leaks").step.lesson.id == "t_l2"


def test_completed_module_restarts_as_new_attempt(tutor_at_first_question):
    tutor = tutor_at_first_question
    tutor.answer("ana", text="b", message_id="m1")
    tutor.answer("ana", text="false", message_id="m2")
    assert tutor.progress("ana")[0].status == "completed"
    restarted = tutor.start("ana", "verify_leaks")
    assert restarted.status == "restarted"
    assert (restarted.previous.correct, restarted.previous.total) == (2, 2)
    status = tutor.progress("ana")[0]
    assert (status.attempt, status.answered, status.status) == (2, 0, "in_progress")


def test_learners_are_isolated(tutor_at_first_question):
    tutor = tutor_at_first_question
    tutor.answer("ana", text="b", message_id="m1")
    assert tutor.answer("ben", text="b", message_id="m1").status == "no_question"
    assert tutor.progress("ben")[0].status == "not_started"
    assert tutor.progress("ana")[0].answered == 1


def test_progress_report_shape(tutor_at_first_question):
    tutor_at_first_question.answer("ana", text="a", message_id="m1")
    report = tutor_at_first_question.progress_report("ana")
    assert report["current_module"] == "verify_leaks"
    first, second = report["modules"]
    assert first == {
        "id": "verify_leaks", "title": "Check it", "status": "in_progress", "attempt": 1, "answered": 1,
        "skipped": 0, "correct": 0, "questions": 2, "score": 0.0, "checks": {"pre": None, "post": None},
        "position": {"step": 3, "of": 4, "label": "question 2 of 2"}, "updated_at": "2026-03-02T09:00:00+00:00",
    }
    assert report["next_review_due"] is None
    assert second["status"] == "not_started" and second["score"] is None


def test_forget_deletes_progress(tutor_at_first_question):
    tutor_at_first_question.answer("ana", text="a", message_id="m1")
    assert tutor_at_first_question.forget("ana") is True
    assert not tutor_at_first_question.store.learner_exists("ana")
    assert tutor_at_first_question.progress("ana")[0].status == "not_started"
