"""Spaced review: which questions come back to a learner, and when, scheduled by FSRS (the `fsrs` package).

Each question a learner should see again has one FSRS card in the store. A wrong, skipped or partly right answer is
rated Again, a right one Good; FSRS turns the rating history into the next due date (a missed question comes back
after about a day, a question answered right again and again ever later).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from fsrs import Card, Rating, Scheduler

from bot.store import ReviewCard

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
