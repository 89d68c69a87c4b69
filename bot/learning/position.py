"""Where a learner is, in the words the chat and the CLI show: 'check 1 of 4', 'lesson 2 of 9', 'question 3 of 10',
'final check 2 of 4', 'review 1 of 4'."""
from __future__ import annotations

from typing import Literal

from bot.learning.content import AttemptPlan

Place = Literal["pre", "lesson", "quiz", "post", "review"]  # the parts of an attempt, and a review
PLACE_NAMES: dict[Place, str] = {"pre": "check", "lesson": "lesson", "quiz": "question", "post": "final check",
                                 "review": "review"}


def position_label(part: Place, number: int, total: int) -> str:
    """The `number`th (1-based) of the `total` items of a part."""
    return f"{PLACE_NAMES[part]} {number} of {total}"


def attempt_position_label(plan: AttemptPlan, position: int) -> str:
    """The label of the step at `position` in an attempt; at or past the end, its last step."""
    part, index, _ = plan.step(position) or ("post", len(plan.post_check) - 1, None)
    items = {"pre": plan.pre_check, "lesson": plan.lessons, "quiz": plan.quiz, "post": plan.post_check}[part]
    return position_label(part, index + 1, len(items))
