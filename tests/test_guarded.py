"""The input channels' guard without a server: the rate limit and failed turns, with a stand-in for Rasa."""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.inbound import TROUBLE_REPLY
from bot.message_rate import SLOW_DOWN_REPLY
from channels.guarded import _Guard, sender_limiter


class StandInRasa:
    """Records the messages passed on; raises when told to."""

    def __init__(self, error: Exception | None = None) -> None:
        self.received: list[str] = []
        self.error = error

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message.text)
        if self.error:
            raise self.error
        await message.output_channel.send_response(message.sender_id, {"text": "ok"})  # as Rasa replies


@pytest.fixture
def fresh_limit(monkeypatch):
    """A new per-process limiter of 3 messages at once, then 1 a second."""
    monkeypatch.setenv("PAUSECHECK_MESSAGE_BURST", "3")
    monkeypatch.setenv("PAUSECHECK_MESSAGES_PER_SECOND", "1")
    sender_limiter.cache_clear()
    yield
    sender_limiter.cache_clear()


def send(guard: _Guard, rasa: StandInRasa, text: str, sender: str = "ana") -> list[str]:
    output = CollectingOutputChannel()
    handled = guard.wrap(rasa)(UserMessage(text, output, sender, input_channel="socketio"))
    # In a thread of its own: the browser tests' Playwright keeps an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, handled).result()
    return [message["text"] for message in output.messages]


def test_socketio_messages_over_the_limit_get_a_polite_reply_and_reach_nobody(fresh_limit):
    rasa = StandInRasa()
    guard = _Guard(count_rate=True)
    assert [send(guard, rasa, f"hi {n}") for n in range(3)] == [["ok"]] * 3
    assert send(guard, rasa, "menu") == [SLOW_DOWN_REPLY]
    assert rasa.received == ["hi 0", "hi 1", "hi 2"]
    assert send(guard, rasa, "menu", sender="ben") == ["ok"]


def test_the_rest_guard_leaves_counting_to_its_middleware(fresh_limit):
    rasa = StandInRasa()
    guard = _Guard(count_rate=False)
    assert [send(guard, rasa, "hi") for _ in range(5)] == [["ok"]] * 5


def test_a_failed_turn_gets_an_answer_and_logs_no_text(fresh_limit, caplog):
    rasa = StandInRasa(error=UnicodeEncodeError("utf-8", "zqSecretText", 0, 1, "surrogates not allowed"))
    with caplog.at_level(logging.INFO):
        assert send(_Guard(count_rate=True), rasa, "zqSecretText") == [TROUBLE_REPLY]
    assert "A socketio message could not be handled: UnicodeEncodeError" in caplog.text
    assert "zqSecretText" not in caplog.text
