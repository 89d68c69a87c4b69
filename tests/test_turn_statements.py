"""A learner's message costs at most six SQL statements: one snapshot read, its writes, and the transaction around
them (bot/store/turns.py). Counted with sqlite3's trace callback on an in-memory store."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from bot.learning.content import load_content
from bot.learning.tutor import Tutor
from bot.store import ProgressStore
from tests.test_learning import answer, finish_module
from tests.test_practice import PRACTICE_CONTENT

MOST_STATEMENTS_PER_MESSAGE = 6


@contextmanager
def statements_of(store: ProgressStore) -> Iterator[list[str]]:
    statements: list[str] = []
    store._db.connection.set_trace_callback(statements.append)
    try:
        yield statements
    finally:
        store._db.connection.set_trace_callback(None)


def reads(statements: list[str]) -> list[str]:
    return [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]


def test_a_quiz_answer(learning_tutor, store):
    tutor = learning_tutor
    tutor.start("ana", "verify_leaks")
    for letter in "bba":  # the pre-check
        answer(tutor, "ana", letter)
    tutor.advance("ana")
    with statements_of(store) as statements:  # c_q1, a judgement: B (fabricated) is right
        result = tutor.answer("ana", text="/answer", message_id="m1", question_id="c_q1", option="b")
    assert result.status == "recorded" and result.feedback.correct
    assert len(statements) <= MOST_STATEMENTS_PER_MESSAGE, statements
    assert statements[0] == "BEGIN IMMEDIATE" and statements[-1] == "COMMIT"
    assert reads(statements) == []  # the snapshot comes back from the learner upsert (RETURNING)


def test_the_last_answer_of_a_check(learning_tutor, store):
    tutor = learning_tutor
    tutor.start("ana", "verify_leaks")
    answer(tutor, "ana", "b")
    answer(tutor, "ana", "b")
    with statements_of(store) as statements:
        tutor.answer("ana", text="/answer", message_id="m3", question_id="c_pre3", option="a")
    assert store.check_scores("ana", "verify_leaks") == {"pre": (3, 3)}
    assert len(statements) <= MOST_STATEMENTS_PER_MESSAGE + 1, statements  # and the check's score is kept


def test_a_practice_move(store):
    tutor = Tutor(load_content(PRACTICE_CONTENT), store)
    tutor.start("ana", "verify_leaks")
    tutor.advance("ana")
    with statements_of(store) as statements:
        result = tutor.move("ana", move="account", question_id="p_p1", message_id="m1")
    assert result.status == "revealed"
    assert len(statements) <= MOST_STATEMENTS_PER_MESSAGE and reads(statements) == [], statements


def test_a_review_answer(learning_tutor, store, fake_clock):
    tutor = learning_tutor
    finish_module(tutor, "ana", quiz=("a", "a", "stop", "a"))
    fake_clock.advance(days=1)
    assert tutor.review.start("ana").step.question.id == "c_q1"  # the only question due: the review's last
    with statements_of(store) as statements:
        result = tutor.answer("ana", text="/answer", message_id="r1", question_id="c_q1", option="b")
    assert result.status == "recorded" and (result.step.right, result.step.total) == (1, 1)
    # The review's summary comes back from deleting the session (RETURNING): no read after the turn.
    assert len(statements) <= MOST_STATEMENTS_PER_MESSAGE and reads(statements) == [], statements


def test_a_redelivered_message_writes_nothing(learning_tutor, store):
    tutor = learning_tutor
    tutor.start("ana", "verify_leaks")
    tutor.answer("ana", text="/answer", message_id="m1", question_id="c_pre1", option="b")
    with statements_of(store) as statements:
        again = tutor.answer("ana", text="/answer", message_id="m1", question_id="c_pre1", option="b")
    assert again.status == "already_recorded"
    assert len(statements) == 3, statements  # BEGIN, the snapshot, COMMIT
