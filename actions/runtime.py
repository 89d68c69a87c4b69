"""The tutor the actions use: built once from the environment, or injected by tests."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

from bot.config import Settings
from bot.learning.content import load_content
from bot.store import ProgressStore
from bot.learning.tutor import Tutor

_tutor: Tutor | None = None

# rasa-sdk 3.6 runs an action's `run` on its event loop, so a store call waiting on the disk or on another process's
# write lock would stall every request. Tutor calls run here instead, on one thread: the store's one SQLite
# connection is used by one thread at a time, and writes are serialised anyway by SQLite.
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tutor")

Result = TypeVar("Result")


def configure(tutor: Tutor | None) -> None:
    """Sets the tutor the actions use (tests pass one on an in-memory store; None resets)."""
    global _tutor
    _tutor = tutor


def build_from_settings(settings: Settings) -> Tutor:
    """Loads and validates the content (raises ContentError) and opens the progress store."""
    return Tutor(load_content(settings.content_dir), ProgressStore(settings.db_path))


def tutor() -> Tutor:
    """The configured tutor; built from the environment on first use under a plain `rasa run actions`."""
    global _tutor
    if _tutor is None:
        _tutor = build_from_settings(Settings.from_env())
    return _tutor


async def off_the_event_loop(function: Callable[..., Result], *args: object) -> Result:
    """Runs function(*args) on the tutor thread and waits for it without blocking the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_worker, function, *args)
