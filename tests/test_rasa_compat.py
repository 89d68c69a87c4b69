"""The Rasa internals we rely on (channels/rasa_compat.py): checked against the pinned Rasa, with an error that names
what moved; patches installed by the channels, not on import; Rasa still calls each name we patch or override;
erasing a conversation raises when it cannot erase."""
from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Coroutine, TypeVar

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.tracker_store import (AwaitableTrackerStore, FailSafeTrackerStore, InMemoryTrackerStore,
                                     SQLTrackerStore, TrackerStore)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from channels import performance, rasa_compat
from channels.guarded import GuardedRestInput
from channels.rasa_compat import RASA_NAMES, ConversationNotErased, IncompatibleRasa

ROOT = Path(__file__).resolve().parent.parent
Result = TypeVar("Result")


def run(coroutine: Coroutine[Any, Any, Result]) -> Result:
    """Runs a coroutine in a thread of its own: the browser tests' Playwright keeps an event loop running here."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


# The check

def test_the_pins_are_the_ones_in_requirements_txt():
    pins = dict(re.findall(r"^(rasa|rasa-sdk)(?:\[\w+\])?==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M))
    assert pins == rasa_compat.PINNED_VERSIONS


def test_every_listed_name_is_in_the_pinned_rasa():
    assert [str(name) for name in RASA_NAMES if not name.is_present()] == []
    rasa_compat.check()


@pytest.mark.parametrize("name", RASA_NAMES, ids=str)
def test_each_listed_name_is_used_where_the_list_says(name):
    assert name.attribute in (ROOT / name.used_in).read_text(encoding="utf-8")


def test_moved_names_are_listed_with_the_version_found_and_what_to_do(monkeypatch):
    monkeypatch.setattr(rasa_compat, "installed_versions", lambda: {"rasa": "3.7.0", "rasa-sdk": "3.6.2"})
    monkeypatch.delattr(RemoteAction, "_validate_action_result")
    monkeypatch.setattr(InMemoryTrackerStore, "__init__", lambda self, domain: None)  # no longer sets `store`
    with pytest.raises(IncompatibleRasa) as raised:
        rasa_compat.check()
    assert str(raised.value) == (
        "Installed: rasa 3.7.0 and rasa-sdk 3.6.2; Pause & Check is built for rasa 3.6.21 and rasa-sdk 3.6.2 "
        "(requirements.txt). 2 of the Rasa internals listed in channels/rasa_compat.py moved:\n"
        "  - rasa.core.actions.action.RemoteAction._validate_action_result (channels/performance.py: replaced: Rasa "
        "checks the schema itself before every action response (27 % of a turn's CPU))\n"
        "  - rasa.core.tracker_store.InMemoryTrackerStore.store (channels/rasa_compat.py: erases a conversation kept "
        "in memory)\n"
        "Install the pinned versions: .venv/bin/pip install -r requirements.txt -c constraints.txt. To upgrade Rasa "
        "instead, find where each name went, update channels/rasa_compat.py and the pins in requirements.txt, and run "
        "tests/test_rasa_compat.py and tests/test_performance.py.")


def test_another_rasa_version_is_refused_even_when_no_name_moved(monkeypatch):
    monkeypatch.setattr(rasa_compat, "installed_versions", lambda: {"rasa": "3.6.22", "rasa-sdk": "3.6.2"})
    with pytest.raises(IncompatibleRasa, match=r"^Installed: rasa 3\.6\.22 and rasa-sdk 3\.6\.2; .* The Rasa "
                                               r"internals listed in channels/rasa_compat\.py are all there, but were "
                                               r"tested with the pinned versions only\.\nInstall the pinned versions"):
        rasa_compat.check()


def test_patches_are_not_assigned_to_a_name_that_moved(monkeypatch):
    monkeypatch.delattr(Event, "resolve_by_type")
    with pytest.raises(IncompatibleRasa, match=r"rasa\.shared\.core\.events\.Event\.resolve_by_type"):
        rasa_compat.install_patches()
    assert not hasattr(Event, "resolve_by_type")


def test_importing_the_channels_installs_nothing_building_their_blueprints_does():
    script = """
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from channels import performance
from channels.guarded import GuardedRestInput, GuardedSocketIOInput
import channels.redis_lock

def installed():
    return (RemoteAction._validate_action_result is performance.validate_action_result,
            isinstance(Event.resolve_by_type, performance.RememberedEventTypes))

print(installed())
GuardedRestInput().blueprint(None)
print(installed())
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ["(False, False)", "(True, True)"]


# Rasa still calls each name we patch or override

class StandInActionServer(EndpointConfig):
    """The action server's endpoint, answering every call with `response`."""

    def __init__(self, response: dict[str, Any]) -> None:
        super().__init__(url="http://actions.invalid/webhook")
        self.response = response

    async def request(self, **_: Any) -> dict[str, Any]:
        return json.loads(json.dumps(self.response))


def test_rasa_validates_action_responses_with_ours(monkeypatch):
    rasa_compat.install_patches()
    assert RemoteAction._validate_action_result is performance.validate_action_result
    validated = []

    def spy(action: RemoteAction, result: dict[str, Any]) -> bool:
        validated.append(result)
        return performance.validate_action_result(action, result)

    monkeypatch.setattr(RemoteAction, "_validate_action_result", spy)
    response = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": []}
    action = RemoteAction("action_x", StandInActionServer(response))
    events = run(action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}),
                            DialogueStateTracker("ana", []), Domain.empty()))
    assert validated == [response] and events == [SlotSet("x", 1)]


def test_rasa_reads_stored_events_with_ours(monkeypatch):
    rasa_compat.install_patches()
    ours = Event.resolve_by_type
    assert isinstance(ours, performance.RememberedEventTypes)
    looked_up = []

    def spy(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        looked_up.append(type_name)
        return ours(type_name, default)

    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(spy))
    store = InMemoryTrackerStore(Domain.empty())
    run(store.save(DialogueStateTracker.from_events("ana", [UserUttered("hi"), BotUttered("hello")])))
    assert [type(event) for event in run(store.retrieve("ana")).events] == [UserUttered, BotUttered]
    assert looked_up == ["user", "bot"]


def test_rasas_rest_channel_asks_ours_for_the_channel_name_and_returns_the_collected_card():
    received: list[UserMessage] = []
    card = {"text": "The post", "buttons": [], "custom": {"type": "practice_post"}}

    async def rasa(message: UserMessage) -> None:
        received.append(message)
        await message.output_channel.send_response(message.sender_id, card)

    blueprint = GuardedRestInput().blueprint(rasa)
    # Sanic keeps a blueprint's routes here until an app registers it; calling the handler needs no server.
    receive = next(route.handler for route in blueprint._future_routes if route.uri == "/webhook")
    request = SimpleNamespace(json={"sender": "ana", "message": "next", "input_channel": "relabelled"}, args={})
    response = run(receive(request))
    assert [message.input_channel for message in received] == ["rest"]
    assert json.loads(response.body) == [{"recipient_id": "ana", **card}]


class RecordingLockStore(InMemoryLockStore):
    """Notes each call Rasa makes to the methods channels/redis_lock.py overrides."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        self.calls.append("issue_ticket")
        return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        self.calls.append("update_lock")
        super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self.calls.append("cleanup")
        super().cleanup(conversation_id, ticket_number)


def test_rasas_lock_calls_each_method_our_redis_lock_store_overrides():
    store = RecordingLockStore()

    async def turn() -> None:
        async with store.lock("ana", wait_time_in_seconds=0.01):
            await asyncio.sleep(0.05)

    async def two_turns_at_once() -> None:
        await asyncio.gather(turn(), turn())  # the second waits, updating the lock

    run(two_turns_at_once())
    assert set(store.calls) == {name.attribute for name in RASA_NAMES if name.owner == "LockStore"}


# The tracker-store helpers

def sql_store(tmp_path: Path) -> SQLTrackerStore:
    return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))


def save_conversations(store: TrackerStore, *senders: str) -> None:
    for sender in senders:
        run(store.save(DialogueStateTracker.from_events(sender, [UserUttered("hi"), BotUttered("hello")])))


def as_rasa_wraps_it(store: TrackerStore) -> TrackerStore:
    return AwaitableTrackerStore(FailSafeTrackerStore(store))


@pytest.mark.parametrize("kind", ["in-memory", "sql"])
def test_erasing_a_conversation_keeps_the_others(tmp_path, kind):
    store = as_rasa_wraps_it(InMemoryTrackerStore(Domain.empty()) if kind == "in-memory" else sql_store(tmp_path))
    save_conversations(store, "learner-erase", "learner-keep")
    run(rasa_compat.erase_conversation(store, "learner-erase"))
    assert run(store.retrieve("learner-erase")) is None
    assert run(store.retrieve("learner-keep")) is not None


def test_erasing_from_a_store_we_cannot_erase_from_raises():
    class ElsewhereTrackerStore(TrackerStore):
        """A store of a kind the channel does not know how to erase from."""

    with pytest.raises(ConversationNotErased) as raised:
        run(rasa_compat.erase_conversation(as_rasa_wraps_it(ElsewhereTrackerStore(Domain.empty())), "ana"))
    assert str(raised.value) == (
        "Conversation 'ana' is still stored: erasing is supported from SQL, Redis and in-memory tracker stores, not "
        "from ElsewhereTrackerStore (tracker_store in endpoints.yml).")


def test_erasing_from_a_failing_store_raises(tmp_path):
    store = sql_store(tmp_path)
    save_conversations(store, "ana")
    with store.engine.connect() as connection:
        connection.exec_driver_sql("DROP TABLE events")
    with pytest.raises(ConversationNotErased) as raised:
        run(rasa_compat.erase_conversation(as_rasa_wraps_it(store), "ana"))
    assert str(raised.value) == (
        "Conversation 'ana' is still stored: the SQLTrackerStore failed (OperationalError: (sqlite3.OperationalError) "
        "no such table: events). Delete its events by hand, or ask the learner to say \"delete my data\" again.")
    assert raised.value.__cause__ is not None


def test_recent_messages_are_read_from_sql_only(tmp_path):
    store = sql_store(tmp_path)
    run(store.save(DialogueStateTracker.from_events("ana", [UserUttered("1"), BotUttered("2"), SlotSet("x", 1),
                                                            UserUttered("3")])))
    messages = rasa_compat.recent_messages(as_rasa_wraps_it(store), "ana", limit=2)
    assert [(type(message), message.text) for message in messages] == [(BotUttered, "2"), (UserUttered, "3")]
    assert rasa_compat.recent_messages(InMemoryTrackerStore(Domain.empty()), "ana", limit=2) is None
