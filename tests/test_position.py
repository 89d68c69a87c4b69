"""One label for where a learner is: the heading of each step is where "stop" and the progress report say they are."""
from __future__ import annotations

from bot.learning.position import position_label
from bot.learning.steps import LessonStep, ModuleSummary, heading


def test_position_labels():
    assert position_label("pre", 1, 3) == "check 1 of 3"
    assert position_label("lesson", 2, 9) == "lesson 2 of 9"
    assert position_label("quiz", 3, 10) == "question 3 of 10"
    assert position_label("post", 2, 4) == "final check 2 of 4"
    assert position_label("review", 1, 4) == "review 1 of 4"


def test_every_step_heading_is_the_position_the_progress_shows(learning_tutor):
    tutor = learning_tutor  # tests/fixtures/learning: 3 check items, 1 lesson, 4 questions, 3 final-check items
    step = tutor.start("ana", "verify_leaks").step
    headings = []
    while not isinstance(step, ModuleSummary):
        status = next(status for status in tutor.progress("ana") if status.module.id == "verify_leaks")
        assert status.position_label == heading(step)
        headings.append(heading(step))
        step = tutor.advance("ana").step if isinstance(step, LessonStep) else tutor.skip("ana", message_id=None).step
    assert headings == ["check 1 of 3", "check 2 of 3", "check 3 of 3", "lesson 1 of 1", "question 1 of 4",
                        "question 2 of 4", "question 3 of 4", "question 4 of 4", "final check 1 of 3",
                        "final check 2 of 3", "final check 3 of 3"]
