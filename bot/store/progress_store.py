"""ProgressStore: learners, their place in each module, their answers, practice moves, checks and spaced-review cards,
and cohorts (CohortRecords). Reads are plain methods; everything a learner's message changes goes through a Turn."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from bot.store.cohort_records import CohortRecords
from bot.store.database import Database
from bot.store.records import AnswerRecord, Clock, ModuleProgress, ReviewCard, Snapshot, utc_now
from bot.store.schema import LEARNER_TABLES
from bot.store.turns import SNAPSHOT_SQL, TURN_SQL, Turn, snapshot_from_row

_ANSWER_COLUMNS = ("learner_id, module_id, attempt, question_id, option, correct, message_id, answered_at, part, "
                   "investigated")
_PROGRESS_COLUMNS = "learner_id, module_id, attempt, position, status, started_at, updated_at, completed_at"
_CARD_COLUMNS = "learner_id, question_id, module_id, due, card"


class ProgressStore(CohortRecords):
    """The source of truth for where a learner is, what they answered and which cohort they belong to, in one SQLite
    file (WAL mode). Learner ids are pseudonymous conversation ids; no message text is ever stored, and facilitator
    tokens only as hashes. No sqlite3 exception leaves it: failures are StoreError or StoreBusy (bot.errors)."""

    def __init__(self, path: str | Path, *, clock: Clock = utc_now) -> None:
        """path (str | Path): the SQLite file, created with its folder if missing; ":memory:" for tests."""
        self._db = Database(path, clock=clock)
        self.db = self._db.tables  # the tables, for white-box tests only (tests/test_imports.py keeps code off it)

    def now(self) -> datetime:
        """The store's clock: what every timestamp it writes comes from (tests inject one)."""
        return self._db.now()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def turn(self, learner_id: str, *, message_id: str | None = None) -> Iterator[Turn]:
        """One learner turn in one write transaction: records the learner as seen (creating them on first contact)
        and reads their Snapshot in one statement, then takes the turn's writes and commits them together."""
        with self._db.writing():
            row = self._db.execute(TURN_SQL, {"learner": learner_id, "now": self._db.now_text(),
                                              "message": message_id}).fetchone()
            yield Turn(self._db, snapshot_from_row(learner_id, message_id, row))

    def snapshot(self, learner_id: str) -> Snapshot:
        """The learner's snapshot without recording them as seen (an unknown learner's is empty)."""
        return snapshot_from_row(learner_id, None,
                                 self._db.execute(SNAPSHOT_SQL, {"learner": learner_id, "message": None}).fetchone())

    # Learners

    def learner_exists(self, learner_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM learners WHERE id = ?", [learner_id]).fetchone() is not None

    def last_seen(self, learner_id: str) -> datetime | None:
        row = self._db.execute("SELECT last_seen_at FROM learners WHERE id = ?", [learner_id]).fetchone()
        if row is None:
            return None
        seen = datetime.fromisoformat(row[0])
        return seen if seen.tzinfo else seen.replace(tzinfo=timezone.utc)  # a hand-edited row may lack the zone

    def current_module(self, learner_id: str) -> str | None:
        row = self._db.execute("SELECT current_module FROM learners WHERE id = ?", [learner_id]).fetchone()
        return row[0] if row else None

    def delete_learner(self, learner_id: str) -> bool:
        """Removes the learner and every row about them. RETURNS (bool): whether anything was stored."""
        with self._db.writing():
            existed = self.learner_exists(learner_id)
            for table in LEARNER_TABLES:
                self._db.execute(f"DELETE FROM {table} WHERE learner_id = ?", [learner_id])
            self._db.execute("DELETE FROM learners WHERE id = ?", [learner_id])
        return existed

    # Module progress, answers and checks

    def module_progress(self, learner_id: str, module_id: str) -> ModuleProgress | None:
        row = self._db.execute(f"SELECT {_PROGRESS_COLUMNS} FROM module_progress WHERE learner_id = ? AND "
                               "module_id = ?", [learner_id, module_id]).fetchone()
        return ModuleProgress(*row) if row else None

    def all_progress(self, learner_id: str) -> dict[str, ModuleProgress]:
        rows = self._db.execute(f"SELECT {_PROGRESS_COLUMNS} FROM module_progress WHERE learner_id = ?",
                                [learner_id]).fetchall()
        return {row[1]: ModuleProgress(*row) for row in rows}

    def answers(self, learner_id: str, module_id: str, attempt: int) -> list[AnswerRecord]:
        rows = self._db.execute(f"SELECT {_ANSWER_COLUMNS} FROM answers WHERE learner_id = ? AND module_id = ? AND "
                                "attempt = ? ORDER BY id", [learner_id, module_id, attempt]).fetchall()
        return [AnswerRecord(*row[:5], bool(row[5]), *row[6:9], None if row[9] is None else bool(row[9]))
                for row in rows]

    def moves(self, progress: ModuleProgress) -> frozenset[tuple[str, str]]:
        """(question id, move) made on practice posts in this attempt."""
        return frozenset(self._db.execute(
            "SELECT question_id, move FROM practice_moves WHERE learner_id = ? AND module_id = ? AND attempt = ?",
            [progress.learner_id, progress.module_id, progress.attempt]).fetchall())

    def check_scores(self, learner_id: str, module_id: str) -> dict[str, tuple[int, int]]:
        """The learner's kept check scores for a module: {"pre": (correct, total), "post": (...)} where taken."""
        rows = self._db.execute("SELECT kind, correct, total FROM check_scores WHERE learner_id = ? AND module_id = ?",
                                [learner_id, module_id]).fetchall()
        return {kind: (correct, total) for kind, correct, total in rows}

    # Spaced review

    def review_cards(self, learner_id: str, question_ids: list[str]) -> dict[str, ReviewCard]:
        """The learner's cards for these questions, by question id (questions never reviewed have none)."""
        marks = ", ".join("?" for _ in question_ids)
        rows = self._db.execute(f"SELECT {_CARD_COLUMNS} FROM review_cards WHERE learner_id = ? AND question_id IN "
                                f"({marks})", [learner_id, *question_ids]).fetchall()
        return {row[1]: ReviewCard(*row) for row in rows}

    def due_cards(self, learner_id: str, *, now: str, limit: int) -> list[ReviewCard]:
        """Cards due at `now` (ISO time), most overdue first."""
        rows = self._db.execute(f"SELECT {_CARD_COLUMNS} FROM review_cards WHERE learner_id = ? AND due <= ? "
                                "ORDER BY due LIMIT ?", [learner_id, now, limit]).fetchall()
        return [ReviewCard(*row) for row in rows]

    def next_due(self, learner_id: str) -> str | None:
        return self._db.execute("SELECT MIN(due) FROM review_cards WHERE learner_id = ?", [learner_id]).fetchone()[0]
