from __future__ import annotations

from bot.store import MIGRATIONS, ProgressStore


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
        "id", "learner_id", "module_id", "attempt", "question_id", "option", "correct", "message_id", "answered_at"}


def test_same_message_is_recorded_once(store):
    store.touch_learner("ana")
    progress = store.begin_attempt("ana", "verify_leaks")
    assert store.record_answer(progress, question_id="q1", option="b", correct=True, message_id="m1",
                               completes_module=False)
    # Redelivery of the same message: the saved progress is stale, nothing is written twice.
    assert not store.record_answer(progress, question_id="q1", option="b", correct=True, message_id="m1",
                                   completes_module=False)
    assert store.db["answers"].count == 1
    assert store.module_progress("ana", "verify_leaks").position == 1


def test_reused_message_id_does_not_move_the_learner(store):
    store.touch_learner("ana")
    first = store.begin_attempt("ana", "verify_leaks")
    store.record_answer(first, question_id="q1", option="a", correct=False, message_id="m1", completes_module=False)
    now = store.module_progress("ana", "verify_leaks")
    assert not store.record_answer(now, question_id="q2", option="a", correct=True, message_id="m1",
                                   completes_module=False)
    assert store.module_progress("ana", "verify_leaks").position == 1
    assert [answer.question_id for answer in store.answers("ana", "verify_leaks", 1)] == ["q1"]


def test_delete_learner_removes_every_row(store):
    for learner in ("ana", "ben"):
        store.touch_learner(learner)
        progress = store.begin_attempt(learner, "verify_leaks")
        store.record_answer(progress, question_id="q1", option="a", correct=True, message_id=f"{learner}-1",
                            completes_module=False)
    assert store.delete_learner("ana") is True
    for table in ("learners", "module_progress", "answers"):
        column = "id" if table == "learners" else "learner_id"
        assert store.db.execute(f"SELECT count(*) FROM {table} WHERE {column} = 'ana'").fetchone()[0] == 0
        assert store.db.execute(f"SELECT count(*) FROM {table} WHERE {column} = 'ben'").fetchone()[0] == 1
    assert store.delete_learner("ana") is False


def test_learner_ids_are_data_not_sql(store):
    hostile = "x'); DROP TABLE answers; --"
    store.touch_learner(hostile)
    store.begin_attempt(hostile, "verify_leaks")
    assert store.learner_exists(hostile)
    assert "answers" in store.db.table_names()
