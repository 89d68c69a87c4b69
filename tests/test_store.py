from __future__ import annotations

import sqlite3
import threading
import pytest

from bot.errors import StoreError
from bot.store import MIGRATIONS, CohortToken, ModuleProgress, ProgressStore


def test_schema_is_created_with_wal_and_version(db_path):
    store = ProgressStore(db_path)
    assert set(store.db.table_names()) >= {"learners", "module_progress", "answers"}
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    store.close()
    reopened = ProgressStore(db_path)  # migrating again is a no-op
    assert reopened.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_answers_table_stores_no_message_text(store):
    assert "text" not in store.db["answers"].columns_dict
    assert set(store.db["answers"].columns_dict) == {
        "id", "learner_id", "module_id", "attempt", "question_id", "option", "correct", "message_id", "answered_at",
        "part", "investigated"}


def begin(store: ProgressStore, learner: str, attempt: int = 1, module: str = "verify_leaks") -> None:
    with store.turn(learner) as turn:
        turn.begin_attempt(module, attempt)


def record(store: ProgressStore, learner: str, question: str, message_id: str, *, option: str = "b",
           correct: bool = True, completes_module: bool = False) -> ModuleProgress | None:
    """Records an answer to `question` where the learner's snapshot says they are, as the tutor does."""
    with store.turn(learner, message_id=message_id) as turn:
        return turn.record_answer(turn.snapshot.progress, question_id=question, option=option, correct=correct,
                                  message_id=message_id, part="quiz", completes_module=completes_module,
                                  completes_check=False)


def test_same_message_is_recorded_once(store):
    begin(store, "ana")
    assert record(store, "ana", "q1", "m1").position == 1
    # Redelivery of the same message: the next turn's snapshot shows what it recorded, and nothing is written twice.
    with store.turn("ana", message_id="m1") as turn:
        assert turn.snapshot.recorded_answer.question_id == "q1"
    assert record(store, "ana", "q1", "m1") is None
    assert store.db["answers"].count == 1
    assert store.module_progress("ana", "verify_leaks").position == 1


def test_reused_message_id_does_not_move_the_learner(store):
    begin(store, "ana")
    record(store, "ana", "q1", "m1", option="a", correct=False)
    assert record(store, "ana", "q2", "m1") is None
    assert store.module_progress("ana", "verify_leaks").position == 1
    assert [answer.question_id for answer in store.answers("ana", "verify_leaks", 1)] == ["q1"]


def test_a_failed_turn_writes_nothing(store):
    begin(store, "ana")
    with pytest.raises(RuntimeError), store.turn("ana", message_id="m1") as turn:
        turn.record_answer(turn.snapshot.progress, question_id="q1", option="b", correct=True, message_id="m1",
                           part="quiz", completes_module=False, completes_check=False)
        raise RuntimeError("the tutor failed after writing")
    assert store.db["answers"].count == 0
    assert store.module_progress("ana", "verify_leaks").position == 0


def test_a_stale_position_is_refused(store):
    begin(store, "ana")
    stale = store.module_progress("ana", "verify_leaks")
    record(store, "ana", "q1", "m1")
    with pytest.raises(StoreError, match="moved during a turn"), store.turn("ana") as turn:
        turn.move(stale, 5)
    assert store.module_progress("ana", "verify_leaks").position == 1


def test_sqlite_errors_leave_the_store_typed(db_path):
    store = ProgressStore(db_path)
    store.close()
    with pytest.raises(StoreError):
        store.learner_exists("ana")


def test_delete_learner_removes_every_row(store):
    for learner in ("ana", "ben"):
        begin(store, learner)
        record(store, learner, "q1", f"{learner}-1", option="a")
    assert store.delete_learner("ana") is True
    for table in ("learners", "module_progress", "answers"):
        column = "id" if table == "learners" else "learner_id"
        assert store.db.execute(f"SELECT count(*) FROM {table} WHERE {column} = 'ana'").fetchone()[0] == 0
        assert store.db.execute(f"SELECT count(*) FROM {table} WHERE {column} = 'ben'").fetchone()[0] == 1
    assert store.delete_learner("ana") is False


def test_learner_ids_are_data_not_sql(store):
    hostile = "x'); DROP TABLE answers; --"
    begin(store, hostile)
    assert store.learner_exists(hostile)
    assert "answers" in store.db.table_names()


def test_upgrading_a_version_1_store_keeps_progress_and_backfills_attempts(db_path):
    import sqlite3

    import sqlite_utils

    from bot.store.schema import _create_schema_v1

    old = sqlite_utils.Database(sqlite3.connect(db_path))
    _create_schema_v1(old)
    old.execute("PRAGMA user_version = 1")
    old["learners"].insert({"id": "ana", "created_at": "2026-01-01T09:00:00+00:00",
                            "last_seen_at": "2026-01-01T09:30:00+00:00"})
    old["module_progress"].insert({
        "learner_id": "ana", "module_id": "verify_leaks", "attempt": 2, "position": 3, "status": "in_progress",
        "started_at": "2026-01-01T09:10:00+00:00", "updated_at": "2026-01-01T09:30:00+00:00", "completed_at": None})
    for attempt, question, option, correct, minute in [(1, "q1", "b", 1, 5), (1, "q2", None, 0, 6),
                                                       (2, "q1", "b", 1, 20)]:
        old["answers"].insert({"learner_id": "ana", "module_id": "verify_leaks", "attempt": attempt,
                               "question_id": question, "option": option, "correct": correct,
                               "message_id": f"m{attempt}{question}",
                               "answered_at": f"2026-01-01T09:{minute:02}:00+00:00"})
    old.conn.commit()
    old.conn.close()

    store = ProgressStore(db_path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 4
    assert store.module_progress("ana", "verify_leaks").position == 3
    attempts = [(row["attempt"], row["started_at"][11:16], (row["completed_at"] or "")[11:16], row["reached"],
                 row["answered"], row["correct"]) for row in store.db["attempts"].rows_where(order_by="attempt")]
    assert attempts == [(1, "09:05", "09:06", 2, 1, 1), (2, "09:10", "", 1, 1, 1)]


def test_attempt_totals_follow_the_answers(tutor, store):
    tutor.start("ana", "verify_leaks")
    tutor.skip("ana", message_id=None)  # lessons
    tutor.skip("ana", message_id=None)  # t_q1
    tutor.answer("ana", text="b", message_id="m2")  # t_q2, right: module completed
    tutor.answer("ana", text="b", message_id="m2")  # redelivered: counted once
    tutor.start("ana", "verify_leaks")  # attempt 2
    recomputed = store.db.execute(
        "SELECT attempt, COUNT(*), COUNT(option), SUM(correct) FROM answers GROUP BY attempt").fetchall()
    kept = store.db.execute("SELECT attempt, reached, answered, correct FROM attempts ORDER BY attempt").fetchall()
    assert recomputed == [(1, 2, 1, 1)] and kept == [(1, 2, 1, 1), (2, 0, 0, 0)]


def test_attempts_record_start_and_completion(store, fake_clock):
    begin(store, "ana")
    fake_clock.advance(minutes=5)
    record(store, "ana", "q1", "m1", completes_module=True)
    begin(store, "ana", attempt=2)
    rows = list(store.db["attempts"].rows_where(order_by="attempt"))
    assert [(row["attempt"], row["started_at"][11:16], (row["completed_at"] or "")[11:16]) for row in rows] == [
        (1, "09:00", "09:05"), (2, "09:05", "")]


def test_report_reads_answers_through_the_covering_index(store):
    cohort = store.create_cohort("x", "ABCD-23", CohortToken("sel", "hash"))
    details = " | ".join(store.first_attempt_answers_plan(cohort))
    assert "COVERING INDEX idx_answers_report" in details and "TEMP B-TREE" not in details


def _open_and_report_version(path: str, barrier) -> int:
    barrier.wait()  # all processes open the new file at the same moment, as `make run` starts its servers
    return ProgressStore(path).db.execute("PRAGMA user_version").fetchone()[0]


def test_processes_starting_together_migrate_one_after_the_other(tmp_path):
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    for round_number in range(3):
        path = str(tmp_path / f"race{round_number}.db")
        with context.Manager() as manager, context.Pool(4) as pool:
            barrier = manager.Barrier(4)
            versions = pool.starmap(_open_and_report_version, [(path, barrier)] * 4)
        assert versions == [len(MIGRATIONS)] * 4


@pytest.mark.parametrize("write", [
    lambda store: store.delete_learner("ana"),
    lambda store: begin(store, "ana", attempt=2),
], ids=["delete_learner", "begin_attempt"])
def test_writes_that_read_first_wait_for_another_writer(db_path, write):
    """Another process holds the write lock for a moment: the write waits for it (busy timeout) instead of failing
    at once with "database is locked", as a deferred transaction that has already read would in WAL mode."""
    store = ProgressStore(db_path)
    begin(store, "ana")
    other_writer = sqlite3.connect(db_path, check_same_thread=False)
    other_writer.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, other_writer.commit)
    release.start()
    try:
        write(store)
    finally:
        release.join()
        other_writer.close()


def _answer_as_one_action_server(path: str, server: str, learners: int, barrier) -> None:
    store = ProgressStore(path)
    barrier.wait()
    for number in range(learners):
        learner = f"{server}-{number}"
        begin(store, learner)
        for question in ("q1", "q2"):
            record(store, learner, question, f"{learner}-{question}", option="a")
        if number % 3 == 0:
            store.delete_learner(learner)


def test_action_servers_on_one_machine_share_the_store(db_path):
    """Four processes write to one store at once (the scale-out profile's action servers on one machine): no write
    fails, and every answer is recorded exactly once."""
    import multiprocessing

    ProgressStore(db_path).close()
    context = multiprocessing.get_context("spawn")
    servers, learners = 4, 60
    with context.Manager() as manager, context.Pool(servers) as pool:
        barrier = manager.Barrier(servers)
        pool.starmap(_answer_as_one_action_server,
                     [(str(db_path), f"server{index}", learners, barrier) for index in range(servers)])
    store = ProgressStore(db_path)
    kept = [number for number in range(learners) if number % 3]
    rows = store.db.execute("SELECT learner_id, question_id, COUNT(*) FROM answers GROUP BY 1, 2").fetchall()
    assert sorted(rows) == sorted((f"server{index}-{number}", question, 1)
                                  for index in range(servers) for number in kept for question in ("q1", "q2"))
