"""The Rasa speed-ups (channels/performance.py, installed by channels/rasa_compat.py) behave as Rasa's originals; the
bench's own arithmetic."""
from __future__ import annotations

import gc
import sqlite3

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bench.load import percentile
from channels import performance, rasa_compat


@pytest.fixture(autouse=True, scope="module")
def speed_ups() -> None:
    rasa_compat.install_patches()


@pytest.mark.parametrize("type_name", sorted({cls.type_name for cls in all_subclasses(Event)}))
def test_cached_event_types_are_rasas(type_name):
    assert Event.resolve_by_type(type_name) is Event.resolve_by_type.original(type_name)
    assert Event.resolve_by_type(type_name) is Event.resolve_by_type.original(type_name)  # from the cache


def test_unknown_event_types_still_fail_or_default():
    with pytest.raises(ValueError, match="Unknown event name 'nonsense'"):
        Event.resolve_by_type("nonsense")
    assert Event.resolve_by_type("nonsense", default=Event) is Event


@pytest.mark.parametrize("response", [
    {"events": "not a list", "responses": []},
    {"events": [{"no_event_key": 1}], "responses": []},
    {"events": [], "responses": "nope"},
])
def test_action_responses_are_validated_as_rasa_does(response):
    with pytest.raises(jsonschema.ValidationError) as ours:
        RemoteAction("action_x", None)._validate_action_result(response)
    with pytest.raises(jsonschema.ValidationError) as rasas:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    assert ours.value.message.startswith(rasas.value.message)


def test_valid_action_response_passes():
    response = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hi"}]}
    assert RemoteAction("action_x", None)._validate_action_result(response)


def test_sqlite_tracker_store_switches_to_wal(tmp_path):
    store = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
    performance.use_wal(rasa_compat.sql_engine(store))
    performance.use_wal(rasa_compat.sql_engine(store))  # both input channels call it; once is enough
    with store.session_scope() as session:
        assert session.execute("PRAGMA synchronous").scalar() == 1  # NORMAL
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 1.0)) == (50.0, 95.0, 100.0)
    assert percentile([3.0], 0.99) == 3.0


def test_loaded_objects_leave_the_cycle_collector():
    loaded = [[index] for index in range(1000)]
    performance.freeze_loaded_objects()
    try:
        assert gc.get_freeze_count() >= len(loaded)
    finally:
        gc.unfreeze()
