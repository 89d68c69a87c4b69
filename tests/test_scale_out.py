"""The scale-out profile (deploy/scale-out/) end to end: two Rasa servers sharing a PostgreSQL tracker store and a
Redis lock store, one action server, all on loopback. A learner's conversation moves between the two servers.

Needs the trained model and Debian's redis-server and postgresql packages (.ci/run installs them). Slow: each Rasa
server takes about 45 s of CPU time to load the model.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from itertools import cycle
from pathlib import Path

import pytest
import requests

from bot.learning.content import load_content
from bench.servers import MODEL, ROOT, TEST_RATE_LIMIT, free_port
from tests.chat import answer_checks, answer_payload, payloads, texts
from tests.services import PostgresServer, RedisServer

pytestmark = pytest.mark.server

CONTENT = load_content(ROOT / "quizzes")
ENDPOINTS = ROOT / "deploy" / "scale-out" / "endpoints.yml"


class Cluster:
    """Rasa servers A and B and one action server, configured by deploy/scale-out/endpoints.yml."""

    def __init__(self, workdir: Path, redis_server: RedisServer, postgres: PostgresServer) -> None:
        self.workdir, self.postgres = workdir, postgres
        self.action_port, self.rasa_ports = free_port(), [free_port(), free_port()]
        self.env = {
            **os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "PAUSECHECK_DB": str(workdir / "progress.db"), "PAUSECHECK_CONTENT_DIR": str(ROOT / "quizzes"),
            "PAUSECHECK_MAX_MESSAGE_CHARS": "1000", **TEST_RATE_LIMIT,
            "PAUSECHECK_ACTION_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            "PAUSECHECK_POSTGRES_HOST": "127.0.0.1", "PAUSECHECK_POSTGRES_PORT": str(postgres.port),
            "PAUSECHECK_POSTGRES_DB": postgres.database, "PAUSECHECK_POSTGRES_USER": postgres.user,
            "PAUSECHECK_POSTGRES_PASSWORD": postgres.password,
            "PAUSECHECK_REDIS_HOST": "127.0.0.1", "PAUSECHECK_REDIS_PORT": str(redis_server.port),
            "PAUSECHECK_REDIS_PASSWORD": redis_server.password,
        }
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        if not MODEL.exists():
            pytest.fail(f"{MODEL} is missing: run `make setup` (or `make test`) to train the model first.")
        rasa = str(Path(sys.executable).parent / "rasa")
        commands = [[sys.executable, "-m", "actions", "--port", str(self.action_port)]] + [
            [rasa, "run", "--model", str(MODEL), "--port", str(port), "--credentials", "credentials.yml",
             "--endpoints", str(ENDPOINTS)] for port in self.rasa_ports]
        with open(self.workdir / "cluster.log", "ab") as log:
            self.processes = [subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
                              for command in commands]
        deadline = time.monotonic() + 240
        for url in [f"http://127.0.0.1:{self.action_port}/health", *(f"{url}/webhooks/rest/" for url in self.urls)]:
            while True:
                try:
                    if requests.get(url, timeout=2).ok:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                    self.stop()
                    pytest.fail(f"servers did not start; log:\n{(self.workdir / 'cluster.log').read_text()[-3000:]}")
                time.sleep(0.5)

    def stop(self) -> None:
        """Asks the servers to stop; a Rasa server needs 4 to 20 s for that, so after 5 s they are killed (every turn
        is already saved)."""
        for process in self.processes:
            process.terminate()
        deadline = time.monotonic() + 5
        for process in self.processes:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    def say(self, server: int, sender: str, message: str, message_id: str | None = None) -> list[dict]:
        body: dict = {"sender": sender, "message": message}
        if message_id:
            body["metadata"] = {"message_id": message_id}
        response = requests.post(f"{self.urls[server]}/webhooks/rest/webhook", json=body, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    def events(self, sender: str) -> list[tuple[str, dict]]:
        """The conversation as PostgreSQL holds it: (type_name, data) in order."""
        rows = self.postgres.query("SELECT type_name, data FROM events WHERE sender_id = %s ORDER BY id", (sender,))
        return [(type_name, json.loads(data)) for type_name, data in rows]

    def answers(self, learner: str) -> list[tuple[str, str]]:
        """(part, question_id) of each answer the progress store holds for the learner."""
        with sqlite3.connect(self.workdir / "progress.db") as db:
            return db.execute("SELECT part, question_id FROM answers WHERE learner_id = ?", [learner]).fetchall()


class Route:
    """Sends a learner's messages through the given servers in turn, each with its own message id; usable as the
    `servers` of tests.chat's helpers."""

    def __init__(self, cluster: Cluster, servers: list[int]) -> None:
        self.cluster, self.servers, self.message_ids = cluster, cycle(servers), []

    def say(self, sender: str, message: str) -> list[dict]:
        self.message_ids.append(f"{sender}-{len(self.message_ids) + 1}")
        return self.cluster.say(next(self.servers), sender, message, message_id=self.message_ids[-1])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("scale-out")
    redis_server = RedisServer(workdir, "redis-scale-out-password")
    postgres = PostgresServer("pausecheck", "postgres-scale-out-password", "rasa")
    redis_server.start()
    try:
        postgres.start()
        cluster = Cluster(workdir, redis_server, postgres)
        cluster.start()
        yield cluster
        cluster.stop()
    finally:
        postgres.stop()
        redis_server.stop()


def test_a_learner_moves_between_servers_without_losing_state(cluster):
    """Each message goes to the other server than the one before (A, B, A, B, ...), through a whole module."""
    module, learner = CONTENT.modules["verify_leaks"], "learner-roaming"
    route = Route(cluster, [0, 1])
    assert "Pause & Check" in texts(route.say(learner, "hi"))
    replies = route.say(learner, '/start_module{"module":"verify_leaks"}')  # a button the other server offered
    assert module.pre_check[0].prompt[:40] in texts(replies)
    replies = answer_checks(route, learner, replies, module.pre_check)
    assert module.lessons[0].source in texts(replies)
    for lesson in module.lessons[1:]:
        assert lesson.source in texts(route.say(learner, "/next"))
    replies = route.say(learner, "/next")
    for question in module.quiz:
        if question.free_text is not None:
            assert "Type your answer" in texts(replies)
            replies = route.say(learner, " and ".join(concept.phrases[0] for concept in question.free_text.concepts))
            assert "✅ Right" in texts(replies)
            continue
        right = answer_payload(question.id, question.correct_option.letter)
        assert right in payloads(replies)
        replies = route.say(learner, right)
        assert "✅ Right" in texts(replies) and question.correct_option.feedback in texts(replies)
    assert "final check" in texts(replies)
    replies = answer_checks(route, learner, replies, module.post_check)
    assert f"{len(module.quiz)} of {len(module.quiz)} correct" in texts(replies)

    expected = Counter([("pre", item.id) for item in module.pre_check] + [("quiz", q.id) for q in module.quiz]
                       + [("post", item.id) for item in module.post_check])
    assert Counter(cluster.answers(learner)) == expected  # each answer recorded exactly once
    user_events = [data for type_name, data in cluster.events(learner) if type_name == "user"]
    assert [event["message_id"] for event in user_events] == route.message_ids  # the whole conversation


def test_messages_sent_to_both_servers_at_once_are_handled_one_after_the_other(cluster):
    """The same learner writes to A and B at the same moment, five times: the lock store lets one server at a time
    handle the conversation, so PostgreSQL holds every message, each followed by its complete turn."""
    learner, rounds = "learner-two-tabs", 5
    for round_number in range(rounds):
        barrier = threading.Barrier(2)
        failures: list[BaseException] = []

        def send(server: int) -> None:
            barrier.wait()
            try:
                assert texts(cluster.say(server, learner, "hi", message_id=f"tabs-{round_number}-{server}"))
            except BaseException as error:  # reported by the main thread
                failures.append(error)

        threads = [threading.Thread(target=send, args=(server,)) for server in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures
    events = cluster.events(learner)
    assert sorted(data["message_id"] for type_name, data in events if type_name == "user") == sorted(
        f"tabs-{round_number}-{server}" for round_number in range(rounds) for server in (0, 1))
    # Turns do not interleave: after each user message the bot acts, and listens again before the next one.
    turns = ["user" if type_name == "user" else "listen" for type_name, data in events
             if type_name == "user" or data.get("name") == "action_listen"]
    assert turns[-1] == "listen" and ("user", "user") not in zip(turns, turns[1:]), turns


def test_delete_my_data_through_one_server_erases_the_history_in_postgres(cluster):
    learner = "learner-leaving"
    route = Route(cluster, [0, 1])
    route.say(learner, "hi")
    replies = route.say(learner, '/start_module{"module":"verify_leaks"}')
    answer_checks(route, learner, replies, CONTENT.modules["verify_leaks"].pre_check)
    assert cluster.events(learner) and cluster.answers(learner)
    assert "/affirm" in payloads(cluster.say(1, learner, "delete my data"))
    assert "deleted" in texts(cluster.say(0, learner, "/affirm"))
    assert cluster.events(learner) == [] and cluster.answers(learner) == []
    assert "Pause & Check" in texts(cluster.say(1, learner, "hi"))  # a fresh start, on the other server
    assert [type_name for type_name, _ in cluster.events(learner)].count("user") == 1
