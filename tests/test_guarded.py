"""The input channels' guard without a server: the rate limit, failed turns, the safety net and "delete my data", with
a stand-in for Rasa."""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Coroutine, TypeVar

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from channels.inbound import TROUBLE_REPLY
from channels.message_rate import SLOW_DOWN_REPLY
from channels.guarded import DATA_DELETED_RESPONSE, ERASE_FAILED_REPLY, OnNewMessage, _Guard, sender_limiter

Result = TypeVar("Result")


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


def thread_run(coroutine: Coroutine[Any, Any, Result]) -> Result:
    """Runs a coroutine in a thread of its own: the browser tests' Playwright keeps an event loop running here."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def send(guard: _Guard, rasa: OnNewMessage, text: str, sender: str = "ana") -> list[str]:
    output = CollectingOutputChannel()
    thread_run(guard.wrap(rasa)(UserMessage(text, output, sender, input_channel="socketio")))
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


# The safety net: a message that sounds like the writer's own images are shared or threatened, which NLU read as
# something else, gets one more message whose button opens support, recorded so the button counts as offered.

class StandInAgent:
    """What the guard uses of Rasa's agent: a tracker store and a lock store, in memory."""

    def __init__(self) -> None:
        from rasa.core.lock_store import InMemoryLockStore
        from rasa.core.tracker_store import InMemoryTrackerStore
        from rasa.shared.core.domain import Domain

        self.tracker_store = InMemoryTrackerStore(Domain.empty())
        self.lock_store = InMemoryLockStore()


class StandInNlu(StandInRasa):
    """Reads every message as `intent` and records the turn in the agent's tracker store, as Rasa does."""

    def __init__(self, agent: StandInAgent, intent: str, *, active_loop: str | None = None) -> None:
        super().__init__()
        self.agent, self.intent, self.active_loop = agent, intent, active_loop

    async def __call__(self, message: UserMessage) -> None:
        from rasa.shared.core.events import ActiveLoop, BotUttered, UserUttered

        tracker = await self.agent.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, intent={"name": self.intent, "confidence": 0.9}))
        if self.active_loop:
            tracker.update(ActiveLoop(self.active_loop))
        tracker.update(BotUttered("ok", {"buttons": [{"title": "A) Stop", "payload": "/answer{\"option\":\"a\"}"}]}))
        await self.agent.tracker_store.save(tracker)
        await super().__call__(message)


def guard_with(agent: StandInAgent) -> _Guard:
    guard = _Guard(count_rate=False)
    guard.app = type("App", (), {"ctx": type("Ctx", (), {"agent": agent})()})()
    return guard


def offered(agent: StandInAgent, sender: str = "ana") -> set[str]:
    from channels.guarded import offered_payloads

    return thread_run(offered_payloads(agent.tracker_store, sender))


def test_safety_net_offers_help_when_nlu_read_something_else(fresh_limit):
    agent = StandInAgent()
    guard = guard_with(agent)
    replies = send(guard, StandInNlu(agent, "out_of_scope"), "my ex is threatening to post my nudes")
    assert replies == ["ok", guard.safety_net.text]
    assert offered(agent) == {"/answer{\"option\":\"a\"}", "/affected"}  # the quiz button and the net's button


@pytest.mark.parametrize("text, intent, active_loop", [
    ("my ex is threatening to post my nudes", "affected", None),  # NLU got it: support answers
    ("my ex is threatening to post my nudes", "answer", "support_form"),  # a support question is waiting
    ("how do i post a video on my story", "out_of_scope", None),  # no cue
])
def test_safety_net_stays_quiet_otherwise(fresh_limit, text, intent, active_loop):
    agent = StandInAgent()
    assert send(guard_with(agent), StandInNlu(agent, intent, active_loop=active_loop), text) == ["ok"]
    assert "/affected" not in offered(agent)


def test_a_card_stays_one_rest_message_with_its_text_and_buttons(fresh_limit):
    card = {"type": "practice_post", "question": "p1"}
    buttons = [{"title": "Check the account", "payload": '/practice_move{"move":"account","question":"p1"}'}]

    async def rasa(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "The post", "buttons": buttons,
                                                                      "custom": card})

    output = CollectingOutputChannel()
    thread_run(_Guard(count_rate=False).wrap(rasa)(UserMessage("next", output, "ana", input_channel="rest")))
    assert output.messages == [{"recipient_id": "ana", "text": "The post", "buttons": buttons, "custom": card}]


# "Delete my data": the bot's "deleted" reply goes out once the conversation history is erased too.

async def confirm_deletion(message: UserMessage) -> None:
    """As Rasa answers a confirmed "delete my data" (action_delete_data has deleted the progress)."""
    await message.output_channel.send_response(message.sender_id, {"text": "Done: deleted.",
                                                                   "utter_action": DATA_DELETED_RESPONSE})


def test_delete_my_data_erases_the_history_then_confirms(fresh_limit):
    agent = StandInAgent()
    send(guard_with(agent), StandInNlu(agent, "greet"), "hi")
    assert send(guard_with(agent), confirm_deletion, "yes") == ["Done: deleted."]
    assert thread_run(agent.tracker_store.retrieve("ana")) is None


def test_delete_my_data_that_cannot_erase_says_so_and_logs_why(fresh_limit, caplog):
    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain

    class ElsewhereTrackerStore(TrackerStore):
        """A store of a kind the channel does not know how to erase from."""

    agent = StandInAgent()
    agent.tracker_store = ElsewhereTrackerStore(Domain.empty())
    with caplog.at_level(logging.ERROR):
        assert send(guard_with(agent), confirm_deletion, "yes") == [ERASE_FAILED_REPLY]
    assert ('"Delete my data" did not complete: Conversation \'ana\' is still stored: erasing is supported from SQL, '
            "Redis and in-memory tracker stores, not from ElsewhereTrackerStore") in caplog.text
