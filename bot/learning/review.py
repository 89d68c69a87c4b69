"""Spaced review: which questions come back to a learner, and when, scheduled by FSRS (the `fsrs` package).

Each question a learner should see again has one FSRS card in the store. A wrong, skipped or partly right answer is
rated Again, a right one Good; FSRS turns the rating history into the next due date (a missed question comes back
after about a day, a question answered right again and again ever later). Check items measure and practice posts are
practised in their module, so neither is reviewed.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from fsrs import Card, Rating, Scheduler

from bot.learning.content import Content, Module, Question
from bot.learning.judging import Judged, judge
from bot.learning.results import AnswerResult, Feedback, ReviewStart
from bot.learning.steps import ReviewStep, ReviewSummary
from bot.store import AnswerRecord, ProgressStore, ReviewCard, ReviewSession, Turn

# FSRS's minute-long learning steps suit a flashcard app open all day; in a chat lesson a missed question is better
# met again the next day, so every card goes straight to day-based scheduling. No fuzz: schedules are reproducible.
SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
RIGHT_ANSWERS_TO_REVIEW = 2  # per finished module: a sample of right answers also comes back, to keep them
REVIEW_QUESTIONS = 4  # asked in one review at most: about two minutes, like the booster offered on return
BOOSTER_AFTER = timedelta(days=2)  # a learner away this long is offered the booster first


def reviewed_card(previous: ReviewCard | None, *, learner_id: str, module_id: str, question_id: str,
                  correct: bool, at: datetime) -> ReviewCard:
    """The card after an answer at `at` (timezone-aware UTC): a new card for a first answer, else the next review."""
    card = Card.from_json(previous.card) if previous else Card(card_id=_card_id(learner_id, question_id), due=at)
    card, _ = SCHEDULER.review_card(card, Rating.Good if correct else Rating.Again, review_datetime=at)
    return ReviewCard(learner_id=learner_id, question_id=question_id, module_id=module_id,
                      due=card.due.isoformat(timespec="seconds"), card=card.to_json())


def right_answers_to_review(learner_id: str, question_ids: list[str]) -> list[str]:
    """A fixed sample of RIGHT_ANSWERS_TO_REVIEW of the questions answered right: the same learner and questions
    always give the same sample, different learners different ones."""
    return sorted(question_ids, key=lambda question_id: _card_id(learner_id, question_id))[:RIGHT_ANSWERS_TO_REVIEW]


def _card_id(learner_id: str, question_id: str) -> int:
    digest = hashlib.sha256(f"{learner_id}\0{question_id}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


class SpacedReview:
    """Schedules the questions a learner missed after a module, asks the due ones, and offers a booster on return."""

    def __init__(self, content: Content, store: ProgressStore) -> None:
        self.store = store
        self._questions = {question.id: (module, question) for module in content.modules.values()
                           for question in module.quiz if question.practice is None}

    def step(self, session: ReviewSession) -> ReviewStep:
        module, question = self._questions[session.question_id]
        return ReviewStep(module=module, number=session.position + 1, total=len(session.questions),
                          question=question)

    def start(self, learner_id: str) -> ReviewStart:
        """Asks the learner's due review questions, most overdue first, at most REVIEW_QUESTIONS of them."""
        due = self.store.due_cards(learner_id, now=self._now_text(), limit=REVIEW_QUESTIONS)
        questions = [card.question_id for card in due if card.question_id in self._questions]
        if not questions:
            with self.store.turn(learner_id):
                pass  # the learner is seen all the same
            return ReviewStart("nothing_due", None, next_due=self.store.next_due(learner_id))
        with self.store.turn(learner_id) as turn:
            session = turn.start_review(questions)
        return ReviewStart("started", self.step(session))

    def booster_offer(self, learner_id: str) -> int:
        """How many review questions to offer a learner returning after BOOSTER_AFTER or more (0: none). Call it
        before anything records the learner as seen."""
        last_seen = self.store.last_seen(learner_id)
        if last_seen is None or self.store.now() - last_seen < BOOSTER_AFTER:
            return 0
        due = self.store.due_cards(learner_id, now=self._now_text(), limit=REVIEW_QUESTIONS)
        return sum(card.question_id in self._questions for card in due)

    def answer(self, turn: Turn, *, text: str, message_id: str, question_id: str | None = None,
               option: str | None = None, skip: bool = False) -> AnswerResult:
        """Records the answer to the review question waiting (within the turn) and reschedules its card."""
        session = turn.snapshot.review
        assert session is not None
        step = self.step(session)
        if question_id is not None and question_id != step.question.id:
            return AnswerResult("stale", step)
        judged = Judged("ok") if skip else judge(step.module, step.question, text,
                                                 option if question_id is not None else None)
        if judged.status != "ok":
            return AnswerResult(judged.status, step, candidates=judged.candidates)
        card = reviewed_card(turn.snapshot.review_card, learner_id=turn.learner_id, module_id=step.module.id,
                             question_id=step.question.id, correct=judged.correct, at=self.store.now())
        ended = turn.record_review_answer(session, card, option=judged.option, correct=judged.correct,
                                          message_id=message_id)
        feedback = Feedback(step.question, judged.chosen, judged.correct, judged.grade)
        if ended is None:
            after = ReviewSession(session.learner_id, session.questions, session.position + 1, session.started_at)
            return AnswerResult("recorded", self.step(after), feedback)
        summary = ReviewSummary(right=ended.right, total=len(session.questions), next_due=ended.next_due,
                                more_due_now=ended.next_due is not None and ended.next_due <= self._now_text())
        return AnswerResult("recorded", summary, feedback)

    def schedule(self, turn: Turn, module: Module, answers: list[AnswerRecord]) -> None:
        """After a finished attempt (within its last turn): every quiz question missed comes back, and a sample of
        those answered right."""
        reviewed = [answer for answer in answers if answer.part == "quiz" and answer.question_id in self._questions]
        missed = [answer.question_id for answer in reviewed if not answer.correct]
        right = right_answers_to_review(turn.learner_id, [answer.question_id for answer in reviewed if answer.correct])
        previous = self.store.review_cards(turn.learner_id, missed + right)
        now = self.store.now()
        for question_id in missed + right:
            turn.save_card(reviewed_card(previous.get(question_id), learner_id=turn.learner_id, module_id=module.id,
                                         question_id=question_id, correct=question_id in right, at=now))

    def question(self, question_id: str) -> Question | None:
        found = self._questions.get(question_id)
        return found[1] if found else None

    def _now_text(self) -> str:
        return self.store.now().isoformat(timespec="seconds")
