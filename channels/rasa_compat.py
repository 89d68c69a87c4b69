"""Every Rasa internal this project relies on, in one place: listed with why, checked at start-up, patched on request.

Rasa 3.6 has no public hook for some of what we need: the speed-ups of channels/performance.py, reading a learner's
latest messages without loading the whole conversation, erasing a conversation ("delete my data"). Those use names
Rasa does not document, which an upgrade may move; then the speed-ups would silently stop, or a conversation would
stay stored after the learner was told it is deleted. So:
- RASA_NAMES lists each such name with where and why we use it: private names, attributes Rasa sets on its own
  objects, functions we replace, methods we override that only Rasa's own code calls, and undocumented functions the
  NLU harness and the action server's launcher import. Documented extension points are not listed: custom channels
  (InputChannel, OutputChannel, UserMessage), custom lock stores (LockStore, TicketLock), the Agent, trackers and
  events, rasa_sdk's actions.
- `check()` verifies each name, and the installed versions against the pins in requirements.txt, and raises one
  IncompatibleRasa naming every name that moved and what to do. The input channels call it when Rasa builds their
  blueprints, before the server takes requests; so do the Redis lock store and scripts/nlu_eval.py.
- `install_patches()` puts the speed-ups in place when the channels call it, never on import.
- The functions at the end are the only code that reaches into Rasa's tracker stores, its server and the REST
  channel's output. tests/test_rasa_compat.py proves Rasa still calls each name we patch or override.
"""
from __future__ import annotations

import dis
import functools
import importlib
import json
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.events import BotUttered, Event, UserUttered
from sanic import Sanic
from sqlalchemy.engine import Engine

from channels import performance

# The versions requirements.txt pins (tests/test_rasa_compat.py keeps them equal); RASA_NAMES holds for these.
PINNED_VERSIONS = {"rasa": "3.6.21", "rasa-sdk": "3.6.2"}


@dataclass(frozen=True)
class RasaName:
    """`attribute` of `owner`, a class or function in `module` (dotted when nested, empty for the module itself).

    set_by_owner: an attribute only instances have, which the owner's code assigns (a class's: its __init__); it is
    looked for in that code, since checking an instance would mean building one.
    """

    module: str
    owner: str
    attribute: str
    used_in: str
    why: str
    set_by_owner: bool = False

    def __str__(self) -> str:
        return ".".join(part for part in (self.module, self.owner, self.attribute) if part)

    def is_present(self) -> bool:
        try:
            owner = functools.reduce(getattr, filter(None, self.owner.split(".")), importlib.import_module(self.module))
        except (ImportError, AttributeError):
            return False
        if not self.set_by_owner:
            return hasattr(owner, self.attribute)
        try:
            instructions = dis.get_instructions(owner.__init__ if isinstance(owner, type) else owner)
            return any(step.opname == "STORE_ATTR" and step.argval == self.attribute for step in instructions)
        except TypeError:  # no Python code to read (an __init__ inherited from object)
            return False


_ACTION, _EVENTS, _REST = "rasa.core.actions.action", "rasa.shared.core.events", "rasa.core.channels.rest"
_CHANNEL, _LOCKS, _STORES = "rasa.core.channels.channel", "rasa.core.lock_store", "rasa.core.tracker_store"
_HERE, _GUARDED, _LOCK, _NLU_EVAL = ("channels/rasa_compat.py", "channels/guarded.py", "channels/redis_lock.py",
                                     "scripts/nlu_eval.py")

RASA_NAMES: tuple[RasaName, ...] = (
    # Replaced by install_patches() with the faster equivalents in channels/performance.py.
    RasaName(_ACTION, "RemoteAction", "_validate_action_result", "channels/performance.py",
             "replaced: Rasa checks the schema itself before every action response (27 % of a turn's CPU)"),
    RasaName(_ACTION, "RemoteAction", "action_response_format_spec", "channels/performance.py",
             "the action response schema our validator is built from, once"),
    RasaName(_EVENTS, "Event", "resolve_by_type", "channels/performance.py",
             "replaced: Rasa searches every Event subclass for every event it reads (20 % of a turn's CPU)"),
    # Overridden; only Rasa's own code calls them.
    RasaName(_REST, "RestInput", "_extract_input_channel", _GUARDED,
             "overridden: the channel name comes from the URL, so a client cannot relabel its messages"),
    RasaName(_LOCKS, "LockStore", "issue_ticket", _LOCK,
             "overridden with a Redis transaction; LockStore.lock calls it"),
    RasaName(_LOCKS, "LockStore", "update_lock", _LOCK,
             "overridden with a Redis transaction; LockStore.lock calls it while a turn waits"),
    RasaName(_LOCKS, "LockStore", "cleanup", _LOCK,
             "overridden with a Redis transaction; LockStore.lock calls it when a turn ends"),
    RasaName(_LOCKS, "RedisLockStore", "red", _LOCK,
             "the Redis client the lock transactions run on", set_by_owner=True),
    RasaName(_LOCKS, "RedisLockStore", "key_prefix", _LOCK,
             "Rasa's lock keys, kept as they are", set_by_owner=True),
    # Read or written by the input channels.
    RasaName("rasa.core.run", "load_agent_on_start", "agent", _HERE,
             "app.ctx.agent: the agent `rasa run` loaded, for its tracker and lock stores", set_by_owner=True),
    RasaName(_CHANNEL, "CollectingOutputChannel", "messages", _HERE,
             "what the REST channel returns: a card goes in as one message (send_response would split it)",
             set_by_owner=True),
    RasaName(_STORES, "AwaitableTrackerStore", "_tracker_store", _HERE,
             "the store Rasa wraps, to reach the SQL one", set_by_owner=True),
    RasaName(_STORES, "FailSafeTrackerStore", "_tracker_store", _HERE,
             "the store Rasa wraps, to reach the SQL one", set_by_owner=True),
    RasaName(_STORES, "SQLTrackerStore", "engine", _HERE,
             "the SQLite tracker store is switched to WAL", set_by_owner=True),
    RasaName(_STORES, "SQLTrackerStore", "session_scope", _HERE,
             "reads a learner's latest messages only; erases a conversation"),
    RasaName(_STORES, "SQLTrackerStore", "SQLEvent", _HERE, "the events table"),
    *(RasaName(_STORES, "SQLTrackerStore.SQLEvent", column, _HERE, "a column of the events table")
      for column in ("id", "sender_id", "type_name", "data")),
    RasaName(_STORES, "RedisTrackerStore", "red", _HERE,
             "erases a conversation kept in Redis", set_by_owner=True),
    RasaName(_STORES, "RedisTrackerStore", "key_prefix", _HERE,
             "the Redis key of a conversation", set_by_owner=True),
    RasaName(_STORES, "InMemoryTrackerStore", "store", _HERE,
             "erases a conversation kept in memory", set_by_owner=True),
    # Undocumented functions imported by the NLU harness and the action server's launcher.
    RasaName("rasa.nlu.test", "", "run_evaluation", _NLU_EVAL, "Rasa's NLU reports on one split"),
    RasaName("rasa.nlu.classifiers.fallback_classifier", "", "is_fallback_classifier_prediction", _NLU_EVAL,
             "recognises a fallback prediction"),
    RasaName("rasa.nlu.classifiers.fallback_classifier", "", "undo_fallback_prediction", _NLU_EVAL,
             "scores the classifier with the fallback undone, as Rasa's reports do"),
    RasaName("rasa.shared.nlu.training_data.loading", "", "load_data", _NLU_EVAL, "reads the NLU splits"),
    RasaName("rasa.utils.common", "", "configure_logging_and_warnings", _NLU_EVAL, "Rasa's logs, as `rasa` sets them"),
    RasaName("rasa.utils.log_utils", "", "configure_structlog", _NLU_EVAL, "Rasa's logs, as `rasa` sets them"),
    RasaName("rasa_sdk.__main__", "", "main_from_args", "actions/__main__.py",
             "starts the action server once our content has loaded"),
    RasaName("rasa_sdk.endpoint", "", "create_argument_parser", "actions/__main__.py",
             "the options of `rasa run actions`"),
)


class IncompatibleRasa(RuntimeError):
    """The installed Rasa is not the pinned one, or internals we rely on moved (`moved`)."""

    def __init__(self, installed: dict[str, str], moved: list[RasaName]) -> None:
        self.installed, self.moved = installed, moved
        found = " and ".join(f"{name} {version}" for name, version in installed.items())
        pinned = " and ".join(f"{name} {version}" for name, version in PINNED_VERSIONS.items())
        listed = "".join(f"\n  - {name} ({name.used_in}: {name.why})" for name in moved)
        moves = (f"{len(moved)} of the Rasa internals listed in channels/rasa_compat.py moved:{listed}" if moved else
                 "The Rasa internals listed in channels/rasa_compat.py are all there, but were tested with the pinned "
                 "versions only.")
        super().__init__(
            f"Installed: {found}; Pause & Check is built for {pinned} (requirements.txt). {moves}\n"
            "Install the pinned versions: .venv/bin/pip install -r requirements.txt -c constraints.txt. To upgrade "
            "Rasa instead, find where each name went, update channels/rasa_compat.py and the pins in requirements.txt, "
            "and run tests/test_rasa_compat.py and tests/test_performance.py.")


class ConversationNotErased(RuntimeError):
    """A conversation's history could not be deleted from the tracker store: it is still stored."""


def installed_versions() -> dict[str, str]:
    """The installed version of each pinned distribution."""
    versions = {}
    for name in PINNED_VERSIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "(not installed)"
    return versions


def check() -> None:
    """Raises IncompatibleRasa unless the pinned versions are installed and every name in RASA_NAMES is there."""
    installed = installed_versions()
    moved = [name for name in RASA_NAMES if not name.is_present()]
    if moved or installed != PINNED_VERSIONS:
        raise IncompatibleRasa(installed, moved)


def install_patches() -> None:
    """Puts the speed-ups of channels/performance.py in place of Rasa's originals, after check(): a replacement
    assigned to a name Rasa no longer calls would do nothing, silently. Calling it again changes nothing."""
    check()
    RemoteAction._validate_action_result = performance.validate_action_result
    if not isinstance(Event.resolve_by_type, performance.RememberedEventTypes):
        Event.resolve_by_type = staticmethod(performance.RememberedEventTypes(Event.resolve_by_type))


def loaded_agent(app: Sanic) -> Agent | None:
    """The agent `rasa run` loaded (model, tracker store, lock store), or None before the server has started."""
    return getattr(app.ctx, "agent", None)


def add_collected_message(output: CollectingOutputChannel, message: dict[str, Any]) -> None:
    """Adds `message`, as it is, to the messages Rasa's REST channel returns for this turn."""
    output.messages.append(message)


def configured_tracker_store(tracker_store: TrackerStore) -> TrackerStore:
    """The store endpoints.yml configures, out of the wrappers Rasa puts around it (awaitable, fail-safe)."""
    while hasattr(tracker_store, "_tracker_store"):
        tracker_store = tracker_store._tracker_store
    return tracker_store


def sql_engine(tracker_store: TrackerStore) -> Engine | None:
    """The SQL tracker store's database engine; None for other stores."""
    store = configured_tracker_store(tracker_store)
    return store.engine if isinstance(store, SQLTrackerStore) else None


def recent_messages(tracker_store: TrackerStore, sender_id: str, *, limit: int) -> list[Event] | None:
    """The conversation's latest `limit` learner and bot messages, oldest first, queried from a SQL tracker store
    (loading the whole conversation costs as much as the rest of a turn, and grows with it); None for other stores."""
    store = configured_tracker_store(tracker_store)
    if not isinstance(store, SQLTrackerStore):
        return None
    table = store.SQLEvent
    with store.session_scope() as session:
        rows = (session.query(table.data)
                .filter(table.sender_id == sender_id, table.type_name.in_((UserUttered.type_name,
                                                                           BotUttered.type_name)))
                .order_by(table.id.desc()).limit(limit).all())
    return [Event.from_parameters(json.loads(data)) for (data,) in reversed(rows)]


async def erase_conversation(tracker_store: TrackerStore, sender_id: str) -> None:
    """Deletes every stored event of one conversation (Rasa 3.6 tracker stores have no delete call).

    Raises ConversationNotErased when the conversation is still stored: the store is of a kind we cannot erase from,
    or it failed.
    """
    store = configured_tracker_store(tracker_store)
    kind = type(store).__name__
    if not isinstance(store, (SQLTrackerStore, RedisTrackerStore, InMemoryTrackerStore)):
        raise ConversationNotErased(
            f"Conversation {sender_id!r} is still stored: erasing is supported from SQL, Redis and in-memory tracker "
            f"stores, not from {kind} (tracker_store in endpoints.yml).")
    try:
        if isinstance(store, SQLTrackerStore):
            with store.session_scope() as session:
                session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender_id).delete()
                session.commit()
        elif isinstance(store, RedisTrackerStore):
            store.red.delete(store.key_prefix + sender_id)
        else:
            store.store.pop(sender_id, None)
    except Exception as error:  # whatever the database or Redis raised, the conversation is still there
        reason = str(error).splitlines()[0] if str(error) else "no message"  # SQLAlchemy adds the SQL on more lines
        raise ConversationNotErased(
            f"Conversation {sender_id!r} is still stored: the {kind} failed ({type(error).__name__}: {reason}). "
            "Delete its events by hand, or ask the learner to say \"delete my data\" again.") from error
