"""The progress store: the only module that talks to SQLite (through sqlite-utils).

It is the source of truth for where a learner is, what they answered and which cohort they belong to. Learner ids
are the pseudonymous conversation ids; no message text is ever stored here, and facilitator tokens only as hashes.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from collections import Counter
from typing import Callable, Iterator, Literal

import sqlite_utils

Clock = Callable[[], datetime]

BUSY_TIMEOUT_SECONDS = 5.0

STATUS_IN_PROGRESS = "in_progress"
STATUS_COMPLETED = "completed"

Part = Literal["quiz", "pre", "post"]


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


class LabelTaken(Exception):
    """The pseudonymous label is already used in this cohort; pick another."""


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


def _add_cohorts_attempts_checks_v2(db: sqlite_utils.Database) -> None:
    db["cohorts"].create(
        {"id": int, "name": str, "join_code": str, "token_selector": str, "token_hash": str, "created_at": str,
         "closed_at": str},
        pk="id",
        not_null={"name", "join_code", "token_selector", "token_hash", "created_at"},
    )
    db["cohorts"].create_index(["join_code"], unique=True)
    db["cohorts"].create_index(["token_selector"], unique=True)
    # The primary key on learner_id is what keeps a learner in at most one cohort.
    db["cohort_members"].create(
        {"learner_id": str, "cohort_id": int, "label": str, "joined_at": str},
        pk="learner_id",
        not_null={"cohort_id", "label", "joined_at"},
        foreign_keys=[("learner_id", "learners", "id"), ("cohort_id", "cohorts", "id")],
    )
    db["cohort_members"].create_index(["cohort_id", "label"], unique=True)
    # module_progress keeps only the latest attempt; reports need when each attempt started and finished, and its
    # running totals (kept by record_answer in the same transaction as the answer) so that a 10,000-learner report
    # need not add up 300,000 answers per learner first.
    db["attempts"].create(
        {"learner_id": str, "module_id": str, "attempt": int, "started_at": str, "completed_at": str,
         "reached": int, "answered": int, "correct": int},
        pk=("learner_id", "module_id", "attempt"),
        not_null={"started_at", "reached", "answered", "correct"},
        defaults={"reached": 0, "answered": 0, "correct": 0},
        foreign_keys=[("learner_id", "learners", "id")],
    )
    db.execute(
        "INSERT INTO attempts (learner_id, module_id, attempt, started_at, completed_at) "
        "SELECT learner_id, module_id, attempt, started_at, completed_at FROM module_progress"
    )
    db.execute(
        # Earlier attempts, known only from their answers; they were completed, or no later attempt could begin.
        "INSERT OR IGNORE INTO attempts (learner_id, module_id, attempt, started_at, completed_at) "
        "SELECT learner_id, module_id, attempt, MIN(answered_at), MAX(answered_at) FROM answers "
        "GROUP BY learner_id, module_id, attempt"
    )
    db.execute(
        "UPDATE attempts SET (reached, answered, correct) = (SELECT COUNT(*), COUNT(option), SUM(correct) "
        "FROM answers a WHERE a.learner_id = attempts.learner_id AND a.module_id = attempts.module_id "
        "AND a.attempt = attempts.attempt) WHERE EXISTS (SELECT 1 FROM answers a WHERE a.learner_id = "
        "attempts.learner_id AND a.module_id = attempts.module_id AND a.attempt = attempts.attempt)"
    )
    # Reports read members' first-attempt answers by (learner, attempt, module): this covering index serves that
    # walk without touching the table (a 10,000-learner report reads 300,000 answers).
    db["answers"].create_index(["learner_id", "attempt", "module_id", "question_id", "option", "correct"],
                               index_name="idx_answers_report")
    # Pre- and post-module check scores, the inputs of a cohort's learning gain.
    db["check_scores"].create(
        {"learner_id": str, "module_id": str, "kind": str, "correct": int, "total": int, "taken_at": str},
        pk=("learner_id", "module_id", "kind"),
        not_null={"correct", "total", "taken_at"},
        foreign_keys=[("learner_id", "learners", "id")],
    )


def _add_check_answers_and_reviews_v3(db: sqlite_utils.Database) -> None:
    # Which part of a module an answer belongs to: the quiz, or the pre- or post-check around it.
    db["answers"].add_column("part", str, not_null_default="quiz")
    # One spaced-repetition card per learner and question: the fsrs Card, as its own JSON, and when it is due.
    db["review_cards"].create(
        {"learner_id": str, "question_id": str, "module_id": str, "due": str, "card": str, "updated_at": str},
        pk=("learner_id", "question_id"),
        not_null={"module_id", "due", "card", "updated_at"},
        foreign_keys=[("learner_id", "learners", "id")],
    )
    db["review_cards"].create_index(["learner_id", "due"])
    # A review under way: the questions to ask, in order, and how far the learner is.
    db["review_sessions"].create(
        {"learner_id": str, "questions": str, "position": int, "started_at": str},
        pk="learner_id",
        not_null={"questions", "position", "started_at"},
        foreign_keys=[("learner_id", "learners", "id")],
    )
    db["review_answers"].create(
        {"id": int, "learner_id": str, "question_id": str, "option": str, "correct": int, "message_id": str,
         "answered_at": str},
        pk="id",
        not_null={"learner_id", "question_id", "correct", "message_id", "answered_at"},
        foreign_keys=[("learner_id", "learners", "id")],
    )
    db["review_answers"].create_index(["learner_id", "message_id"], unique=True)


def _add_practice_moves_v4(db: sqlite_utils.Database) -> None:
    # Practice posts: each move a learner made on a post (once per move, and once per message), and whether the
    # decision came after a key move (NULL on answers to other items).
    db["practice_moves"].create(
        {"learner_id": str, "module_id": str, "attempt": int, "question_id": str, "move": str, "message_id": str,
         "made_at": str},
        pk=("learner_id", "module_id", "attempt", "question_id", "move"),
        not_null={"message_id", "made_at"},
        foreign_keys=[("learner_id", "learners", "id")],
    )
    db["practice_moves"].create_index(["learner_id", "message_id"], unique=True)
    db["answers"].add_column("investigated", int)


# Each entry upgrades the schema by one version; PRAGMA user_version records how many have run.
MIGRATIONS: tuple[Callable[[sqlite_utils.Database], None], ...] = (
    _create_schema_v1,
    _add_cohorts_attempts_checks_v2,
    _add_check_answers_and_reviews_v3,
    _add_practice_moves_v4,
)

# CROSS JOIN fixes the join order SQLite would otherwise reverse: members (index on cohort_id), then their first
# attempts (primary key), then each attempt's answers from the covering index idx_answers_report. That is one
# attempts lookup per learner and module instead of one per answer, and no sort.
FIRST_ATTEMPT_ANSWERS_SQL = (
    "SELECT a.module_id, a.question_id, a.option, a.correct, t.reached, t.correct "
    "FROM cohort_members m CROSS JOIN attempts t CROSS JOIN answers a "
    "WHERE m.cohort_id = ? AND t.learner_id = m.learner_id AND t.attempt = 1 "
    "AND a.learner_id = t.learner_id AND a.attempt = 1 AND a.module_id = t.module_id"
)

# Tables with a learner_id column, children before parents, so deleting a learner respects foreign keys.
LEARNER_TABLES = ("answers", "practice_moves", "check_scores", "attempts", "cohort_members", "module_progress",
                  "review_answers",
                  "review_cards", "review_sessions")


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

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction. BEGIN IMMEDIATE takes SQLite's write lock first, waiting up to the busy timeout
        while another process writes. sqlite-utils' atomic() begins deferred, and in WAL mode a transaction that has
        read before its first write then fails at once with "database is locked" instead of waiting."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.conn.rollback()
            raise
        self.db.conn.commit()

    def _migrate(self) -> None:
        """Runs the pending migrations in one write transaction. The version is read under the write lock, so
        processes starting together on a new file (action server, web server, CLI) migrate one after the other."""
        with self._writing():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
                migration(self.db)
                self.db.execute(f"PRAGMA user_version = {number}")

    def now(self) -> datetime:
        """The store's clock: what every timestamp it writes comes from (tests inject one)."""
        return self._clock()

    def _now(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    def last_seen(self, learner_id: str) -> datetime | None:
        row = self.db.execute("SELECT last_seen_at FROM learners WHERE id = ?", [learner_id]).fetchone()
        if row is None:
            return None
        seen = datetime.fromisoformat(row[0])
        return seen if seen.tzinfo else seen.replace(tzinfo=timezone.utc)  # a hand-edited row may lack the zone

    def check_scores(self, learner_id: str, module_id: str) -> dict[str, tuple[int, int]]:
        """The learner's kept check scores for a module: {"pre": (correct, total), "post": (...)} where taken."""
        rows = self.db.execute("SELECT kind, correct, total FROM check_scores WHERE learner_id = ? AND module_id = ?",
                               [learner_id, module_id]).fetchall()
        return {kind: (correct, total) for kind, correct, total in rows}

    def close(self) -> None:
        self.db.conn.close()

    # Learners

    def touch_learner(self, learner_id: str) -> None:
        """Creates the learner on first contact and records when they were last seen."""
        now = self._now()
        with self._writing():
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
        with self._writing():
            self.db.execute("UPDATE learners SET current_module = ?, last_seen_at = ? WHERE id = ?",
                            [module_id, self._now(), learner_id])

    def delete_learner(self, learner_id: str) -> bool:
        """Removes the learner and every row about them. RETURNS (bool): whether anything was stored."""
        with self._writing():
            existed = self.learner_exists(learner_id)
            for table in LEARNER_TABLES:
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
        with self._writing():
            self.db["module_progress"].upsert(
                {
                    "learner_id": learner_id, "module_id": module_id, "attempt": attempt, "position": 0,
                    "status": STATUS_IN_PROGRESS, "started_at": now, "updated_at": now, "completed_at": None,
                },
                pk=("learner_id", "module_id"),
            )
            self.db["attempts"].insert(
                {"learner_id": learner_id, "module_id": module_id, "attempt": attempt, "started_at": now,
                 "completed_at": None},
                replace=True,
            )
            self.db.execute("UPDATE learners SET current_module = ?, last_seen_at = ? WHERE id = ?",
                            [module_id, now, learner_id])
        progress = self.module_progress(learner_id, module_id)
        assert progress is not None
        return progress

    def move_to(self, progress: ModuleProgress, position: int, *, completed: bool = False) -> None:
        """Moves the learner within a module, if they are still where `progress` says (no double moves)."""
        with self._writing():
            self._move(progress, position, completed=completed)

    def _move(self, progress: ModuleProgress, position: int, *, completed: bool) -> bool:
        now = self._now()
        cursor = self.db.execute(
            "UPDATE module_progress SET position = ?, status = ?, updated_at = ?, completed_at = ? "
            "WHERE learner_id = ? AND module_id = ? AND attempt = ? AND position = ?",
            [position, STATUS_COMPLETED if completed else STATUS_IN_PROGRESS, now, now if completed else None,
             progress.learner_id, progress.module_id, progress.attempt, progress.position],
        )
        if cursor.rowcount == 1 and completed:
            self.db.execute(
                "UPDATE attempts SET completed_at = ? WHERE learner_id = ? AND module_id = ? AND attempt = ?",
                [now, progress.learner_id, progress.module_id, progress.attempt],
            )
        return cursor.rowcount == 1

    # Answers

    def record_answer(self, progress: ModuleProgress, *, question_id: str, option: str | None, correct: bool,
                      message_id: str, completes_module: bool, part: Part = "quiz",
                      completes_check: bool = False, investigated: bool | None = None) -> bool:
        """Records an answer and moves past the question, atomically.

        option: the option letter; for a free_text question the grade ("right", "partial", "wrong"); None: skipped.
        investigated: for a practice post's decision, whether a key move came first.
        part: "quiz", or "pre"/"post" for a check item; completes_check: this is the check's last item, so its score
        is kept in check_scores in the same transaction (the first pre- and post-check of a module count).
        RETURNS (bool): False when nothing was written because this message was already recorded or the learner
        is no longer at this question (a redelivered message or a double click).
        """
        try:
            with self._writing():
                now = self._now()
                cursor = self.db.execute(
                    "INSERT OR IGNORE INTO answers (learner_id, module_id, attempt, question_id, option, correct, "
                    "message_id, answered_at, part, investigated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [progress.learner_id, progress.module_id, progress.attempt, question_id, option, int(correct),
                     message_id, now, part, None if investigated is None else int(investigated)],
                )
                if cursor.rowcount != 1 or not self._move(progress, progress.position + 1,
                                                          completed=completes_module):
                    raise _NothingWritten  # rolls the insert back
                if part == "quiz":
                    self.db.execute(
                        "UPDATE attempts SET reached = reached + 1, answered = answered + ?, correct = correct + ? "
                        "WHERE learner_id = ? AND module_id = ? AND attempt = ?",
                        [int(option is not None), int(correct), progress.learner_id, progress.module_id,
                         progress.attempt])
                elif completes_check:
                    self.db.execute(
                        "INSERT OR IGNORE INTO check_scores (learner_id, module_id, kind, correct, total, taken_at) "
                        "SELECT learner_id, module_id, part, SUM(correct), COUNT(*), ? FROM answers "
                        "WHERE learner_id = ? AND module_id = ? AND attempt = ? AND part = ? "
                        "GROUP BY learner_id, module_id, part",
                        [now, progress.learner_id, progress.module_id, progress.attempt, part])
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

    # Practice posts

    def record_move(self, progress: ModuleProgress, *, question_id: str, move: str, message_id: str) -> bool:
        """Records a move on the practice post the learner is at. RETURNS False when this message or this move
        was already recorded (a redelivered message, or the same move again)."""
        with self._writing():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO practice_moves (learner_id, module_id, attempt, question_id, move, message_id, "
                "made_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [progress.learner_id, progress.module_id, progress.attempt, question_id, move, message_id,
                 self._now()])
        return cursor.rowcount == 1

    def moves_made(self, progress: ModuleProgress, question_id: str) -> set[str]:
        """The moves made on a practice post in this attempt."""
        return {row[0] for row in self.db.execute(
            "SELECT move FROM practice_moves WHERE learner_id = ? AND module_id = ? AND attempt = ? AND "
            "question_id = ?", [progress.learner_id, progress.module_id, progress.attempt, question_id])}

    # Pre- and post-module checks

    def record_check(self, learner_id: str, module_id: str, kind: str, *, correct: int, total: int) -> bool:
        """Stores a learner's first pre- or post-check score for a module. RETURNS False if one was already kept."""
        if kind not in ("pre", "post"):
            raise ValueError(f"A check is 'pre' or 'post', not {kind!r}.")
        with self._writing():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO check_scores (learner_id, module_id, kind, correct, total, taken_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", [learner_id, module_id, kind, correct, total, self._now()])
        return cursor.rowcount == 1

    # Spaced review

    def save_card(self, card: ReviewCard) -> None:
        with self._writing():
            self._save_card(card)

    def _save_card(self, card: ReviewCard) -> None:
        self.db.execute(
            "INSERT INTO review_cards (learner_id, question_id, module_id, due, card, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(learner_id, question_id) DO UPDATE SET module_id = "
            "excluded.module_id, due = excluded.due, card = excluded.card, updated_at = excluded.updated_at",
            [card.learner_id, card.question_id, card.module_id, card.due, card.card, self._now()])

    def review_card(self, learner_id: str, question_id: str) -> ReviewCard | None:
        rows = list(self.db["review_cards"].rows_where("learner_id = ? AND question_id = ?",
                                                       [learner_id, question_id]))
        return _review_card(rows[0]) if rows else None

    def due_cards(self, learner_id: str, *, now: str, limit: int) -> list[ReviewCard]:
        """Cards due at `now` (ISO time), most overdue first."""
        rows = self.db["review_cards"].rows_where("learner_id = ? AND due <= ?", [learner_id, now], order_by="due",
                                                  limit=limit)
        return [_review_card(row) for row in rows]

    def next_due(self, learner_id: str) -> str | None:
        row = self.db.execute("SELECT MIN(due) FROM review_cards WHERE learner_id = ?", [learner_id]).fetchone()
        return row[0]

    def start_review(self, learner_id: str, questions: list[str]) -> ReviewSession:
        """Starts (or restarts) the learner's review with these questions; leaves any module they were in."""
        with self._writing():
            self.db.execute(
                "INSERT OR REPLACE INTO review_sessions (learner_id, questions, position, started_at) "
                "VALUES (?, ?, 0, ?)", [learner_id, json.dumps(questions), self._now()])
            self.db.execute("UPDATE learners SET current_module = NULL WHERE id = ?", [learner_id])
        session = self.review_session(learner_id)
        assert session is not None
        return session

    def review_session(self, learner_id: str) -> ReviewSession | None:
        rows = list(self.db["review_sessions"].rows_where("learner_id = ?", [learner_id]))
        if not rows:
            return None
        row = rows[0]
        return ReviewSession(learner_id=learner_id, questions=tuple(json.loads(row["questions"])),
                             position=row["position"], started_at=row["started_at"])

    def end_review(self, learner_id: str) -> None:
        with self._writing():
            self.db.execute("DELETE FROM review_sessions WHERE learner_id = ?", [learner_id])

    def record_review_answer(self, session: ReviewSession, *, option: str | None, correct: bool, message_id: str,
                             card: ReviewCard) -> bool:
        """Records the answer to the session's current question, reschedules its card and moves on (ending the
        session after the last question), atomically. RETURNS False for a redelivered message or a double click."""
        question_id = session.questions[session.position]
        try:
            with self._writing():
                inserted = self.db.execute(
                    "INSERT OR IGNORE INTO review_answers (learner_id, question_id, option, correct, message_id, "
                    "answered_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [session.learner_id, question_id, option, int(correct), message_id, self._now()])
                moved = self.db.execute(
                    "UPDATE review_sessions SET position = position + 1 WHERE learner_id = ? AND position = ? "
                    "AND started_at = ?", [session.learner_id, session.position, session.started_at])
                if inserted.rowcount != 1 or moved.rowcount != 1:
                    raise _NothingWritten
                self._save_card(card)
                if session.position + 1 == len(session.questions):
                    self.db.execute("DELETE FROM review_sessions WHERE learner_id = ?", [session.learner_id])
        except _NothingWritten:
            return False
        return True

    def review_answer_for_message(self, learner_id: str, message_id: str) -> dict | None:
        rows = list(self.db["review_answers"].rows_where("learner_id = ? AND message_id = ?",
                                                         [learner_id, message_id]))
        return rows[0] if rows else None

    def review_answers_since(self, learner_id: str, since: str) -> list[dict]:
        return list(self.db["review_answers"].rows_where("learner_id = ? AND answered_at >= ?", [learner_id, since],
                                                         order_by="id"))

    # Cohorts

    def create_cohort(self, name: str, join_code: str, token: CohortToken) -> Cohort:
        """Raises sqlite3.IntegrityError when the join code or token selector is already taken."""
        with self._writing():
            cursor = self.db.execute(
                "INSERT INTO cohorts (name, join_code, token_selector, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                [name, join_code, token.selector, token.verifier_hash, self._now()])
        cohort = self._cohort_where("id = ?", [cursor.lastrowid])
        assert cohort is not None
        return cohort

    def cohort_by_code(self, join_code: str) -> Cohort | None:
        return self._cohort_where("join_code = ?", [join_code])

    def cohort_token(self, selector: str) -> tuple[Cohort, CohortToken] | None:
        rows = list(self.db["cohorts"].rows_where("token_selector = ?", [selector]))
        if not rows:
            return None
        row = rows[0]
        return _cohort(row), CohortToken(row["token_selector"], row["token_hash"])

    def cohorts(self) -> list[tuple[Cohort, int]]:
        """Every cohort, oldest first, with its number of members."""
        rows = self.db.execute(
            "SELECT c.id, c.name, c.join_code, c.created_at, c.closed_at, COUNT(m.learner_id) AS members "
            "FROM cohorts c LEFT JOIN cohort_members m ON m.cohort_id = c.id GROUP BY c.id ORDER BY c.id"
        ).fetchall()
        return [(Cohort(*row[:5]), row[5]) for row in rows]

    def set_cohort_token(self, cohort: Cohort, token: CohortToken) -> None:
        with self._writing():
            self.db.execute("UPDATE cohorts SET token_selector = ?, token_hash = ? WHERE id = ?",
                            [token.selector, token.verifier_hash, cohort.id])

    def close_cohort(self, cohort: Cohort) -> Cohort:
        with self._writing():
            self.db.execute("UPDATE cohorts SET closed_at = COALESCE(closed_at, ?) WHERE id = ?",
                            [self._now(), cohort.id])
        closed = self._cohort_where("id = ?", [cohort.id])
        assert closed is not None
        return closed

    def membership(self, learner_id: str) -> Membership | None:
        row = self.db.execute(
            "SELECT m.learner_id, m.label, m.joined_at, c.id, c.name, c.join_code, c.created_at, c.closed_at "
            "FROM cohort_members m JOIN cohorts c ON c.id = m.cohort_id WHERE m.learner_id = ?", [learner_id]
        ).fetchone()
        if row is None:
            return None
        return Membership(learner_id=row[0], label=row[1], joined_at=row[2], cohort=Cohort(*row[3:]))

    def add_member(self, learner_id: str, cohort: Cohort, label: str) -> Membership:
        """Puts the learner in `cohort` (leaving any other). Raises LabelTaken if the label is used there."""
        try:
            with self._writing():
                self.db.execute(
                    "INSERT INTO cohort_members (learner_id, cohort_id, label, joined_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(learner_id) DO UPDATE SET cohort_id = excluded.cohort_id, label = excluded.label, "
                    "joined_at = excluded.joined_at", [learner_id, cohort.id, label, self._now()])
        except sqlite3.IntegrityError as error:
            if "cohort_members.cohort_id, cohort_members.label" in str(error):
                raise LabelTaken(label) from error
            raise
        membership = self.membership(learner_id)
        assert membership is not None
        return membership

    # What reports read: one query per table, each joined through the cohort's members (index on cohort_id)

    def cohort_members(self, cohort: Cohort) -> list[dict]:
        """learner_id, label, joined_at, last_seen_at of each member."""
        return self._rows(
            "SELECT m.learner_id, m.label, m.joined_at, l.last_seen_at FROM cohort_members m "
            "JOIN learners l ON l.id = m.learner_id WHERE m.cohort_id = ? ORDER BY m.label", [cohort.id])

    def cohort_progress(self, cohort: Cohort) -> list[dict]:
        """Each member's latest attempt per module (module_progress columns), with their first attempt's totals
        (first_reached, first_answered, first_correct) and minutes from start to completion
        (first_minutes_to_complete; None while it is not completed)."""
        return self._rows(
            "SELECT p.learner_id, p.module_id, p.attempt, p.position, p.status, p.updated_at, "
            "COALESCE(f.reached, 0) AS first_reached, COALESCE(f.answered, 0) AS first_answered, "
            "COALESCE(f.correct, 0) AS first_correct, "
            "(julianday(f.completed_at) - julianday(f.started_at)) * 1440 AS first_minutes_to_complete "
            "FROM cohort_members m JOIN module_progress p ON p.learner_id = m.learner_id "
            "LEFT JOIN attempts f ON f.learner_id = p.learner_id AND f.module_id = p.module_id AND f.attempt = 1 "
            "WHERE m.cohort_id = ?", [cohort.id])

    def cohort_first_attempt_answer_counts(self, cohort: Cohort) -> Counter[tuple[str, str, str | None, int, int, int]]:
        """How many members' first attempts hold each (module_id, question_id, option, correct, questions reached
        in the attempt, right in the attempt): everything item analysis needs, with no per-learner rows."""
        return Counter(self.db.execute(FIRST_ATTEMPT_ANSWERS_SQL, [cohort.id]))

    def cohort_first_attempt_choices(self, cohort: Cohort, question_ids: list[str]
                                     ) -> list[tuple[str, str, str | None]]:
        """(learner_id, question_id, option) of members' first-attempt answers to these questions."""
        if not question_ids:
            return []
        marks = ", ".join("?" for _ in question_ids)
        return self.db.execute(
            "SELECT a.learner_id, a.question_id, a.option FROM cohort_members m JOIN answers a "
            f"ON a.learner_id = m.learner_id AND a.attempt = 1 WHERE m.cohort_id = ? AND a.question_id IN ({marks})",
            [cohort.id, *question_ids]).fetchall()

    def cohort_first_attempt_practice(self, cohort: Cohort, question_ids: list[str]
                                      ) -> list[tuple[str, str, str | None, int | None]]:
        """(learner_id, question_id, option, investigated) of members' first-attempt decisions on practice posts."""
        if not question_ids:
            return []
        marks = ", ".join("?" for _ in question_ids)
        return self.db.execute(
            "SELECT a.learner_id, a.question_id, a.option, a.investigated FROM cohort_members m JOIN answers a "
            f"ON a.learner_id = m.learner_id AND a.attempt = 1 WHERE m.cohort_id = ? AND a.question_id IN ({marks})",
            [cohort.id, *question_ids]).fetchall()

    def cohort_check_scores(self, cohort: Cohort) -> list[dict]:
        return self._rows(
            "SELECT s.* FROM cohort_members m JOIN check_scores s ON s.learner_id = m.learner_id "
            "WHERE m.cohort_id = ?", [cohort.id])

    def _rows(self, sql: str, params: list) -> list[dict]:
        cursor = self.db.execute(sql, params)
        columns = [description[0] for description in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]

    def _cohort_where(self, where: str, params: list) -> Cohort | None:
        rows = list(self.db["cohorts"].rows_where(where, params))
        return _cohort(rows[0]) if rows else None


def _review_card(row: dict) -> ReviewCard:
    return ReviewCard(learner_id=row["learner_id"], question_id=row["question_id"], module_id=row["module_id"],
                      due=row["due"], card=row["card"])


def _cohort(row: dict) -> Cohort:
    return Cohort(id=row["id"], name=row["name"], join_code=row["join_code"], created_at=row["created_at"],
                  closed_at=row["closed_at"])


def _answer(row: dict) -> AnswerRecord:
    return AnswerRecord(
        learner_id=row["learner_id"], module_id=row["module_id"], attempt=row["attempt"],
        question_id=row["question_id"], option=row["option"], correct=bool(row["correct"]),
        message_id=row["message_id"], answered_at=row["answered_at"], part=row["part"],
        investigated=None if row["investigated"] is None else bool(row["investigated"]),
    )
