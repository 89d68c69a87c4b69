"""Settings read from the environment, with every default written out, and the readers every `from_env` uses."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "progress.db"
DEFAULT_CONTENT_DIR = PROJECT_ROOT / "quizzes"
DEFAULT_MAX_MESSAGE_CHARS = 1000
DEFAULT_SPACY_MODEL_DIR = PROJECT_ROOT / "build" / "spacy" / "pause_check_en"
SYNONYMS_FILE = PROJECT_ROOT / "data" / "nlu" / "synonyms.yml"


def positive_whole_number(environ: Mapping[str, str], name: str, default: int) -> int:
    """The variable `name` as a whole number of 1 or more, `default` when unset. Raises ValueError naming it."""
    value = environ.get(name, str(default))
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r} (default {default}).")
    return int(value)


def positive_number(environ: Mapping[str, str], name: str, default: float) -> float:
    """The variable `name` as a finite number above 0 (1, 0.5), `default` when unset. Raises ValueError naming it."""
    value = environ.get(name, str(default))
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not 0 < number < math.inf:
        raise ValueError(f"{name} must be a positive number such as 1 or 0.5, got {value!r} (default {default:g}).")
    return number


@dataclass(frozen=True)
class Settings:
    """Runtime settings.

    db_path (Path): SQLite progress store (env PAUSECHECK_DB).
    content_dir (Path): folder with the content YAML files (env PAUSECHECK_CONTENT_DIR).
    max_message_chars (int): longest learner message passed to NLU (env PAUSECHECK_MAX_MESSAGE_CHARS).
    """

    db_path: Path = DEFAULT_DB_PATH
    content_dir: Path = DEFAULT_CONTENT_DIR
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        return cls(
            db_path=Path(environ.get("PAUSECHECK_DB", str(DEFAULT_DB_PATH))),
            content_dir=Path(environ.get("PAUSECHECK_CONTENT_DIR", str(DEFAULT_CONTENT_DIR))),
            max_message_chars=positive_whole_number(environ, "PAUSECHECK_MAX_MESSAGE_CHARS",
                                                    DEFAULT_MAX_MESSAGE_CHARS),
        )
