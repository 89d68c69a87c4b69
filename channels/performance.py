"""Speed-ups for the Rasa server, found by profiling `make bench` (py-spy on `rasa run`).

With one learner and no think time, a turn cost about 150 ms of the Rasa server's CPU, and two pure functions that
Rasa 3.6 runs on every message took about half of it:
- RemoteAction._validate_action_result calls jsonschema.validate, which checks the *schema* itself against the JSON
  Schema meta-schema before every action server response (27 % of the CPU). The schema is a constant: check it once
  and keep the validator.
- Event.resolve_by_type walks every Event subclass, testing each with inspect.isabstract, for every event of every
  tracker read from the tracker store (20 %). Event type names never change while the server runs: remember them.

Both keep Rasa's behaviour (same validation, same errors, same classes). channels/rasa_compat.py installs them when
the input channels build their blueprints, before the server takes requests, once it has checked that Rasa still has
both names; tests/test_performance.py checks both against Rasa's originals.

Then about a sixth of a turn went to committing the SQLite tracker store in its default rollback-journal mode
(several fsyncs per turn, with the event loop waiting): `use_wal` switches it to WAL with synchronous=NORMAL. A
crash of the process loses nothing; a power cut may lose the last turns of conversations, never the file's
consistency. Learner progress lives in the progress store, which keeps full synchronous commits.

The slowest 1 % of turns took seconds: with the model loaded the server holds about 800,000 Python objects, and
each full pass of the cycle collector, which Python starts now and then as a turn allocates, walks all of them
(0.44 s on an idle machine, with the event loop waiting). `freeze_loaded_objects` moves everything alive once the
server has started into the collector's permanent generation: the model lives as long as the server anyway.
"""
from __future__ import annotations

import functools
import gc
from typing import Any, Callable, Optional, Type

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from sqlalchemy import event
from sqlalchemy.engine import Engine
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event

ResolveByType = Callable[[str, Optional[Type[Event]]], Optional[Type[Event]]]


@functools.lru_cache(maxsize=None)
def _action_response_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with the validator built once (jsonschema.validate, minus the check of
    the schema itself): the same best-matching error, with Rasa's hint appended."""
    error: Optional[ValidationError] = best_match(_action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (". Failed to validate Action server response from API, make sure your response from the "
                      "Action endpoint is valid.")
    raise error


class RememberedEventTypes:
    """Event.resolve_by_type, remembering each class found (unknown names still go to Rasa's own lookup)."""

    def __init__(self, original: ResolveByType) -> None:
        self.original = original  # Rasa's
        self._found: dict[str, Type[Event]] = {}

    def __call__(self, type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
        found = self._found.get(type_name)
        if found is None:
            found = self.original(type_name, default)
            if found is not None and found is not default:
                self._found[type_name] = found
        return found


def _wal_pragmas(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def use_wal(engine: Engine) -> None:
    """Puts a SQLite database in WAL mode with synchronous=NORMAL (other databases are left alone)."""
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _wal_pragmas):
        return
    event.listen(engine, "connect", _wal_pragmas)
    engine.dispose()  # connections opened before this reconnect with the pragmas


def freeze_loaded_objects() -> None:
    """Exempts every object alive now (the loaded model, once the server has started) from cycle collection."""
    gc.collect()
    gc.freeze()
