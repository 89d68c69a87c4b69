"""Tutor and quiz logic: where a learner is, what to show next, and what an answer means.

A module attempt is a sequence of steps (bot.learning.content.AttemptPlan): a pre-check (first attempt only), the lessons, the
quiz and a post-check. Missed questions come back in spaced reviews (bot.learning.review).

Every decision reads the progress store and the content; nothing is taken from a slot, an entity or a button payload
except the learner's choice itself, and even that is checked against the question the store says is current.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal, Union

from bot.learning.content import AttemptPlan, Content, Lesson, Module, Option, Question
from bot.errors import UnknownLearner, UnknownModule
from bot.learning.grading import Grade, grade
from bot.learning.lemmas import lemmas
from bot.learning.matching import match_option
from bot.learning.position import attempt_position_label
from bot.learning.practice import Move, Review, nearest_move, review_decision
from bot.learning.review import BOOSTER_AFTER, REVIEW_QUESTIONS, reviewed_card, right_answers_to_review
from bot.reports.stats import Discernment, discernment
from bot.store import STATUS_COMPLETED, AnswerRecord, ModuleProgress, Part, ProgressStore, ReviewSession



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
    discernment: Discernment | None = None  # from the quiz's judgement items, when it has any

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
        if self.status == "not_started":
            return "not started"
        if self.status == "completed":
            return "completed"
        return attempt_position_label(self.plan, self.position)


@dataclass(frozen=True)
class _Judged:
    """What an answer to a question means, before it is stored."""

    status: Literal["ok", "unmatched", "ambiguous"]
    option: str | None = None  # stored: the letter, or a free_text grade
    correct: bool = False
    chosen: Option | None = None
    grade: Grade | None = None
    candidates: tuple[Option, ...] = ()


class Tutor:
    """Runs lessons, quizzes, checks and reviews for learners, keyed by their pseudonymous id."""

    def __init__(self, content: Content, store: ProgressStore) -> None:
        self.content = content
        self.store = store
        # Quiz questions by id, for reviews (check items are never reviewed: they measure, they don't teach; practice
        # posts are practised in their module, with their moves).
        self._quiz_questions = {question.id: (module, question) for module in content.modules.values()
                                for question in module.quiz if question.practice is None}

    # Moving through a module

    def start(self, learner_id: str, module_id: str) -> StartResult:
        """Starts a module, resumes it at the saved step, or starts a new attempt of a completed one."""
        module = self._module(module_id)
        self.store.touch_learner(learner_id)
        self.store.end_review(learner_id)
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
        """The review question or module step waiting for the learner, or None outside both."""
        if session := self.store.review_session(learner_id):
            return self._review_step(session)
        current = self._current(learner_id)
        return self._step(*current) if current else None

    def free_text_waiting(self, learner_id: str) -> bool:
        """Whether the step waiting for the learner is a question answered in their own words."""
        step = self.current_step(learner_id)
        return isinstance(step, (QuestionStep, ReviewStep)) and step.question.free_text is not None

    def advance(self, learner_id: str) -> AdvanceResult:
        """'Next': moves from a lesson to the next lesson or the first question."""
        self.store.touch_learner(learner_id)
        if session := self.store.review_session(learner_id):
            return AdvanceResult("at_question", self._review_step(session))
        current = self._current(learner_id)
        if current is None:
            return AdvanceResult("no_module", None)
        module, progress = current
        step = self._step(module, progress)
        if not isinstance(step, LessonStep):
            return AdvanceResult("at_question", step)
        self.store.move_to(progress, progress.position + 1)
        return AdvanceResult("moved", self._step(module, self._progress(learner_id, module.id)))

    def answer(self, learner_id: str, *, text: str, message_id: str | None,
               question_id: str | None = None, option: str | None = None) -> AnswerResult:
        """Records the learner's answer to the question the store says is waiting (in a review or a module).

        text (str): what the learner typed (or the button payload).
        message_id (str | None): id of the learner's message; a redelivered message is recorded once.
        question_id, option: from a quiz button; the option only counts when question_id names the waiting question.
        """
        self.store.touch_learner(learner_id)
        message_id = message_id or uuid.uuid4().hex
        if earlier := self.store.answer_for_message(learner_id, message_id):
            return AnswerResult("already_recorded", self.current_step(learner_id), self._feedback(earlier))
        if self.store.review_answer_for_message(learner_id, message_id):
            return AnswerResult("already_recorded", self.current_step(learner_id))
        if session := self.store.review_session(learner_id):
            return self._answer_review(session, text=text, message_id=message_id, question_id=question_id,
                                       option=option)
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
        judged = self._judge(module, question, text, option if question_id is not None else None)
        if judged.status != "ok":
            return AnswerResult(judged.status, step, candidates=judged.candidates)
        review = review_decision(question.practice, set(step.moves_made)) if question.practice else None
        recorded = self._record(progress, module, step, option=judged.option, correct=judged.correct,
                                message_id=message_id, investigated=review.investigated if review else None)
        after = self._step(module, self._progress(learner_id, module.id))
        return AnswerResult("recorded" if recorded else "already_recorded", after,
                            Feedback(question, judged.chosen, judged.correct, judged.grade, review))

    def move(self, learner_id: str, *, move: str, message_id: str | None, question_id: str | None = None
             ) -> MoveResult:
        """A move on the practice post the learner is at: records it (once) and reveals its finding.

        question_id: from a move button; a button of another post is stale, as a quiz answer's would be.
        """
        self.store.touch_learner(learner_id)
        current = self._current(learner_id)
        step = self._step(*current) if current else None
        if not isinstance(step, QuestionStep) or step.question.practice is None:
            return MoveResult("no_practice", step)
        if question_id is not None and question_id != step.question.id:
            return MoveResult("stale", step)
        chosen = step.question.practice.move(move)
        if chosen is None:
            return MoveResult("unknown_move", step)
        module, progress = current
        self.store.record_move(progress, question_id=step.question.id, move=chosen.kind,
                               message_id=message_id or uuid.uuid4().hex)
        return MoveResult("revealed", self._step(module, progress), chosen)

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
        self.store.touch_learner(learner_id)
        message_id = message_id or uuid.uuid4().hex
        if session := self.store.review_session(learner_id):
            skipped = self._review_step(session).question
            result = self._answer_review(session, text="", message_id=message_id, skip=True)
            return SkipResult("skipped_question", result.step, skipped=skipped)
        current = self._current(learner_id)
        if current is None:
            return SkipResult("no_module", None)
        module, progress = current
        step = self._step(module, progress)
        if isinstance(step, LessonStep):
            self.store.move_to(progress, module.plan(progress.attempt).quiz_start)
            return SkipResult("skipped_lessons", self.current_step(learner_id))
        assert isinstance(step, QuestionStep)  # _current never returns a completed module
        self._record(progress, module, step, option=None, correct=False, message_id=message_id)
        after = self._step(module, self._progress(learner_id, module.id))
        return SkipResult("skipped_question", after, skipped=step.question)

    def stop(self, learner_id: str) -> ModuleStatus | None:
        """Leaves the current module or review; a module's position stays saved. RETURNS the module's status."""
        self.store.touch_learner(learner_id)
        self.store.end_review(learner_id)
        current = self._current(learner_id)
        self.store.set_current_module(learner_id, None)
        return self._status(learner_id, current[0]) if current else None

    # Spaced review

    def start_review(self, learner_id: str) -> ReviewStart:
        """Asks the learner's due review questions, most overdue first, at most REVIEW_QUESTIONS of them."""
        self.store.touch_learner(learner_id)
        due = self.store.due_cards(learner_id, now=self._now_text(), limit=REVIEW_QUESTIONS)
        questions = [card.question_id for card in due if card.question_id in self._quiz_questions]
        if not questions:
            return ReviewStart("nothing_due", None, next_due=self.store.next_due(learner_id))
        return ReviewStart("started", self._review_step(self.store.start_review(learner_id, questions)))

    def booster_offer(self, learner_id: str) -> int:
        """How many review questions to offer a learner returning after BOOSTER_AFTER or more (0: none). Call it
        before anything records the learner as seen."""
        last_seen = self.store.last_seen(learner_id)
        if last_seen is None or self.store.now() - last_seen < BOOSTER_AFTER:
            return 0
        due = self.store.due_cards(learner_id, now=self._now_text(), limit=REVIEW_QUESTIONS)
        return sum(card.question_id in self._quiz_questions for card in due)

    def _answer_review(self, session: ReviewSession, *, text: str, message_id: str, question_id: str | None = None,
                       option: str | None = None, skip: bool = False) -> AnswerResult:
        step = self._review_step(session)
        if question_id is not None and question_id != step.question.id:
            return AnswerResult("stale", step)
        judged = _Judged("ok") if skip else self._judge(step.module, step.question, text,
                                                        option if question_id is not None else None)
        if judged.status != "ok":
            return AnswerResult(judged.status, step, candidates=judged.candidates)
        card = reviewed_card(self.store.review_card(session.learner_id, step.question.id),
                             learner_id=session.learner_id, module_id=step.module.id, question_id=step.question.id,
                             correct=judged.correct, at=self.store.now())
        recorded = self.store.record_review_answer(session, option=judged.option, correct=judged.correct,
                                                   message_id=message_id, card=card)
        after = self.store.review_session(session.learner_id)
        next_step = self._review_step(after) if after else self._review_summary(session)
        return AnswerResult("recorded" if recorded else "already_recorded", next_step,
                            Feedback(step.question, judged.chosen, judged.correct, judged.grade))

    def _review_step(self, session: ReviewSession) -> ReviewStep:
        module, question = self._quiz_questions[session.questions[session.position]]
        return ReviewStep(module=module, number=session.position + 1, total=len(session.questions),
                          question=question)

    def _review_summary(self, session: ReviewSession) -> ReviewSummary:
        answers = self.store.review_answers_since(session.learner_id, session.started_at)
        next_due = self.store.next_due(session.learner_id)
        return ReviewSummary(right=sum(answer["correct"] for answer in answers), total=len(session.questions),
                             next_due=next_due, more_due_now=next_due is not None and next_due <= self._now_text())

    def _schedule_reviews(self, learner_id: str, module: Module, attempt: int) -> None:
        """After a finished attempt: every quiz question missed comes back, and a sample of those answered right."""
        answers = [answer for answer in self.store.answers(learner_id, module.id, attempt)
                   if answer.part == "quiz" and answer.question_id in self._quiz_questions]
        missed = [answer.question_id for answer in answers if not answer.correct]
        right = right_answers_to_review(learner_id, [answer.question_id for answer in answers if answer.correct])
        now = self.store.now()
        for question_id in missed + right:
            previous = self.store.review_card(learner_id, question_id)
            self.store.save_card(reviewed_card(previous, learner_id=learner_id, module_id=module.id,
                                               question_id=question_id, correct=question_id in right, at=now))

    # Reading progress

    def progress(self, learner_id: str) -> list[ModuleStatus]:
        """Every module's status for this learner, in menu order (not-started modules included)."""
        return [self._status(learner_id, module) for module in self.content.modules.values()]

    def progress_report(self, learner_id: str) -> dict:
        """One learner's progress as plain data (what `python -m bot progress --json` prints)."""
        if not self.store.learner_exists(learner_id):
            raise UnknownLearner(learner_id)
        current = self.store.current_module(learner_id)
        modules = []
        for status in self.progress(learner_id):
            checks = self.store.check_scores(learner_id, status.module.id)
            modules.append({
                "id": status.module.id,
                "title": status.module.title,
                "status": status.status,
                "attempt": status.attempt,
                "answered": status.answered,
                "skipped": status.skipped,
                "correct": status.correct,
                "questions": len(status.module.quiz),
                "score": status.score,
                "checks": {kind: ({"correct": checks[kind][0], "of": checks[kind][1]} if kind in checks else None)
                           for kind in ("pre", "post")},
                "position": {"step": status.position, "of": status.plan.total, "label": status.position_label},
                "updated_at": status.updated_at,
            })
        return {"learner_id": learner_id, "current_module": current, "next_review_due": self.store.next_due(learner_id),
                "modules": modules}

    def missed_questions(self, learner_id: str) -> list[Question]:
        """Quiz questions answered wrongly or skipped in the latest attempt of each module, in menu order."""
        missed = []
        for module_id, progress in self.store.all_progress(learner_id).items():
            module = self.content.module(module_id)
            if module is None:
                continue
            wrong = {answer.question_id for answer in self.store.answers(learner_id, module_id, progress.attempt)
                     if not answer.correct and answer.part == "quiz"}
            missed += [(module.order, index, question) for index, question in enumerate(module.quiz)
                       if question.id in wrong]
        return [question for _, _, question in sorted(missed, key=lambda item: item[:2])]

    def forget(self, learner_id: str) -> bool:
        """Deletes everything stored about the learner. RETURNS whether anything was stored."""
        return self.store.delete_learner(learner_id)

    # Helpers

    def _judge(self, module: Module, question: Question, text: str, option: str | None) -> _Judged:
        """What an answer means: a button's option, a typed letter or option text, or a graded free-text answer."""
        if question.free_text is not None:
            graded = grade(question, module.synonyms, text)
            return _Judged("ok", option=graded.status, correct=graded.status == "right", grade=graded)
        if option is not None and (chosen := question.option(option)):
            return _Judged("ok", option=chosen.letter, correct=chosen.correct, chosen=chosen)
        match = match_option(text, question.options)
        if match.candidates:
            return _Judged("ambiguous", candidates=tuple(question.option(letter) for letter in match.candidates))
        chosen = question.option(match.letter) if match.letter else None
        if chosen is None:
            return _Judged("unmatched")
        return _Judged("ok", option=chosen.letter, correct=chosen.correct, chosen=chosen)

    def _record(self, progress: ModuleProgress, module: Module, step: QuestionStep, *, option: str | None,
                correct: bool, message_id: str, investigated: bool | None = None) -> bool:
        plan = module.plan(progress.attempt)
        completes_module = progress.position + 1 == plan.total
        recorded = self.store.record_answer(
            progress, question_id=step.question.id, option=option, correct=correct, message_id=message_id,
            completes_module=completes_module, part=step.part,
            completes_check=step.part != "quiz" and step.number == step.total, investigated=investigated,
        )
        if recorded and completes_module:
            self._schedule_reviews(progress.learner_id, module, progress.attempt)
        return recorded

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
        if progress.position >= module.plan(progress.attempt).total:
            return None  # content shrank since: treat as finished rather than index past the end
        return module, progress

    def _step(self, module: Module, progress: ModuleProgress) -> Step:
        found = module.plan(progress.attempt).step(progress.position)
        if found is None:
            return self._summary(module, progress)
        kind, index, item = found
        if kind == "lesson":
            return LessonStep(module, index + 1, item)
        moves = frozenset(self.store.moves_made(progress, item.id)) if item.practice else frozenset()
        return QuestionStep(module, index + 1, item, part=kind, moves_made=moves)

    def _summary(self, module: Module, progress: ModuleProgress) -> ModuleSummary:
        answers = self.store.answers(progress.learner_id, module.id, progress.attempt)
        quiz = {question.id: question for question in module.quiz}
        quiz_answers = [answer for answer in answers if answer.part == "quiz" and answer.question_id in quiz]
        checks = self.store.check_scores(progress.learner_id, module.id)
        return ModuleSummary(
            module=module,
            correct=sum(answer.correct for answer in quiz_answers),
            total=len(module.quiz),
            next_module=self._next_module_for(progress.learner_id, module),
            checks=CheckScores(checks.get("pre"), checks.get("post")) if module.pre_check else None,
            discernment=_discernment(quiz, quiz_answers),
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
        questions = (module.quiz + module.pre_check + module.post_check) if module else ()
        question = next((q for q in questions if q.id == answer.question_id), None)
        if question is None:
            return None
        chosen = question.option(answer.option) if answer.option and question.options else None
        return Feedback(question, chosen, answer.correct)

    def _status(self, learner_id: str, module: Module) -> ModuleStatus:
        progress = self.store.module_progress(learner_id, module.id)
        if progress is None:
            return ModuleStatus(module, "not_started", 0, 0, 0, 0, 0, None)
        question_ids = {question.id for question in module.quiz}
        answers = [answer for answer in self.store.answers(learner_id, module.id, progress.attempt)
                   if answer.part == "quiz" and answer.question_id in question_ids]
        return ModuleStatus(
            module=module,
            status="completed" if progress.status == STATUS_COMPLETED else "in_progress",
            attempt=progress.attempt,
            position=min(progress.position, module.plan(progress.attempt).total),
            answered=sum(answer.option is not None for answer in answers),
            skipped=sum(answer.option is None for answer in answers),
            correct=sum(answer.correct for answer in answers),
            updated_at=progress.updated_at,
        )

    def _now_text(self) -> str:
        return self.store.now().isoformat(timespec="seconds")


def _discernment(quiz: dict[str, Question], answers: list[AnswerRecord]) -> Discernment | None:
    """Signal-detection figures from the attempt's answers to judgement items and practice posts (skips left out)."""
    judged = [(quiz[answer.question_id].truth, quiz[answer.question_id].says_fabricated(answer.option))
              for answer in answers if quiz[answer.question_id].truth is not None and answer.option is not None]
    return discernment(
        hits=sum(said_fake for truth, said_fake in judged if truth == "fabricated"),
        signal_trials=sum(truth == "fabricated" for truth, _ in judged),
        false_alarms=sum(said_fake for truth, said_fake in judged if truth == "genuine"),
        noise_trials=sum(truth == "genuine" for truth, _ in judged),
    )
