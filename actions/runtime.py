"""The tutor the actions use: built once from the environment, or injected by tests."""
from __future__ import annotations

from bot.config import Settings
from bot.content import load_content
from bot.store import ProgressStore
from bot.tutor import Tutor

_tutor: Tutor | None = None


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
