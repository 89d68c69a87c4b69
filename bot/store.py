"""The progress store: the only module that talks to SQLite (through sqlite-utils).

It is the source of truth for where a learner is and what they answered. Learner ids are the pseudonymous
conversation ids; no message text is ever stored here.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import sqlite_utils

Clock = Callable[[], datetime]

BUSY_TIMEOUT_SECONDS = 5.0

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
    option: str | None  # None when the learner skipped the question
    correct: bool
    message_id: str
    answered_at: str


class _NothingWritten(Exception):
    """Raised inside a transaction to roll it back."""


def _create_schema_v1(db: sqlite_utils.Database) -> None:
    db["learners"].create(
        {"id": str, "created_at": str, "last_seen_at": str, "current_module": str},
        pk="id",
        not_null={"created_at", "last_seen_at"},
        if_not_exists=True,
    )
    db["module_progress"].create(
        {
            "learner_id": str, "module_id": str, "attempt": int, "position": int, "status": str,
            "started_at": str, "updated_at": str, "completed_at": str,
        },
        pk=("learner_id", "module_id"),
        not_null={"attempt", "position", "status", "started_at", "updated_at"},
        foreign_keys=[("learner_id", "learners", "id")],
        if_not_exists=True,
    )
    db["answers"].create(
        {
            "id": int, "learner_id": str, "module_id": str, "attempt": int, "question_id": str, "option": str,
            "correct": int, "message_id": str, "answered_at": str,
        },
        pk="id",
        not_null={"learner_id", "module_id", "attempt", "question_id", "correct", "message_id", "answered_at"},
        foreign_keys=[("learner_id", "learners", "id")],
        if_not_exists=True,
    )
    # A redelivered message must not record a second answer; one answer per question per attempt.
    db["answers"].create_index(["learner_id", "message_id"], unique=True, if_not_exists=True)
    db["answers"].create_index(["learner_id", "module_id", "attempt", "question_id"], unique=True,
                               if_not_exists=True)


# Each entry upgrades the schema by one version; PRAGMA user_version records how many have run.
MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (_create_schema_v1,)


class ProgressStore:
    """Learners, their per-module position and their answers, in one SQLite file (WAL mode)."""

    def __init__(self, path: str | Path, *, clock: Clock = utc_now) -> None:
        """path (str | Path): the SQLite file, created with its folder if missing; ":memory:" for tests."""
        self._clock = clock
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # The action server may call from worker threads; every write happens inside one transaction.
        connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
        self.db = sqlite_utils.Database(connection)
        if str(path) != ":memory:":
            self.db.enable_wal()
        self.db.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.db.atomic():
                migration(self.db)
                self.db.execute(f"PRAGMA user_version = {number}")

    def _now(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    def close(self) -> None:
        self.db.conn.close()

    # Learners

    def touch_learner(self, learner_id: str) -> None:
        """Creates the learner on first contact and records when they were last seen."""
        now = self._now()
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO learners (id, created_at, last_seen_at) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET last_seen_at = excluded.last_seen_at",
                [learner_id, now, now],
            )

    def learner_exists(self, learner_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM learners WHERE id = ?", [learner_id]).fetchone() is not None

    def current_module(self, learner_id: str) -> str | None:
        row = self.db.execute("SELECT current_module FROM learners WHERE id = ?", [learner_id]).fetchone()
        return row[0] if row else None

    def set_current_module(self, learner_id: str, module_id: str | None) -> None:
        with self.db.atomic():
            self.db.execute("UPDATE learners SET current_module = ?, last_seen_at = ? WHERE id = ?",
                            [module_id, self._now(), learner_id])

    def delete_learner(self, learner_id: str) -> bool:
        """Removes the learner and every row about them. RETURNS (bool): whether anything was stored."""
        with self.db.atomic():
            existed = self.learner_exists(learner_id)
            for table in ("answers", "module_progress"):
                self.db.execute(f"DELETE FROM {table} WHERE learner_id = ?", [learner_id])
            self.db.execute("DELETE FROM learners WHERE id = ?", [learner_id])
        return existed

    # Module progress

    def module_progress(self, learner_id: str, module_id: str) -> ModuleProgress | None:
        rows = list(self.db["module_progress"].rows_where(
            "learner_id = ? AND module_id = ?", [learner_id, module_id]))
        return ModuleProgress(**rows[0]) if rows else None

    def all_progress(self, learner_id: str) -> dict[str, ModuleProgress]:
        return {
            row["module_id"]: ModuleProgress(**row)
            for row in self.db["module_progress"].rows_where("learner_id = ?", [learner_id])
        }

    def begin_attempt(self, learner_id: str, module_id: str) -> ModuleProgress:
        """Starts attempt 1, or the next attempt after a completed one, at position 0; makes it current."""
        now = self._now()
        previous = self.module_progress(learner_id, module_id)
        attempt = previous.attempt + 1 if previous else 1
        with self.db.atomic():
            self.db["module_progress"].upsert(
                {
                    "learner_id": learner_id, "module_id": module_id, "attempt": attempt, "position": 0,
                    "status": STATUS_IN_PROGRESS, "started_at": now, "updated_at": now, "completed_at": None,
                },
                pk=("learner_id", "module_id"),
            )
            self.db.execute("UPDATE learners SET current_module = ?, last_seen_at = ? WHERE id = ?",
                            [module_id, now, learner_id])
        progress = self.module_progress(learner_id, module_id)
        assert progress is not None
        return progress

    def move_to(self, progress: ModuleProgress, position: int, *, completed: bool = False) -> None:
        """Moves the learner within a module, if they are still where `progress` says (no double moves)."""
        with self.db.atomic():
            self._move(progress, position, completed=completed)

    def _move(self, progress: ModuleProgress, position: int, *, completed: bool) -> bool:
        now = self._now()
        cursor = self.db.execute(
            "UPDATE module_progress SET position = ?, status = ?, updated_at = ?, completed_at = ? "
            "WHERE learner_id = ? AND module_id = ? AND attempt = ? AND position = ?",
            [position, STATUS_COMPLETED if completed else STATUS_IN_PROGRESS, now, now if completed else None,
             progress.learner_id, progress.module_id, progress.attempt, progress.position],
        )
        return cursor.rowcount == 1

    # Answers

    def record_answer(self, progress: ModuleProgress, *, question_id: str, option: str | None, correct: bool,
                      message_id: str, completes_module: bool) -> bool:
        """Records an answer and moves past the question, atomically.

        RETURNS (bool): False when nothing was written because this message was already recorded or the learner
        is no longer at this question (a redelivered message or a double click).
        """
        try:
            with self.db.atomic():
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO answers (learner_id, module_id, attempt, question_id, option, correct, "
                    "message_id, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [progress.learner_id, progress.module_id, progress.attempt, question_id, option, int(correct),
                     message_id, self._now()],
                )
                if cursor.rowcount != 1 or not self._move(progress, progress.position + 1,
                                                          completed=completes_module):
                    raise _NothingWritten  # rolls the insert back
        except _NothingWritten:
            return False
        return True

    def answer_for_message(self, learner_id: str, message_id: str) -> AnswerRecord | None:
        rows = list(self.db["answers"].rows_where("learner_id = ? AND message_id = ?", [learner_id, message_id]))
        return _answer(rows[0]) if rows else None

    def answers(self, learner_id: str, module_id: str, attempt: int) -> list[AnswerRecord]:
        rows = self.db["answers"].rows_where(
            "learner_id = ? AND module_id = ? AND attempt = ?", [learner_id, module_id, attempt], order_by="id")
        return [_answer(row) for row in rows]


def _answer(row: dict) -> AnswerRecord:
    return AnswerRecord(
        learner_id=row["learner_id"], module_id=row["module_id"], attempt=row["attempt"],
        question_id=row["question_id"], option=row["option"], correct=bool(row["correct"]),
        message_id=row["message_id"], answered_at=row["answered_at"],
    )
