"""Hostile and bad input through the real servers: the corpus in tests/hostile_corpus.py, and the rate limit.

One run of the corpus checks that every request gets a clean answer (the bot's reply, or a 4xx with a JSON error;
never a 5xx or a hang), that the servers keep running, that no learner's progress changes except through answers the
bot asked for, and that a learner working through a module in between is not disturbed.
"""
from __future__ import annotations

import collections
import json
import time

import pytest
import requests

from bot.reports.cohorts import Cohorts
from bot.learning.content import load_content
from channels.inbound import EMPTY_REPLY
from channels.message_rate import SLOW_DOWN_REPLY
from bot.store import LEARNER_TABLES, ProgressStore
from tests.chat import answer_checks, payloads, texts
from tests.hostile_corpus import Case, build_corpus
from bench.servers import ROOT

pytestmark = pytest.mark.server

CONTENT = load_content(ROOT / "quizzes")
MODULE = CONTENT.modules["verify_leaks"]
VICTIM = "victim-5e1f0c2a9b7d4e38"
ATTACKER = "attacker-mid-quiz"
LEARNER = "legit-alongside-corpus"
START = '/start_module{"module":"verify_leaks"}'
CORPUS = build_corpus(CONTENT, victim=VICTIM)


def test_the_corpus_is_big_and_varied():
    counts = collections.Counter(case.category for case in CORPUS)
    assert len(CORPUS) >= 200, counts
    assert set(counts) == {"empty", "long", "control", "utf8", "emoji", "bidi", "sql", "html", "markdown", "forged",
                           "other-id", "body", "odd-body", "content-type"}


def send(servers, case: Case, sender: str) -> requests.Response:
    body = case.body if case.body is not None else json.dumps({"sender": sender, "message": case.message}).encode()
    headers = {"Content-Type": case.content_type} if case.content_type else {}
    return requests.post(f"{servers.url}/webhooks/rest/webhook", data=body, headers=headers, timeout=30)


def problem_with(case: Case, response: requests.Response) -> str | None:
    """What is wrong with the answer to one case, or None when it is clean."""
    if case.expected_status and response.status_code != case.expected_status:
        return f"status {response.status_code}, expected {case.expected_status}: {response.text[:200]}"
    try:
        body = response.json()
    except ValueError:
        return f"status {response.status_code} without a JSON body: {response.text[:200]!r}"
    if response.status_code == 200:
        if not (isinstance(body, list) and body and all(reply.get("text") for reply in body)):
            return f"200 without a reply: {body!r:.200}"
    elif 400 <= response.status_code < 500:
        if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
            return f"{response.status_code} without an error message: {body!r:.200}"
    else:
        return f"status {response.status_code}: {response.text[:200]}"
    return None


def victim_state(servers) -> dict:
    """Every stored row about the victim, the cohorts, and the victim's conversation length."""
    with servers.db("progress.db") as db:
        state = {table: db.execute(f"SELECT * FROM {table} WHERE learner_id = ? ORDER BY 1, 2, 3",
                                   [VICTIM]).fetchall() for table in LEARNER_TABLES}
        state["learners"] = db.execute("SELECT * FROM learners WHERE id = ?", [VICTIM]).fetchall()
        state["cohorts"] = db.execute("SELECT * FROM cohorts ORDER BY id").fetchall()
    with servers.db("tracker.db") as db:
        state["events"] = db.execute("SELECT count(*) FROM events WHERE sender_id = ?", [VICTIM]).fetchone()
    return state


def answers_out_of_order(servers, learners: list[str]) -> list[str]:
    """Answers no learner could have given by answering what the bot asked: per attempt and part, the questions
    answered must be the first ones of that part, in order."""
    parts = {(module.id, "pre"): module.pre_check for module in CONTENT.modules.values()}
    parts |= {(module.id, "post"): module.post_check for module in CONTENT.modules.values()}
    parts |= {(module.id, "quiz"): module.quiz for module in CONTENT.modules.values()}
    answered = collections.defaultdict(list)
    with servers.db("progress.db") as db:
        marks = ",".join("?" * len(learners))
        for learner, module_id, attempt, part, question_id in db.execute(
                f"SELECT learner_id, module_id, attempt, part, question_id FROM answers WHERE learner_id IN ({marks})"
                " ORDER BY id", learners):
            answered[(learner, module_id, attempt, part)].append(question_id)
    problems = []
    for (learner, module_id, attempt, part), questions in answered.items():
        expected = [item.id for item in parts.get((module_id, part), ())][:len(questions)]
        if questions != expected:
            problems.append(f"{learner} {module_id} attempt {attempt} {part}: {questions}, expected {expected}")
    return problems


def legitimate_steps(servers):
    """A learner going through the start of a module, one step at a time, checking each reply."""
    replies = servers.say(LEARNER, "hi")
    assert START in payloads(replies)
    yield
    replies = servers.say(LEARNER, START)
    assert "quick check" in texts(replies)
    yield
    replies = answer_checks(servers, LEARNER, replies, MODULE.pre_check)
    assert MODULE.lessons[0].source in texts(replies)
    yield
    replies = servers.say(LEARNER, "/skip")
    question = MODULE.quiz[0]
    assert question.prompt[:40] in texts(replies)
    yield
    payload = f'/answer{{"option":"{question.correct_option.letter}","question":"{question.id}"}}'
    assert "✅ Right" in texts(servers.say(LEARNER, payload))
    yield
    assert "Your progress" in texts(servers.say(LEARNER, "my progress"))
    with servers.db("progress.db") as db:
        assert db.execute("SELECT question_id, correct FROM answers WHERE learner_id = ? AND part = 'quiz'",
                          [LEARNER]).fetchall() == [(question.id, 1)]


def seed_victim(servers) -> None:
    """The victim is in a class, has done the pre-check and answered the first quiz question."""
    store = ProgressStore(servers.workdir / "progress.db")
    cohort, _ = Cohorts(store).create("Victim's class <b>")
    store.close()
    servers.say(VICTIM, "hi")
    replies = servers.say(VICTIM, START)
    answer_checks(servers, VICTIM, replies, MODULE.pre_check)
    servers.say(VICTIM, "/skip")
    question = MODULE.quiz[0]
    servers.say(VICTIM, f'/answer{{"option":"{question.correct_option.letter}","question":"{question.id}"}}')
    assert "You've joined" in texts(servers.say(VICTIM, f"my class code is {cohort.join_code}"))
    with servers.db("progress.db") as db:
        assert db.execute("SELECT question_id FROM answers WHERE learner_id = ? AND part = 'quiz'",
                          [VICTIM]).fetchall() == [(question.id,)]


def test_hostile_corpus_gets_clean_answers_and_changes_no_one_else(servers):
    seed_victim(servers)
    assert START in payloads(servers.say(ATTACKER, "hi"))
    assert "check 1 of" in texts(servers.say(ATTACKER, START))  # the attacker has a question waiting
    before = victim_state(servers)
    steps = legitimate_steps(servers)
    next(steps)

    problems, statuses, slowest = [], collections.Counter(), (0.0, "")
    for index, case in enumerate(CORPUS):
        sender = ATTACKER if case.mid_quiz else f"hostile-{index:03d}"
        started = time.monotonic()
        try:
            response = send(servers, case, sender)
        except requests.RequestException as error:
            problems.append(f"{case.name}: {type(error).__name__}: {error}")
            continue
        slowest = max(slowest, (time.monotonic() - started, case.name))
        statuses[response.status_code] += 1
        if problem := problem_with(case, response):
            problems.append(f"{case.name}: {problem}")
        if index % 40 == 39:
            next(steps, None)
    for _ in steps:
        pass

    assert not problems, "\n".join(problems)
    assert statuses[200] > 100 and statuses[400] > 50 and set(statuses) <= {200, 400}, statuses
    assert slowest[0] < 15, slowest  # the 30 s timeout above catches a hang; this, a server stuck for a while
    # The servers still run and answer.
    assert all(process.poll() is None for process in servers.processes.values())
    for url in (f"http://127.0.0.1:{servers.action_port}/health", f"{servers.web_url}/healthz",
                f"{servers.url}/webhooks/rest/"):
        assert requests.get(url, timeout=5).ok
    # Nobody's progress changed except through answers the bot asked for.
    assert victim_state(servers) == before
    attackers = [ATTACKER] + [f"hostile-{index:03d}" for index in range(len(CORPUS))]
    assert answers_out_of_order(servers, attackers + [LEARNER, VICTIM]) == []
    with servers.db("progress.db") as db:
        # The attacker had a question waiting all along (forged payloads were tried in that state).
        assert db.execute("SELECT status FROM module_progress WHERE learner_id = ?", [ATTACKER]).fetchall() == [
            ("in_progress",)]
        assert db.execute("SELECT count(*) FROM answers WHERE learner_id LIKE 'hostile-%'").fetchone()[0] == 0
        modules = {row[0] for row in db.execute("SELECT module_id FROM module_progress UNION "
                                                 "SELECT module_id FROM attempts")}
        assert modules <= set(CONTENT.modules)


# The rate limit (tests/servers.py allows 40 at once, then 20 a second)

def flood_until_limited(servers, sender: str) -> requests.Response:
    """Sends empty messages (answered without NLU) until the rate limit answers."""
    for _ in range(300):
        response = servers.post({"sender": sender, "message": ""})
        if response.status_code != 200:
            return response
    pytest.fail("300 messages in a row were not rate limited")


def test_rest_over_the_limit_gets_429_and_reaches_nobody(servers):
    limited = flood_until_limited(servers, "learner-flood")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 2
    assert limited.json()["error"].startswith("Too many messages from this learner id: up to 40 at once, then 20 a "
                                              "second. Slow down")
    # A real message over the limit is not passed to Rasa: no state, no conversation event.
    assert servers.post({"sender": "learner-flood", "message": START}).status_code == 429
    with servers.db("tracker.db") as db:
        events = db.execute("SELECT count(*) FROM events WHERE sender_id = 'learner-flood' AND type_name = 'user' "
                            "AND data LIKE '%start_module%'").fetchone()[0]
    assert events == 0
    assert servers.say("learner-unrelated", "hi")  # other learners are not slowed down
    time.sleep(1.2)
    assert "Pause & Check" in texts(servers.say("learner-flood", "hi"))


def test_socketio_over_the_limit_gets_a_polite_message(servers):
    import socketio

    replies: list[dict] = []
    client = socketio.Client()
    client.on("bot_uttered", replies.append)
    client.connect(servers.url, socketio_path="/socket.io", transports=["polling"])
    try:
        client.emit("session_request", {"session_id": "learner-socket-flood"})
        flood_until_limited(servers, "learner-socket-flood")  # both channels share the count
        for _ in range(15):
            client.emit("user_uttered", {"message": "", "session_id": "learner-socket-flood"})
            time.sleep(0.005)  # engine.io refuses a poll with more than 16 packets in it
        deadline = time.monotonic() + 30
        while len(replies) < 15 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        client.disconnect()
    answers = collections.Counter(reply.get("text") for reply in replies)
    assert answers[SLOW_DOWN_REPLY] >= 5 and set(answers) <= {SLOW_DOWN_REPLY, EMPTY_REPLY}, answers
