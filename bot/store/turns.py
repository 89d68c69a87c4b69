"""A learner's turn: read once, decide, write once, in one transaction.

`ProgressStore.turn()` begins a write transaction whose first statement records the learner as seen and returns
their Snapshot (current module and position, a review under way and its card, what this message id already
recorded, the practice moves of the attempt). The tutor decides in plain code, then writes through the Turn; the
transaction commits when the turn ends, or rolls back if anything fails. Recording a quiz answer costs six SQL
statements: BEGIN, the snapshot, the answer, the position, the attempt's totals, COMMIT.
"""
from __future__ import annotations

import json
from typing import Any

from bot.errors import StoreError
from bot.store.database import Database
from bot.store.records import (STATUS_COMPLETED, STATUS_IN_PROGRESS, AnswerRecord, ModuleProgress, Part, ReviewCard,
                               ReviewEnd, ReviewSession, Snapshot)

_SNAPSHOT_COLUMNS = """current_module,
 (SELECT json_object('attempt', p.attempt, 'position', p.position, 'status', p.status, 'started_at', p.started_at,
  'updated_at', p.updated_at, 'completed_at', p.completed_at) FROM module_progress p
  WHERE p.learner_id = learners.id AND p.module_id = learners.current_module),
 (SELECT json_object('questions', s.questions, 'position', s.position, 'started_at', s.started_at)
  FROM review_sessions s WHERE s.learner_id = learners.id),
 (SELECT json_object('question_id', c.question_id, 'module_id', c.module_id, 'due', c.due, 'card', c.card)
  FROM review_sessions s JOIN review_cards c ON c.learner_id = s.learner_id
  AND c.question_id = json_extract(s.questions, '$[' || s.position || ']') WHERE s.learner_id = learners.id),
 (SELECT json_object('module_id', a.module_id, 'attempt', a.attempt, 'question_id', a.question_id,
  'option', a.option, 'correct', a.correct, 'answered_at', a.answered_at, 'part', a.part,
  'investigated', a.investigated) FROM answers a WHERE a.learner_id = learners.id AND a.message_id = :message),
 EXISTS (SELECT 1 FROM review_answers r WHERE r.learner_id = learners.id AND r.message_id = :message)
  OR EXISTS (SELECT 1 FROM practice_moves m WHERE m.learner_id = learners.id AND m.message_id = :message),
 (SELECT json_group_array(json_array(m.question_id, m.move)) FROM practice_moves m JOIN module_progress p
  ON p.learner_id = m.learner_id AND p.module_id = m.module_id AND p.attempt = m.attempt
  WHERE m.learner_id = learners.id AND m.module_id = learners.current_module)"""
# The learner recorded as seen (created on first contact).
SEEN_SQL = ("INSERT INTO learners (id, created_at, last_seen_at) VALUES (:learner, :now, :now) "
            "ON CONFLICT(id) DO UPDATE SET last_seen_at = excluded.last_seen_at")
# ... and their snapshot, in one statement.
TURN_SQL = f"{SEEN_SQL} RETURNING {_SNAPSHOT_COLUMNS}"
SNAPSHOT_SQL = f"SELECT {_SNAPSHOT_COLUMNS} FROM learners WHERE id = :learner"


def snapshot_from_row(learner_id: str, message_id: str | None, row: tuple[Any, ...] | None) -> Snapshot:
    current, progress, review, card, answer, recorded_elsewhere, moves = row or (None,) * 7
    session = json.loads(review) if review else None
    answered = json.loads(answer) if answer else None
    return Snapshot(
        learner_id=learner_id, current_module=current,
        progress=ModuleProgress(learner_id=learner_id, module_id=current, **json.loads(progress)) if progress else None,
        review=ReviewSession(learner_id=learner_id, questions=tuple(json.loads(session["questions"])),
                             position=session["position"], started_at=session["started_at"]) if session else None,
        review_card=ReviewCard(learner_id=learner_id, **json.loads(card)) if card else None,
        recorded_answer=AnswerRecord(
            learner_id=learner_id, message_id=message_id or "", **{**answered, "correct": bool(answered["correct"]),
                                                                    "investigated": _flag(answered["investigated"])}
        ) if answered else None,
        recorded_elsewhere=bool(recorded_elsewhere),
        moves=frozenset((question, move) for question, move in json.loads(moves or "[]")),
    )


def _flag(value: int | None) -> bool | None:
    return None if value is None else bool(value)


class Turn:
    """The writes of one turn, inside its transaction. `snapshot` is what the learner's state was as it began."""

    def __init__(self, db: Database, snapshot: Snapshot) -> None:
        self._db = db
        self.snapshot = snapshot
        self.learner_id = snapshot.learner_id

    def set_current_module(self, module_id: str | None) -> None:
        self._db.execute("UPDATE learners SET current_module = ? WHERE id = ?", [module_id, self.learner_id])

    def begin_attempt(self, module_id: str, attempt: int) -> ModuleProgress:
        """Starts `attempt` of a module at position 0 and makes the module current."""
        now = self._db.now_text()
        self._db.execute(
            "INSERT INTO module_progress (learner_id, module_id, attempt, position, status, started_at, updated_at, "
            "completed_at) VALUES (?, ?, ?, 0, ?, ?, ?, NULL) ON CONFLICT(learner_id, module_id) DO UPDATE SET "
            "attempt = excluded.attempt, position = 0, status = excluded.status, started_at = excluded.started_at, "
            "updated_at = excluded.updated_at, completed_at = NULL",
            [self.learner_id, module_id, attempt, STATUS_IN_PROGRESS, now, now])
        self._db.execute(
            "INSERT OR REPLACE INTO attempts (learner_id, module_id, attempt, started_at, completed_at) "
            "VALUES (?, ?, ?, ?, NULL)", [self.learner_id, module_id, attempt, now])
        self.set_current_module(module_id)
        return ModuleProgress(self.learner_id, module_id, attempt, 0, STATUS_IN_PROGRESS, now, now, None)

    def move(self, progress: ModuleProgress, position: int, *, completed: bool = False) -> ModuleProgress:
        """Moves the learner within a module from where `progress` says (read in this turn, so still true)."""
        now = self._db.now_text()
        cursor = self._db.execute(
            "UPDATE module_progress SET position = ?, status = ?, updated_at = ?, completed_at = ? "
            "WHERE learner_id = ? AND module_id = ? AND attempt = ? AND position = ?",
            [position, STATUS_COMPLETED if completed else STATUS_IN_PROGRESS, now, now if completed else None,
             progress.learner_id, progress.module_id, progress.attempt, progress.position])
        if cursor.rowcount != 1:
            raise StoreError(f"the position of {progress.module_id} moved during a turn")
        return ModuleProgress(progress.learner_id, progress.module_id, progress.attempt, position,
                              STATUS_COMPLETED if completed else STATUS_IN_PROGRESS, progress.started_at, now,
                              now if completed else None)

    def record_answer(self, progress: ModuleProgress, *, question_id: str, option: str | None, correct: bool,
                      message_id: str, part: Part, completes_module: bool, completes_check: bool,
                      investigated: bool | None = None) -> ModuleProgress | None:
        """Records an answer and moves past the question. RETURNS the new progress, or None when the question was
        already answered in this attempt (a double click that came with another message id): nothing written.

        option: the option letter; for a free_text question the grade ("right", "partial", "wrong"); None: skipped.
        completes_check: the check's last item: its score is kept in check_scores (the first pre- and post-check of
        a module count). investigated: a practice post's decision came after a key move.
        """
        now = self._db.now_text()
        inserted = self._db.execute(
            "INSERT OR IGNORE INTO answers (learner_id, module_id, attempt, question_id, option, correct, message_id, "
            "answered_at, part, investigated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [progress.learner_id, progress.module_id, progress.attempt, question_id, option, int(correct),
             message_id, now, part, None if investigated is None else int(investigated)])
        if inserted.rowcount != 1:
            return None
        after = self.move(progress, progress.position + 1, completed=completes_module)
        if part == "quiz" or completes_module:
            quiz = part == "quiz"
            self._db.execute(
                "UPDATE attempts SET reached = reached + ?, answered = answered + ?, correct = correct + ?, "
                "completed_at = COALESCE(?, completed_at) WHERE learner_id = ? AND module_id = ? AND attempt = ?",
                [int(quiz), int(quiz and option is not None), int(quiz and correct), now if completes_module else None,
                 progress.learner_id, progress.module_id, progress.attempt])
        if completes_check:
            self._db.execute(
                "INSERT OR IGNORE INTO check_scores (learner_id, module_id, kind, correct, total, taken_at) "
                "SELECT learner_id, module_id, part, SUM(correct), COUNT(*), ? FROM answers "
                "WHERE learner_id = ? AND module_id = ? AND attempt = ? AND part = ? GROUP BY learner_id, module_id, "
                "part", [now, progress.learner_id, progress.module_id, progress.attempt, part])
        return after

    def record_move(self, progress: ModuleProgress, *, question_id: str, move: str, message_id: str) -> bool:
        """Records a move on a practice post. RETURNS False when the same move was made before (no second row)."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO practice_moves (learner_id, module_id, attempt, question_id, move, message_id, "
            "made_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [progress.learner_id, progress.module_id, progress.attempt, question_id, move, message_id,
             self._db.now_text()])
        return cursor.rowcount == 1

    def start_review(self, questions: list[str]) -> ReviewSession:
        """Starts (or restarts) the learner's review with these questions; leaves any module they were in."""
        now = self._db.now_text()
        self._db.execute("INSERT OR REPLACE INTO review_sessions (learner_id, questions, position, started_at) "
                         "VALUES (?, ?, 0, ?)", [self.learner_id, json.dumps(questions), now])
        self.set_current_module(None)
        return ReviewSession(self.learner_id, tuple(questions), 0, now)

    def end_review(self) -> None:
        self._db.execute("DELETE FROM review_sessions WHERE learner_id = ?", [self.learner_id])

    def record_review_answer(self, session: ReviewSession, card: ReviewCard, *, option: str | None, correct: bool,
                             message_id: str) -> ReviewEnd | None:
        """Records the answer to the review question waiting, reschedules its card and moves on. RETURNS None while
        the review goes on, or, after its last question, the ReviewEnd (the review is over). The snapshot has
        already told the tutor whether this message id recorded something, so the answer is new."""
        self._db.execute(
            "INSERT INTO review_answers (learner_id, question_id, option, correct, message_id, answered_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [self.learner_id, session.question_id, option, int(correct), message_id, self._db.now_text()])
        self.save_card(card)
        if session.position + 1 < len(session.questions):
            self._db.execute("UPDATE review_sessions SET position = position + 1 WHERE learner_id = ?",
                             [self.learner_id])
            return None
        right, next_due = self._db.execute(
            "DELETE FROM review_sessions WHERE learner_id = ? RETURNING "
            "(SELECT COALESCE(SUM(r.correct), 0) FROM review_answers r WHERE r.learner_id = review_sessions.learner_id "
            "AND r.answered_at >= review_sessions.started_at), "
            "(SELECT MIN(c.due) FROM review_cards c WHERE c.learner_id = review_sessions.learner_id)",
            [self.learner_id]).fetchone()
        return ReviewEnd(right, next_due)

    def save_card(self, card: ReviewCard) -> None:
        self._db.execute(
            "INSERT INTO review_cards (learner_id, question_id, module_id, due, card, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(learner_id, question_id) DO UPDATE SET module_id = "
            "excluded.module_id, due = excluded.due, card = excluded.card, updated_at = excluded.updated_at",
            [card.learner_id, card.question_id, card.module_id, card.due, card.card, self._db.now_text()])
