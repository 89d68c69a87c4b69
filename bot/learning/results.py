"""What the tutor's calls return: a status the actions map to responses, and the step to show next."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.learning.content import Option, Question
from bot.learning.grading import Grade
from bot.learning.practice import Move, Review
from bot.learning.steps import ModuleSummary, ReviewStep, Step


@dataclass(frozen=True)
class StartResult:
    status: Literal["started", "resumed", "restarted"]
    step: Step
    previous: ModuleSummary | None = None  # the finished attempt, when restarting a completed module


@dataclass(frozen=True)
class AdvanceResult:
    status: Literal["moved", "at_question", "no_module"]
    step: Step | None


@dataclass(frozen=True)
class Feedback:
    question: Question
    chosen: Option | None  # None: skipped, or a free_text answer
    correct: bool
    grade: Grade | None = None  # free_text answers
    review: Review | None = None  # practice posts: what the learner looked at and skipped before deciding


@dataclass(frozen=True)
class AnswerResult:
    status: Literal["recorded", "already_recorded", "unmatched", "ambiguous", "stale", "no_question"]
    step: Step | None  # what to show now: the next question or summary, or the question still waiting
    feedback: Feedback | None = None
    candidates: tuple[Option, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class MoveResult:
    """A move on a practice post: "revealed" (its finding), or why not ("stale": a button of an earlier post;
    "unknown_move"; "no_practice": no practice post is waiting)."""

    status: Literal["revealed", "stale", "unknown_move", "no_practice"]
    step: Step | None
    move: Move | None = None


@dataclass(frozen=True)
class SkipResult:
    status: Literal["skipped_lessons", "skipped_question", "no_module"]
    step: Step | None
    skipped: Question | None = None


@dataclass(frozen=True)
class ReviewStart:
    status: Literal["started", "nothing_due"]
    step: ReviewStep | None
    next_due: str | None = None
