"""Talking to the real servers as a learner does (tests marked `server`): replies' text and buttons, answer
payloads, the way to the first quiz question, and a socket.io exchange as the widget makes it."""
from __future__ import annotations

import time
from typing import Protocol

from bot.learning.content import load_content
from bench.servers import ROOT, Servers

CONTENT = load_content(ROOT / "quizzes")


class Chat(Protocol):
    """Where a learner's messages go: the servers, or a route through several (tests/test_scale_out.py)."""

    def say(self, sender: str, message: str) -> list[dict]: ...


def texts(replies: list[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def payloads(replies: list[dict]) -> list[str]:
    """Button payloads; the REST channel calls them `buttons`, socket.io `quick_replies`."""
    return [button["payload"] for reply in replies
            for button in reply.get("buttons", []) + reply.get("quick_replies", [])]


def answer_payload(question_id: str, letter: str) -> str:
    return f'/answer{{"option":"{letter}","question":"{question_id}"}}'


def answer_checks(servers: Chat, learner: str, replies: list[dict], check: tuple) -> list[dict]:
    """Answers the check items on offer (pre or post) with their first button. RETURNS the replies after them."""
    ids = {item.id for item in check}
    while offered := [payload for payload in payloads(replies) if any(f'"question":"{i}"' in payload for i in ids)]:
        replies = servers.say(learner, offered[0])
    return replies


def go_to_first_question(servers: Chat, learner: str) -> None:
    servers.say(learner, "hi")
    replies = servers.say(learner, '/start_module{"module":"verify_leaks"}')
    answer_checks(servers, learner, replies, CONTENT.modules["verify_leaks"].pre_check)
    servers.say(learner, "/skip")


def answers_of(servers: Servers, learner: str) -> list[tuple]:
    with servers.db("progress.db") as db:
        return db.execute("SELECT question_id, option, correct FROM answers WHERE learner_id = ? AND part = 'quiz'",
                          [learner]).fetchall()


def socketio_exchange(servers: Servers, session_id: str, message: str) -> list[dict]:
    """One socket.io connection as the widget makes it: session_request, then a message, then the replies."""
    import socketio

    replies: list[dict] = []
    client = socketio.Client()
    client.on("bot_uttered", replies.append)
    client.connect(servers.url, socketio_path="/socket.io", transports=["polling"])
    try:
        client.emit("session_request", {"session_id": session_id})
        client.emit("user_uttered", {"message": message, "session_id": session_id})
        deadline = time.monotonic() + 30
        while not replies and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)  # let the rest of this turn's messages arrive
    finally:
        client.disconnect()
    return replies
