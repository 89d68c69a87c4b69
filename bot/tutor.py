"""Tutor and quiz logic: where a learner is, what to show next, and what an answer means.

Every decision reads the progress store and the content; nothing is taken from a slot, an entity or a button payload
except the learner's choice itself, and even that is checked against the question the store says is current.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal, Union

from bot.content import Content, Lesson, Module, Option, Question
from bot.errors import UnknownLearner, UnknownModule
from bot.matching import match_option
from bot.store import STATUS_COMPLETED, AnswerRecord, ModuleProgress, ProgressStore


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
    module: Module
    number: int  # 1-based
    question: Question

    @property
    def total(self) -> int:
        return len(self.module.quiz)


@dataclass(frozen=True)
class ModuleSummary:
    module: Module
    correct: int
    total: int
    next_module: Module | None

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


Step = Union[LessonStep, QuestionStep, ModuleSummary]


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
    chosen: Option | None  # None: the learner skipped the question
    correct: bool


@dataclass(frozen=True)
class AnswerResult:
    status: Literal["recorded", "already_recorded", "unmatched", "ambiguous", "stale", "no_question"]
    step: Step | None  # what to show now: the next question or summary, or the question still waiting
    feedback: Feedback | None = None
    candidates: tuple[Option, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SkipResult:
    status: Literal["skipped_lessons", "skipped_question", "no_module"]
    step: Step | None
    skipped: Question | None = None


@dataclass(frozen=True)
class ModuleStatus:
    module: Module
    status: Literal["not_started", "in_progress", "completed"]
    attempt: int
    position: int
    answered: int  # questions answered (skips not included)
    skipped: int
    correct: int
    updated_at: str | None

    @property
    def score(self) -> float | None:
        """Share of the questions reached so far that were answered correctly; None before the first one."""
        reached = self.answered + self.skipped
        return round(self.correct / reached, 3) if reached else None

    @property
    def share_done(self) -> float:
        return self.position / self.module.steps_total if self.status != "not_started" else 0.0

    @property
    def position_label(self) -> str:
        lessons = len(self.module.lessons)
        if self.status == "not_started":
            return "not started"
        if self.status == "completed":
            return "completed"
        if self.position < lessons:
            return f"lesson {self.position + 1} of {lessons}"
        return f"question {self.position - lessons + 1} of {len(self.module.quiz)}"


class Tutor:
    """Runs lessons and quizzes for learners, keyed by their pseudonymous id."""

    def __init__(self, content: Content, store: ProgressStore) -> None:
        self.content = content
        self.store = store

    # Moving through a module

    def start(self, learner_id: str, module_id: str) -> StartResult:
        """Starts a module, resumes it at the saved step, or starts a new attempt of a completed one."""
        module = self._module(module_id)
        self.store.touch_learner(learner_id)
        progress = self.store.module_progress(learner_id, module_id)
        if progress is None:
            progress = self.store.begin_attempt(learner_id, module_id)
            return StartResult("started", self._step(module, progress))
        if progress.status == STATUS_COMPLETED:
            previous = self._summary(module, progress)
            progress = self.store.begin_attempt(learner_id, module_id)
            return StartResult("restarted", self._step(module, progress), previous=previous)
        self.store.set_current_module(learner_id, module_id)
        return StartResult("resumed", self._step(module, progress))

    def current_step(self, learner_id: str) -> Step | None:
        """The step waiting in the learner's current module, or None outside a module."""
        current = self._current(learner_id)
        return self._step(*current) if current else None

    def advance(self, learner_id: str) -> AdvanceResult:
        """'Next': moves from a lesson to the next lesson or the first question."""
        self.store.touch_learner(learner_id)
        current = self._current(learner_id)
        if current is None:
            return AdvanceResult("no_module", None)
        module, progress = current
        if progress.position >= len(module.lessons):
            return AdvanceResult("at_question", self._step(module, progress))
        self.store.move_to(progress, progress.position + 1)
        return AdvanceResult("moved", self._step(module, self._progress(learner_id, module.id)))

    def answer(self, learner_id: str, *, text: str, message_id: str | None,
               question_id: str | None = None, option: str | None = None) -> AnswerResult:
        """Records the learner's answer to the question the store says is waiting.

        text (str): what the learner typed (or the button payload).
        message_id (str | None): id of the learner's message; a redelivered message is recorded once.
        question_id, option: from a quiz button; the option only counts when question_id names the waiting question.
        """
        self.store.touch_learner(learner_id)
        message_id = message_id or uuid.uuid4().hex
        if earlier := self.store.answer_for_message(learner_id, message_id):
            return AnswerResult("already_recorded", self.current_step(learner_id), self._feedback(earlier))
        current = self._current(learner_id)
        if current is None:
            return AnswerResult("no_question", None)
        module, progress = current
        step = self._step(module, progress)
        if not isinstance(step, QuestionStep):
            return AnswerResult("no_question", step)
        question = step.question
        if question_id is not None and question_id != question.id:
            return AnswerResult("stale", step)
        if question_id is not None and option is not None and question.option(option):
            chosen = question.option(option)
        else:
            match = match_option(text, question.options)
            if match.candidates:
                return AnswerResult("ambiguous", step,
                                    candidates=tuple(question.option(letter) for letter in match.candidates))
            chosen = question.option(match.letter) if match.letter else None
        if chosen is None:
            return AnswerResult("unmatched", step)
        recorded = self.store.record_answer(
            progress, question_id=question.id, option=chosen.letter, correct=chosen.correct,
            message_id=message_id, completes_module=progress.position + 1 == module.steps_total,
        )
        status = "recorded" if recorded else "already_recorded"
        after = self._step(module, self._progress(learner_id, module.id))
        return AnswerResult(status, after, Feedback(question, chosen, chosen.correct))

    def skip(self, learner_id: str, *, message_id: str | None) -> SkipResult:
        """Skips the remaining lessons (to the quiz), or the waiting question (recorded as skipped, not correct)."""
        self.store.touch_learner(learner_id)
        current = self._current(learner_id)
        if current is None:
            return SkipResult("no_module", None)
        module, progress = current
        step = self._step(module, progress)
        if isinstance(step, LessonStep):
            self.store.move_to(progress, len(module.lessons))
            return SkipResult("skipped_lessons", self.current_step(learner_id))
        assert isinstance(step, QuestionStep)  # _current never returns a completed module
        self.store.record_answer(
            progress, question_id=step.question.id, option=None, correct=False,
            message_id=message_id or uuid.uuid4().hex,
            completes_module=progress.position + 1 == module.steps_total,
        )
        after = self._step(module, self._progress(learner_id, module.id))
        return SkipResult("skipped_question", after, skipped=step.question)

    def stop(self, learner_id: str) -> ModuleStatus | None:
        """Leaves the current module; its position stays saved. RETURNS the module's status, or None."""
        self.store.touch_learner(learner_id)
        current = self._current(learner_id)
        self.store.set_current_module(learner_id, None)
        return self._status(learner_id, current[0]) if current else None

    # Reading progress

    def progress(self, learner_id: str) -> list[ModuleStatus]:
        """Every module's status for this learner, in menu order (not-started modules included)."""
        return [self._status(learner_id, module) for module in self.content.modules.values()]

    def progress_report(self, learner_id: str) -> dict:
        """One learner's progress as plain data (what `python -m bot progress --json` prints)."""
        if not self.store.learner_exists(learner_id):
            raise UnknownLearner(learner_id)
        current = self.store.current_module(learner_id)
        return {
            "learner_id": learner_id,
            "current_module": current,
            "modules": [
                {
                    "id": status.module.id,
                    "title": status.module.title,
                    "status": status.status,
                    "attempt": status.attempt,
                    "answered": status.answered,
                    "skipped": status.skipped,
                    "correct": status.correct,
                    "questions": len(status.module.quiz),
                    "score": status.score,
                    "position": {
                        "step": status.position,
                        "of": status.module.steps_total,
                        "label": status.position_label,
                    },
                    "updated_at": status.updated_at,
                }
                for status in self.progress(learner_id)
            ],
        }

    def missed_questions(self, learner_id: str) -> list[Question]:
        """Questions answered wrongly or skipped in the latest attempt of each module, in menu order."""
        missed = []
        for module_id, progress in self.store.all_progress(learner_id).items():
            module = self.content.module(module_id)
            if module is None:
                continue
            wrong = {answer.question_id for answer in self.store.answers(learner_id, module_id, progress.attempt)
                     if not answer.correct}
            missed += [(module.order, index, question) for index, question in enumerate(module.quiz)
                       if question.id in wrong]
        return [question for _, _, question in sorted(missed, key=lambda item: item[:2])]

    def forget(self, learner_id: str) -> bool:
        """Deletes everything stored about the learner. RETURNS whether anything was stored."""
        return self.store.delete_learner(learner_id)

    # Helpers

    def _module(self, module_id: str) -> Module:
        module = self.content.module(module_id)
        if module is None:
            raise UnknownModule(module_id, list(self.content.modules))
        return module

    def _progress(self, learner_id: str, module_id: str) -> ModuleProgress:
        progress = self.store.module_progress(learner_id, module_id)
        assert progress is not None
        return progress

    def _current(self, learner_id: str) -> tuple[Module, ModuleProgress] | None:
        """The learner's current module and position, unless they are outside a module or it is completed."""
        module_id = self.store.current_module(learner_id)
        module = self.content.module(module_id) if module_id else None
        progress = self.store.module_progress(learner_id, module_id) if module else None
        if module is None or progress is None or progress.status == STATUS_COMPLETED:
            return None
        if progress.position >= module.steps_total:
            return None  # content shrank since: treat as finished rather than index past the end
        return module, progress

    def _step(self, module: Module, progress: ModuleProgress) -> Step:
        position = progress.position
        if position < len(module.lessons):
            return LessonStep(module, position + 1, module.lessons[position])
        question_index = position - len(module.lessons)
        if question_index < len(module.quiz):
            return QuestionStep(module, question_index + 1, module.quiz[question_index])
        return self._summary(module, progress)

    def _summary(self, module: Module, progress: ModuleProgress) -> ModuleSummary:
        answers = self.store.answers(progress.learner_id, module.id, progress.attempt)
        return ModuleSummary(
            module=module,
            correct=sum(answer.correct for answer in answers),
            total=len(module.quiz),
            next_module=self._next_module_for(progress.learner_id, module),
        )

    def _next_module_for(self, learner_id: str, module: Module) -> Module | None:
        """The first module after this one (wrapping around) that the learner has not completed."""
        ids = list(self.content.modules)
        start = ids.index(module.id)
        done = {module_id for module_id, progress in self.store.all_progress(learner_id).items()
                if progress.status == STATUS_COMPLETED}
        for offset in range(1, len(ids)):
            candidate = ids[(start + offset) % len(ids)]
            if candidate not in done:
                return self.content.modules[candidate]
        return None

    def _feedback(self, answer: AnswerRecord) -> Feedback | None:
        module = self.content.module(answer.module_id)
        question = next((q for q in module.quiz if q.id == answer.question_id), None) if module else None
        if question is None:
            return None
        chosen = question.option(answer.option) if answer.option else None
        return Feedback(question, chosen, answer.correct)

    def _status(self, learner_id: str, module: Module) -> ModuleStatus:
        progress = self.store.module_progress(learner_id, module.id)
        if progress is None:
            return ModuleStatus(module, "not_started", 0, 0, 0, 0, 0, None)
        question_ids = {question.id for question in module.quiz}
        answers = [answer for answer in self.store.answers(learner_id, module.id, progress.attempt)
                   if answer.question_id in question_ids]
        return ModuleStatus(
            module=module,
            status="completed" if progress.status == STATUS_COMPLETED else "in_progress",
            attempt=progress.attempt,
            position=min(progress.position, module.steps_total),
            answered=sum(answer.option is not None for answer in answers),
            skipped=sum(answer.option is None for answer in answers),
            correct=sum(answer.correct for answer in answers),
            updated_at=progress.updated_at,
        )
