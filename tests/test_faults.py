"""Faults: a server killed mid-quiz, the progress store locked by another writer, the action server unreachable,
broken content at start-up. Each runs against the real servers (the session's `servers`, restarted when killed).
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from bot.learning.content import CHOICE_TYPES, load_content
from channels.inbound import TROUBLE_REPLY
from tests.chat import answer_payload, answers_of, go_to_first_question, payloads, texts
from bench.servers import ROOT, free_port

QUIZ = load_content(ROOT / "quizzes").modules["verify_leaks"].quiz
# The first multiple-choice quiz item (broken on purpose below) and where the loader locates it.
BROKEN_INDEX, BROKEN = next((index, question) for index, question in enumerate(QUIZ) if question.type in CHOICE_TYPES)
BROKEN_PROBLEM = (f"content/verify_leaks.yml: quiz[{BROKEN_INDEX}] ({BROKEN.id}): options: exactly one option must "
                  "have `correct: true`")
STORE_ERROR = "I'm having trouble saving your progress right now"


@pytest.fixture
def servers_after(servers):
    """The session's servers; any this test killed are started again afterwards."""
    yield servers
    missing = [role for role in servers.ROLES if role not in servers.processes]
    if missing:
        servers.start(*missing)


def answer(servers, learner: str, number: int, message_id: str) -> list[dict]:
    """Taps the right option of quiz question `number` (1-based)."""
    question = QUIZ[number - 1]
    return servers.say(learner, answer_payload(question.id, question.correct_option.letter), message_id=message_id)


def position(servers, learner: str) -> str:
    report = json.loads(servers.progress(learner).stdout)
    return next(m for m in report["modules"] if m["id"] == "verify_leaks")["position"]["label"]


@pytest.mark.server
def test_killed_action_server_loses_and_doubles_nothing(servers_after):
    servers = servers_after
    go_to_first_question(servers, "fault-actions")
    replies = answer(servers, "fault-actions", 1, "fa-1")
    assert answer_payload(QUIZ[1].id, QUIZ[1].correct_option.letter) in payloads(replies)

    servers.kill("actions")
    replies = answer(servers, "fault-actions", 2, "fa-2")
    assert replies == [{"recipient_id": "fault-actions", "text": TROUBLE_REPLY}]  # one clear reply, not silence
    assert position(servers, "fault-actions") == f"question 2 of {len(QUIZ)}"

    servers.start("actions")
    replies = answer(servers, "fault-actions", 2, "fa-2")  # the learner taps the same button again
    assert "✅ Right" in texts(replies) and QUIZ[2].prompt[:40] in texts(replies)
    again = answer(servers, "fault-actions", 2, "fa-2")  # and once more, as a network retry would
    assert "✅" not in texts(again)
    assert answers_of(servers, "fault-actions") == [(QUIZ[0].id, QUIZ[0].correct_option.letter, 1),
                                                   (QUIZ[1].id, QUIZ[1].correct_option.letter, 1)]
    assert position(servers, "fault-actions") == f"question 3 of {len(QUIZ)}"


@pytest.mark.server
def test_killed_rasa_server_keeps_conversation_and_progress(servers_after):
    servers = servers_after
    go_to_first_question(servers, "fault-rasa")
    answer(servers, "fault-rasa", 1, "fr-1")
    with servers.db("tracker.db") as db:
        events_before = db.execute("SELECT count(*) FROM events WHERE sender_id = 'fault-rasa'").fetchone()[0]

    servers.kill("rasa")
    servers.start("rasa")
    # The button offered before the crash still works: the conversation came back from the tracker store.
    replies = answer(servers, "fault-rasa", 2, "fr-2")
    assert "✅ Right" in texts(replies) and QUIZ[2].prompt[:40] in texts(replies)
    with servers.db("tracker.db") as db:
        events_after = db.execute("SELECT count(*) FROM events WHERE sender_id = 'fault-rasa'").fetchone()[0]
    assert events_after > events_before
    assert [row[0] for row in answers_of(servers, "fault-rasa")] == [QUIZ[0].id, QUIZ[1].id]
    assert position(servers, "fault-rasa") == f"question 3 of {len(QUIZ)}"


def hold_write_lock(db_path: Path, seconds: float) -> threading.Event:
    """Another writer (a separate SQLite connection) holds the progress store's write lock for `seconds`.
    RETURNS an event set once the lock is held."""
    held = threading.Event()

    def writer() -> None:
        connection = sqlite3.connect(db_path, isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        held.set()
        time.sleep(seconds)
        connection.execute("COMMIT")
        connection.close()

    threading.Thread(target=writer, daemon=True).start()
    assert held.wait(10)
    return held


@pytest.mark.server
def test_answer_waits_for_a_short_lock_and_is_recorded(servers):
    go_to_first_question(servers, "fault-lock")
    hold_write_lock(servers.workdir / "progress.db", 3)
    started = time.monotonic()
    replies: list[dict] = []
    waiting = threading.Thread(target=lambda: replies.extend(answer(servers, "fault-lock", 1, "fl-1")))
    waiting.start()
    time.sleep(1)
    # While that answer waits for the lock, the action server's event loop still serves other requests.
    health_started = time.monotonic()
    assert requests.get(f"http://127.0.0.1:{servers.action_port}/health", timeout=10).ok
    assert time.monotonic() - health_started < 0.5
    waiting.join(30)
    assert time.monotonic() - started > 2  # it waited for the other writer (busy timeout 5 s) ...
    assert "✅ Right" in texts(replies)  # ... and then succeeded
    assert answers_of(servers, "fault-lock") == [(QUIZ[0].id, QUIZ[0].correct_option.letter, 1)]


@pytest.mark.server
def test_lock_longer_than_the_busy_timeout_gets_a_polite_retry_and_writes_nothing(servers):
    go_to_first_question(servers, "fault-longlock")
    hold_write_lock(servers.workdir / "progress.db", 7)
    replies = answer(servers, "fault-longlock", 1, "fll-1")
    assert STORE_ERROR in texts(replies) and "try again" in texts(replies)
    assert answers_of(servers, "fault-longlock") == []
    assert position(servers, "fault-longlock") == f"question 1 of {len(QUIZ)}"
    time.sleep(2.5)  # the other writer lets go
    replies = answer(servers, "fault-longlock", 1, "fll-1")
    assert "✅ Right" in texts(replies)
    assert answers_of(servers, "fault-longlock") == [(QUIZ[0].id, QUIZ[0].correct_option.letter, 1)]


@pytest.fixture
def broken_content(tmp_path) -> Path:
    """A copy of the content in which one quiz question has two right options."""
    directory = tmp_path / "content"
    shutil.copytree(ROOT / "quizzes", directory)
    path = directory / "verify_leaks.yml"
    text = path.read_text(encoding="utf-8")
    at = text.index("correct: false", text.index(f"id: {BROKEN.id}\n"))
    path.write_text(text[:at] + "correct: true" + text[at + len("correct: false"):], encoding="utf-8")
    return directory


def test_action_server_refuses_broken_content(broken_content, servers_env):
    result = subprocess.run([sys.executable, "-m", "actions", "--port", str(free_port())], cwd=ROOT,
                            env={**servers_env, "PAUSECHECK_CONTENT_DIR": str(broken_content)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "The action server did not start." in result.stderr
    assert f"files under {broken_content}/" in result.stderr
    assert BROKEN_PROBLEM in result.stderr


def test_make_run_validation_step_refuses_broken_content(broken_content, servers_env):
    result = subprocess.run([sys.executable, "-m", "bot", "validate-content"], cwd=ROOT,
                            env={**servers_env, "PAUSECHECK_CONTENT_DIR": str(broken_content)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert BROKEN_PROBLEM in result.stdout + result.stderr


@pytest.fixture
def servers_env(tmp_path) -> dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PAUSECHECK_DB": str(tmp_path / "progress.db")}
