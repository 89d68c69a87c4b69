"""The progress store's cohorts and the queries reports run: one query per table, each joined through the cohort's
members (index on cohort_id), so a 10,000-learner report reads each table once."""
from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

from bot.store.database import Database
from bot.store.records import Cohort, CodeTaken, CohortToken, LabelTaken, Membership
from bot.store.schema import FIRST_ATTEMPT_ANSWERS_SQL
from bot.store.turns import SEEN_SQL

_COHORT_COLUMNS = "id, name, join_code, created_at, closed_at"


class CohortRecords:
    """Cohorts, their members and what reports read (mixed into ProgressStore)."""

    _db: Database

    def create_cohort(self, name: str, join_code: str, token: CohortToken) -> Cohort:
        """Raises CodeTaken when the join code or the token selector is already used."""
        with self._db.writing():
            cursor = self._db.execute(
                "INSERT INTO cohorts (name, join_code, token_selector, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                [name, join_code, token.selector, token.verifier_hash, self._db.now_text()], clash=CodeTaken(join_code))
        return self._cohort_where("id = ?", [cursor.lastrowid])

    def cohort_by_code(self, join_code: str) -> Cohort | None:
        rows = self._db.execute(f"SELECT {_COHORT_COLUMNS} FROM cohorts WHERE join_code = ?", [join_code]).fetchall()
        return Cohort(*rows[0]) if rows else None

    def cohort_token(self, selector: str) -> tuple[Cohort, CohortToken] | None:
        row = self._db.execute(f"SELECT {_COHORT_COLUMNS}, token_selector, token_hash FROM cohorts "
                               "WHERE token_selector = ?", [selector]).fetchone()
        return (Cohort(*row[:5]), CohortToken(*row[5:])) if row else None

    def cohorts(self) -> list[tuple[Cohort, int]]:
        """Every cohort, oldest first, with its number of members."""
        rows = self._db.execute(
            "SELECT c.id, c.name, c.join_code, c.created_at, c.closed_at, COUNT(m.learner_id) AS members "
            "FROM cohorts c LEFT JOIN cohort_members m ON m.cohort_id = c.id GROUP BY c.id ORDER BY c.id"
        ).fetchall()
        return [(Cohort(*row[:5]), row[5]) for row in rows]

    def set_cohort_token(self, cohort: Cohort, token: CohortToken) -> None:
        with self._db.writing():
            self._db.execute("UPDATE cohorts SET token_selector = ?, token_hash = ? WHERE id = ?",
                             [token.selector, token.verifier_hash, cohort.id])

    def close_cohort(self, cohort: Cohort) -> Cohort:
        with self._db.writing():
            self._db.execute("UPDATE cohorts SET closed_at = COALESCE(closed_at, ?) WHERE id = ?",
                             [self._db.now_text(), cohort.id])
        return self._cohort_where("id = ?", [cohort.id])

    def membership(self, learner_id: str) -> Membership | None:
        row = self._db.execute(
            "SELECT m.learner_id, m.label, m.joined_at, c.id, c.name, c.join_code, c.created_at, c.closed_at "
            "FROM cohort_members m JOIN cohorts c ON c.id = m.cohort_id WHERE m.learner_id = ?", [learner_id]
        ).fetchone()
        if row is None:
            return None
        return Membership(learner_id=row[0], label=row[1], joined_at=row[2], cohort=Cohort(*row[3:]))

    def add_member(self, learner_id: str, cohort: Cohort, label: str) -> Membership:
        """Records the learner as seen and puts them in `cohort` (leaving any other). Raises LabelTaken if the label
        is used there."""
        with self._db.writing():
            self._db.execute(SEEN_SQL, {"learner": learner_id, "now": self._db.now_text()})
            self._db.execute(
                "INSERT INTO cohort_members (learner_id, cohort_id, label, joined_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(learner_id) DO UPDATE SET cohort_id = excluded.cohort_id, label = excluded.label, "
                "joined_at = excluded.joined_at", [learner_id, cohort.id, label, self._db.now_text()],
                clash=LabelTaken(label))
        membership = self.membership(learner_id)
        assert membership is not None
        return membership

    def add_synthetic_class(self, rows: dict[str, Sequence[Sequence[Any]]]) -> None:
        """Bulk-inserts a synthetic class (bot.reports.synthetic) in one write transaction: rows per table, in the
        column order of SYNTHETIC_COLUMNS."""
        with self._db.writing():
            for table, columns in SYNTHETIC_COLUMNS.items():
                marks = ", ".join("?" for _ in columns)
                self._db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows[table])

    # What reports read

    def cohort_members(self, cohort: Cohort) -> list[dict]:
        """learner_id, label, joined_at, last_seen_at of each member."""
        return self._db.rows(
            "SELECT m.learner_id, m.label, m.joined_at, l.last_seen_at FROM cohort_members m "
            "JOIN learners l ON l.id = m.learner_id WHERE m.cohort_id = ? ORDER BY m.label", [cohort.id])

    def cohort_progress(self, cohort: Cohort) -> list[dict]:
        """Each member's latest attempt per module (module_progress columns), with their first attempt's totals
        (first_reached, first_answered, first_correct) and minutes from start to completion
        (first_minutes_to_complete; None while it is not completed)."""
        return self._db.rows(
            "SELECT p.learner_id, p.module_id, p.attempt, p.position, p.status, p.updated_at, "
            "COALESCE(f.reached, 0) AS first_reached, COALESCE(f.answered, 0) AS first_answered, "
            "COALESCE(f.correct, 0) AS first_correct, "
            "(julianday(f.completed_at) - julianday(f.started_at)) * 1440 AS first_minutes_to_complete "
            "FROM cohort_members m JOIN module_progress p ON p.learner_id = m.learner_id "
            "LEFT JOIN attempts f ON f.learner_id = p.learner_id AND f.module_id = p.module_id AND f.attempt = 1 "
            "WHERE m.cohort_id = ?", [cohort.id])

    def cohort_first_attempt_answer_counts(self, cohort: Cohort
                                           ) -> Counter[tuple[str, str, str | None, int, int, int]]:
        """How many members' first attempts hold each (module_id, question_id, option, correct, questions reached
        in the attempt, right in the attempt): everything item analysis needs, with no per-learner rows."""
        return Counter(self._db.execute(FIRST_ATTEMPT_ANSWERS_SQL, [cohort.id]))

    def first_attempt_answers_plan(self, cohort: Cohort) -> list[str]:
        """SQLite's query plan of cohort_first_attempt_answer_counts (tests and the benchmark check its indexes)."""
        return [row[3] for row in self._db.execute(f"EXPLAIN QUERY PLAN {FIRST_ATTEMPT_ANSWERS_SQL}", [cohort.id])]

    def cohort_first_attempt_choices(self, cohort: Cohort, question_ids: list[str]
                                     ) -> list[tuple[str, str, str | None, int | None]]:
        """(learner_id, question_id, option, investigated) of members' first-attempt answers to these questions
        (investigated: practice posts' decisions; None for other items)."""
        if not question_ids:
            return []
        marks = ", ".join("?" for _ in question_ids)
        return self._db.execute(
            "SELECT a.learner_id, a.question_id, a.option, a.investigated FROM cohort_members m JOIN answers a "
            f"ON a.learner_id = m.learner_id AND a.attempt = 1 WHERE m.cohort_id = ? AND a.question_id IN ({marks})",
            [cohort.id, *question_ids]).fetchall()

    def cohort_check_scores(self, cohort: Cohort) -> list[dict]:
        return self._db.rows(
            "SELECT s.* FROM cohort_members m JOIN check_scores s ON s.learner_id = m.learner_id "
            "WHERE m.cohort_id = ?", [cohort.id])

    def answer_count(self) -> int:
        """Answers in the whole store (the report benchmark's scale)."""
        return self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def _cohort_where(self, where: str, params: list) -> Cohort:
        row = self._db.execute(f"SELECT {_COHORT_COLUMNS} FROM cohorts WHERE {where}", params).fetchone()
        assert row is not None
        return Cohort(*row)


SYNTHETIC_COLUMNS = {
    "learners": ("id", "created_at", "last_seen_at"),
    "cohort_members": ("learner_id", "cohort_id", "label", "joined_at"),
    "module_progress": ("learner_id", "module_id", "attempt", "position", "status", "started_at", "updated_at",
                        "completed_at"),
    "attempts": ("learner_id", "module_id", "attempt", "started_at", "completed_at", "reached", "answered", "correct"),
    "answers": ("learner_id", "module_id", "attempt", "question_id", "option", "correct", "message_id", "answered_at"),
    "check_scores": ("learner_id", "module_id", "kind", "correct", "total", "taken_at"),
}
