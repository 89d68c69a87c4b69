"""Settings read from the environment, with every default written out."""
from __future__ import annotations

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
        max_chars = environ.get("PAUSECHECK_MAX_MESSAGE_CHARS", str(DEFAULT_MAX_MESSAGE_CHARS))
        if not max_chars.isdigit() or int(max_chars) < 1:
            raise ValueError(
                f"PAUSECHECK_MAX_MESSAGE_CHARS must be a positive whole number, got {max_chars!r}."
            )
        return cls(
            db_path=Path(environ.get("PAUSECHECK_DB", str(DEFAULT_DB_PATH))),
            content_dir=Path(environ.get("PAUSECHECK_CONTENT_DIR", str(DEFAULT_CONTENT_DIR))),
            max_message_chars=int(max_chars),
        )
