"""The tutor: where a learner is, what to show next, and what an answer or a move means.

A module attempt is a sequence of steps (bot.learning.content.AttemptPlan): a pre-check (first attempt only), the
lessons, the quiz and a post-check. Every call that changes something is one store turn (bot.store.turns): it reads
the learner's snapshot once, decides with plain functions (bot.learning.steps, bot.learning.judging) and writes the
result in the same transaction. Nothing is taken from a slot, an entity or a button payload but the learner's choice
itself, and even that is checked against the question the snapshot says is waiting. Missed questions come back in
spaced reviews (bot.learning.review).
"""
from __future__ import annotations

import uuid
from dataclasses import replace

from bot.errors import UnknownLearner, UnknownModule
from bot.learning.content import Content, Module
from bot.learning.judging import judge
from bot.learning.lemmas import lemmas
from bot.learning.matching import match_option
from bot.learning.practice import nearest_move, review_decision
from bot.learning.results import AdvanceResult, AnswerResult, Feedback, MoveResult, SkipResult, StartResult
from bot.learning.review import SpacedReview
from bot.learning.steps import (LessonStep, ModuleStatus, ModuleSummary, QuestionStep, ReviewStep, Step, module_status,
                                step_at, summary)
from bot.store import STATUS_COMPLETED, AnswerRecord, ModuleProgress, ProgressStore, Snapshot, Turn


class Tutor:
    """Runs lessons, quizzes, checks and practice posts for learners, keyed by their pseudonymous id; `review` runs
    their spaced reviews."""

    def __init__(self, content: Content, store: ProgressStore) -> None:
        self.content = content
        self.store = store
        self.review = SpacedReview(content, store)

    # Moving through a module

    def start(self, learner_id: str, module_id: str) -> StartResult:
        """Starts a module, resumes it at the saved step, or starts a new attempt of a completed one."""
        module = self._module(module_id)
        with self.store.turn(learner_id) as turn:
            if turn.snapshot.review:
                turn.end_review()
            progress = self.store.module_progress(learner_id, module_id)
            if progress is None:
                return StartResult("started", self._step(module, turn.begin_attempt(module_id, 1)))
            if progress.status == STATUS_COMPLETED:
                previous = self._summary(module, progress)
                progress = turn.begin_attempt(module_id, progress.attempt + 1)
                return StartResult("restarted", self._step(module, progress), previous=previous)
            turn.set_current_module(module_id)
            return StartResult("resumed", self._step(module, progress, self.store.moves(progress)))

    def current_step(self, learner_id: str) -> Step | None:
        """The review question or module step waiting for the learner, or None outside both."""
        return self._waiting(self.store.snapshot(learner_id))

    def free_text_waiting(self, learner_id: str) -> bool:
        """Whether the step waiting for the learner is a question answered in their own words."""
        step = self.current_step(learner_id)
        return isinstance(step, (QuestionStep, ReviewStep)) and step.question.free_text is not None

    def advance(self, learner_id: str) -> AdvanceResult:
        """'Next': moves from a lesson to the next lesson or the first question."""
        with self.store.turn(learner_id) as turn:
            snapshot = turn.snapshot
            if snapshot.review:
                return AdvanceResult("at_question", self.review.step(snapshot.review))
            current = self._current(snapshot)
            if current is None:
                return AdvanceResult("no_module", None)
            module, progress = current
            step = self._step(module, progress, snapshot.moves)
            if not isinstance(step, LessonStep):
                return AdvanceResult("at_question", step)
            return AdvanceResult("moved", self._step(module, turn.move(progress, progress.position + 1)))

    def answer(self, learner_id: str, *, text: str, message_id: str | None,
               question_id: str | None = None, option: str | None = None) -> AnswerResult:
        """Records the learner's answer to the question the snapshot says is waiting (in a review or a module).

        text (str): what the learner typed (or the button payload).
        message_id (str | None): id of the learner's message; a redelivered message is recorded once.
        question_id, option: from a button; the option only counts when question_id names the waiting question.
        """
        message_id = message_id or uuid.uuid4().hex
        with self.store.turn(learner_id, message_id=message_id) as turn:
            snapshot = turn.snapshot
            if snapshot.recorded_answer:
                return AnswerResult("already_recorded", self._waiting(snapshot),
                                    self._feedback(snapshot.recorded_answer))
            if snapshot.recorded_elsewhere:
                return AnswerResult("already_recorded", self._waiting(snapshot))
            if snapshot.review:
                return self.review.answer(turn, text=text, message_id=message_id, question_id=question_id,
                                          option=option)
            return self._answer_module(turn, text=text, message_id=message_id, question_id=question_id,
                                       option=option)

    def move(self, learner_id: str, *, move: str, message_id: str | None, question_id: str | None = None
             ) -> MoveResult:
        """A move on the practice post the learner is at: records it (once) and reveals its finding.

        question_id: from a move button; a button of another post is stale, as a quiz answer's would be.
        """
        message_id = message_id or uuid.uuid4().hex
        with self.store.turn(learner_id, message_id=message_id) as turn:
            current = self._current(turn.snapshot)
            step = self._step(*current, turn.snapshot.moves) if current else None
            if not isinstance(step, QuestionStep) or step.question.practice is None:
                return MoveResult("no_practice", step)
            if question_id is not None and question_id != step.question.id:
                return MoveResult("stale", step)
            chosen = step.question.practice.move(move)
            if chosen is None:
                return MoveResult("unknown_move", step)
            if not turn.snapshot.recorded_elsewhere:
                turn.record_move(current[1], question_id=step.question.id, move=chosen.kind, message_id=message_id)
            return MoveResult("revealed", replace(step, moves_made=step.moves_made | {chosen.kind}), chosen)

    def typed_practice_move(self, learner_id: str, text: str, *, message_id: str | None) -> MoveResult | None:
        """A typed message while a practice post waits, read as the nearest move ("i'd google it" -> search for
        coverage). RETURNS None when no practice post waits or no move clearly fits (a decision is an answer)."""
        step = self.current_step(learner_id)
        if not isinstance(step, QuestionStep) or step.question.practice is None:
            return None
        if match_option(text, step.question.options).letter:
            return None  # it names a decision: the answer path records it
        chosen = nearest_move(step.question.practice, text, lemmas)
        return self.move(learner_id, move=chosen.kind, message_id=message_id) if chosen else None

    def skip(self, learner_id: str, *, message_id: str | None) -> SkipResult:
        """Skips the remaining lessons (to the quiz), or the waiting question (recorded as skipped, not correct)."""
        message_id = message_id or uuid.uuid4().hex
        with self.store.turn(learner_id, message_id=message_id) as turn:
            snapshot = turn.snapshot
            if snapshot.review:
                skipped = self.review.step(snapshot.review).question
                return SkipResult("skipped_question", self.review.answer(turn, text="", message_id=message_id,
                                                                         skip=True).step, skipped=skipped)
            else:
                current = self._current(snapshot)
                if current is None:
                    return SkipResult("no_module", None)
                module, progress = current
                step = self._step(module, progress, snapshot.moves)
                if isinstance(step, LessonStep):
                    return SkipResult("skipped_lessons",
                                      self._step(module, turn.move(progress, module.plan(progress.attempt).quiz_start)))
                assert isinstance(step, QuestionStep)  # _current never returns a completed module
                after = self._record(turn, module, step, progress, option=None, correct=False, message_id=message_id)
                return SkipResult("skipped_question", after or step, skipped=step.question)

    def stop(self, learner_id: str) -> ModuleStatus | None:
        """Leaves the current module or review; a module's position stays saved. RETURNS the module's status."""
        with self.store.turn(learner_id) as turn:
            turn.end_review()
            current = self._current(turn.snapshot)
            turn.set_current_module(None)
        return self._status(learner_id, current[0]) if current else None

    # Reading progress

    def progress(self, learner_id: str) -> list[ModuleStatus]:
        """Every module's status for this learner, in menu order (not-started modules included)."""
        return [self._status(learner_id, module) for module in self.content.modules.values()]

    def progress_report(self, learner_id: str) -> dict:
        """One learner's progress as plain data (what `python -m bot progress --json` prints)."""
        if not self.store.learner_exists(learner_id):
            raise UnknownLearner(learner_id)
        modules = []
        for status in self.progress(learner_id):
            checks = self.store.check_scores(learner_id, status.module.id)
            modules.append({
                "id": status.module.id, "title": status.module.title, "status": status.status,
                "attempt": status.attempt, "answered": status.answered, "skipped": status.skipped,
                "correct": status.correct, "questions": len(status.module.quiz), "score": status.score,
                "checks": {kind: ({"correct": checks[kind][0], "of": checks[kind][1]} if kind in checks else None)
                           for kind in ("pre", "post")},
                "position": {"step": status.position, "of": status.plan.total, "label": status.position_label},
                "updated_at": status.updated_at,
            })
        return {"learner_id": learner_id, "current_module": self.store.current_module(learner_id),
                "next_review_due": self.store.next_due(learner_id), "modules": modules}

    def forget(self, learner_id: str) -> bool:
        """Deletes everything stored about the learner. RETURNS whether anything was stored."""
        return self.store.delete_learner(learner_id)

    # Helpers

    def _answer_module(self, turn: Turn, *, text: str, message_id: str, question_id: str | None,
                       option: str | None) -> AnswerResult:
        current = self._current(turn.snapshot)
        if current is None:
            return AnswerResult("no_question", None)
        module, progress = current
        step = self._step(module, progress, turn.snapshot.moves)
        if not isinstance(step, QuestionStep):
            return AnswerResult("no_question", step)
        question = step.question
        if question_id is not None and question_id != question.id:
            return AnswerResult("stale", step)
        judged = judge(module, question, text, option if question_id is not None else None)
        if judged.status != "ok":
            return AnswerResult(judged.status, step, candidates=judged.candidates)
        review = review_decision(question.practice, set(step.moves_made)) if question.practice else None
        after = self._record(turn, module, step, progress, option=judged.option, correct=judged.correct,
                             message_id=message_id, investigated=review.investigated if review else None)
        feedback = Feedback(question, judged.chosen, judged.correct, judged.grade, review)
        if after is None:
            return AnswerResult("already_recorded", step, feedback)
        return AnswerResult("recorded", after, feedback)

    def _record(self, turn: Turn, module: Module, step: QuestionStep, progress: ModuleProgress, *,
                option: str | None, correct: bool, message_id: str, investigated: bool | None = None) -> Step | None:
        """Records the answer (option None: skipped) and RETURNS the step after it: after the module's last
        question its summary, once the missed questions are scheduled for review. None: the question was already
        answered in this attempt (nothing written)."""
        completes_module = progress.position + 1 == module.plan(progress.attempt).total
        after = turn.record_answer(
            progress, question_id=step.question.id, option=option, correct=correct, message_id=message_id,
            part=step.part, completes_module=completes_module,
            completes_check=step.part != "quiz" and step.number == step.total, investigated=investigated)
        if after is None:
            return None
        if not completes_module:
            return self._step(module, after, turn.snapshot.moves)
        answers = self.store.answers(progress.learner_id, module.id, progress.attempt)
        self.review.schedule(turn, module, answers)
        return self._summary(module, after, answers)

    def _module(self, module_id: str) -> Module:
        module = self.content.module(module_id)
        if module is None:
            raise UnknownModule(module_id, list(self.content.modules))
        return module

    def _current(self, snapshot: Snapshot) -> tuple[Module, ModuleProgress] | None:
        """The learner's current module and position, unless they are outside a module or it is completed."""
        module = self.content.module(snapshot.current_module) if snapshot.current_module else None
        progress = snapshot.progress
        if module is None or progress is None or progress.status == STATUS_COMPLETED:
            return None
        if progress.position >= module.plan(progress.attempt).total:
            return None  # content shrank since: treat as finished rather than index past the end
        return module, progress

    def _waiting(self, snapshot: Snapshot) -> Step | None:
        if snapshot.review:
            return self.review.step(snapshot.review)
        current = self._current(snapshot)
        return self._step(*current, snapshot.moves) if current else None

    def _step(self, module: Module, progress: ModuleProgress, moves: frozenset[tuple[str, str]] = frozenset()
              ) -> Step:
        return step_at(module, progress, moves) or self._summary(module, progress)

    def _summary(self, module: Module, progress: ModuleProgress, answers: list[AnswerRecord] | None = None
                 ) -> ModuleSummary:
        """answers: the attempt's answers when already read in this turn."""
        if answers is None:
            answers = self.store.answers(progress.learner_id, module.id, progress.attempt)
        return summary(module, answers, self.store.check_scores(progress.learner_id, module.id),
                       self._next_module_for(progress.learner_id, module))

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
        questions = (module.quiz + module.pre_check + module.post_check) if module else ()
        question = next((q for q in questions if q.id == answer.question_id), None)
        if question is None:
            return None
        chosen = question.option(answer.option) if answer.option and question.options else None
        return Feedback(question, chosen, answer.correct)

    def _status(self, learner_id: str, module: Module) -> ModuleStatus:
        progress = self.store.module_progress(learner_id, module.id)
        answers = self.store.answers(learner_id, module.id, progress.attempt) if progress else []
        return module_status(module, progress, answers)
