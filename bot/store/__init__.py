"""The progress store: the only code that talks to SQLite (through sqlite-utils and sqlite3).

records: the records it hands out; schema: its migrations; database: the connection, write transactions and typed
errors; turns: a learner's turn (read once, decide, write once); progress_store and cohort_records: the
ProgressStore itself.
"""
from bot.store.database import BUSY_TIMEOUT_SECONDS
from bot.store.progress_store import ProgressStore
from bot.store.records import (STATUS_COMPLETED, STATUS_IN_PROGRESS, AnswerRecord, Clock, CodeTaken, Cohort,
                               CohortToken, LabelTaken, Membership, ModuleProgress, Part, ReviewCard, ReviewEnd,
                               ReviewSession, Snapshot, utc_now)
from bot.store.schema import FIRST_ATTEMPT_ANSWERS_SQL, LEARNER_TABLES, MIGRATIONS
from bot.store.turns import Turn

__all__ = [
    "BUSY_TIMEOUT_SECONDS", "FIRST_ATTEMPT_ANSWERS_SQL", "LEARNER_TABLES", "MIGRATIONS", "STATUS_COMPLETED",
    "STATUS_IN_PROGRESS", "AnswerRecord", "Clock", "CodeTaken", "Cohort", "CohortToken", "LabelTaken", "Membership",
    "ModuleProgress", "Part", "ProgressStore", "ReviewCard", "ReviewEnd", "ReviewSession", "Snapshot", "Turn",
    "utc_now",
]
