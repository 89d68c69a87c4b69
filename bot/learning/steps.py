"""What a learner sees next, worked out in plain code from the content and their stored progress (no store access):
the steps of a module attempt, the summary at its end, and a module's status for menus and reports."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from bot.learning.content import AttemptPlan, Lesson, Module, Question
from bot.learning.position import attempt_position_label, position_label
from bot.reports.stats import Discernment, discernment
from bot.store import STATUS_COMPLETED, AnswerRecord, ModuleProgress, Part


@dataclass(frozen=True)
class LessonStep:
    module: Module
    number: int  # 1-based
    lesson: Lesson

    @property
    def total(self) -> int:
        return len(self.module.lessons)


@dataclass(frozen=True)
class QuestionStep:
    """A quiz question, or a pre- or post-check item (part "pre"/"post"), waiting for an answer."""

    module: Module
    number: int  # 1-based, within its part
    question: Question
    part: Part = "quiz"
    moves_made: frozenset[str] = frozenset()  # a practice post's moves so far

    @property
    def total(self) -> int:
        return len({"pre": self.module.pre_check, "quiz": self.module.quiz, "post": self.module.post_check}[self.part])


@dataclass(frozen=True)
class CheckScores:
    """The learner's first pre- and post-check of a module, each (correct, total), None until taken."""

    pre: tuple[int, int] | None
    post: tuple[int, int] | None


@dataclass(frozen=True)
class ModuleSummary:
    module: Module
    correct: int
    total: int
    next_module: Module | None
    checks: CheckScores | None = None
    discernment: Discernment | None = None  # from the quiz's judgement items and practice posts, when it has any

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0

    @property
    def calls_everything_fake(self) -> bool:
        return self.discernment is not None and self.discernment.calls_genuine_posts_fake


@dataclass(frozen=True)
class ReviewStep:
    module: Module
    number: int  # 1-based
    total: int
    question: Question


@dataclass(frozen=True)
class ReviewSummary:
    right: int
    total: int
    next_due: str | None  # ISO time of the next card due, if any
    more_due_now: bool  # more questions were due than one review asks


Step = Union[LessonStep, QuestionStep, ModuleSummary, ReviewStep, ReviewSummary]


def step_at(module: Module, progress: ModuleProgress, moves: frozenset[tuple[str, str]] = frozenset()
            ) -> LessonStep | QuestionStep | None:
    """The lesson or question at the learner's position, or None at the end of the attempt.

    moves: (question id, move) made in this attempt; a practice post's step carries its own.
    """
    found = module.plan(progress.attempt).step(progress.position)
    if found is None:
        return None
    kind, index, item = found
    if kind == "lesson":
        return LessonStep(module, index + 1, item)
    made = frozenset(move for question_id, move in moves if question_id == item.id)
    return QuestionStep(module, index + 1, item, part=kind, moves_made=made)


def summary(module: Module, answers: list[AnswerRecord], checks: dict[str, tuple[int, int]],
            next_module: Module | None) -> ModuleSummary:
    """The end of an attempt: its quiz score, the checks before and after, and discernment (skips left out)."""
    quiz = {question.id: question for question in module.quiz}
    quiz_answers = [answer for answer in answers if answer.part == "quiz" and answer.question_id in quiz]
    judged = [(quiz[answer.question_id].truth, quiz[answer.question_id].says_fabricated(answer.option))
              for answer in quiz_answers if quiz[answer.question_id].truth is not None and answer.option is not None]
    return ModuleSummary(
        module=module, correct=sum(answer.correct for answer in quiz_answers), total=len(module.quiz),
        next_module=next_module,
        checks=CheckScores(checks.get("pre"), checks.get("post")) if module.pre_check else None,
        discernment=discernment(
            hits=sum(said_fake for truth, said_fake in judged if truth == "fabricated"),
            signal_trials=sum(truth == "fabricated" for truth, _ in judged),
            false_alarms=sum(said_fake for truth, said_fake in judged if truth == "genuine"),
            noise_trials=sum(truth == "genuine" for truth, _ in judged)),
    )


def heading(step: LessonStep | QuestionStep | ReviewStep) -> str:
    """'lesson 2 of 9', 'check 1 of 4', 'question 3 of 10', 'final check 2 of 4', 'review 1 of 4'."""
    part = "lesson" if isinstance(step, LessonStep) else "review" if isinstance(step, ReviewStep) else step.part
    return position_label(part, step.number, step.total)


@dataclass(frozen=True)
class ModuleStatus:
    module: Module
    status: Literal["not_started", "in_progress", "completed"]
    attempt: int
    position: int
    answered: int  # quiz questions answered (skips not included)
    skipped: int
    correct: int
    updated_at: str | None

    @property
    def plan(self) -> AttemptPlan:
        return self.module.plan(max(self.attempt, 1))

    @property
    def score(self) -> float | None:
        """Share of the quiz questions reached so far that were answered correctly; None before the first one."""
        reached = self.answered + self.skipped
        return round(self.correct / reached, 3) if reached else None

    @property
    def share_done(self) -> float:
        return self.position / self.plan.total if self.status != "not_started" else 0.0

    @property
    def position_label(self) -> str:
        if self.status in ("not_started", "completed"):
            return self.status.replace("_", " ")
        return attempt_position_label(self.plan, self.position)


def module_status(module: Module, progress: ModuleProgress | None, answers: list[AnswerRecord]) -> ModuleStatus:
    """A module's status for the learner from their latest attempt and its answers."""
    if progress is None:
        return ModuleStatus(module, "not_started", 0, 0, 0, 0, 0, None)
    question_ids = {question.id for question in module.quiz}
    quiz = [answer for answer in answers if answer.part == "quiz" and answer.question_id in question_ids]
    return ModuleStatus(
        module=module, status="completed" if progress.status == STATUS_COMPLETED else "in_progress",
        attempt=progress.attempt, position=min(progress.position, module.plan(progress.attempt).total),
        answered=sum(answer.option is not None for answer in quiz),
        skipped=sum(answer.option is None for answer in quiz),
        correct=sum(answer.correct for answer in quiz), updated_at=progress.updated_at)
