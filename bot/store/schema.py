"""The progress store's schema: one migration per version, run in order (PRAGMA user_version counts them)."""
from __future__ import annotations

from typing import Callable

import sqlite_utils


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
