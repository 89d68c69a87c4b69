"""What the progress store holds and hands out: plain frozen records, no SQLite."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Literal

Clock = Callable[[], datetime]
Part = Literal["quiz", "pre", "post"]

STATUS_IN_PROGRESS = "in_progress"
STATUS_COMPLETED = "completed"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class ModuleProgress:
    learner_id: str
    module_id: str
    attempt: int
    position: int
    status: str
    started_at: str
    updated_at: str
    completed_at: str | None


@dataclass(frozen=True)
class AnswerRecord:
    learner_id: str
    module_id: str
    attempt: int
    question_id: str
    option: str | None  # the letter, or a free_text question's grade; None when the learner skipped the question
    correct: bool
    message_id: str
    answered_at: str
    part: Part = "quiz"
    investigated: bool | None = None  # practice posts: a key move came before the decision


@dataclass(frozen=True)
class Cohort:
    id: int
    name: str
    join_code: str
    created_at: str
    closed_at: str | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class CohortToken:
    """A facilitator token as stored: the public selector and the SHA-256 of the secret verifier."""

    selector: str
    verifier_hash: str


@dataclass(frozen=True)
class Membership:
    learner_id: str
    cohort: Cohort
    label: str  # the pseudonym facilitators see
    joined_at: str


@dataclass(frozen=True)
class ReviewCard:
    learner_id: str
    question_id: str
    module_id: str
    due: str
    card: str  # an fsrs Card as JSON (bot.learning.review reads and writes it)


@dataclass(frozen=True)
class ReviewSession:
    learner_id: str
    questions: tuple[str, ...]  # question ids, asked in this order
    position: int
    started_at: str

    @property
    def question_id(self) -> str:
        """The question waiting for an answer."""
        return self.questions[self.position]


@dataclass(frozen=True)
class ReviewEnd:
    """A review's end, read in the turn of its last answer: the right answers in the whole review and the learner's
    next due card (ISO time; None when no card is left)."""

    right: int
    next_due: str | None


@dataclass(frozen=True)
class Snapshot:
    """Everything one turn needs to know about a learner, read in one statement as the turn begins (see Turn)."""

    learner_id: str
    current_module: str | None
    progress: ModuleProgress | None  # the current module's, None outside a module
    review: ReviewSession | None  # a review under way
    review_card: ReviewCard | None  # the card of the review question waiting
    recorded_answer: AnswerRecord | None  # what this turn's message id already recorded as an answer
    recorded_elsewhere: bool  # this message id already recorded a review answer or a practice move
    moves: frozenset[tuple[str, str]]  # (question id, move) made in the current attempt


class LabelTaken(Exception):
    """The pseudonymous label is already used in this cohort; pick another."""


class CodeTaken(Exception):
    """The join code or the token selector is already used by another cohort; pick another."""
