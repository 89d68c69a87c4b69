"""What every content loader shares: a collector of located problems, and a YAML reader that reports instead of
raising. Loaders record every problem in a file and raise one ContentError at the end (see bot.learning.content)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_FEEDBACK = 300  # characters of any feedback text


class Problems:
    """Collects located problems for one file."""

    def __init__(self, file_label: str) -> None:
        self.file_label = file_label
        self.items: list[str] = []

    def add(self, location: str, message: str) -> None:
        self.items.append(f"{self.file_label}: {location}: {message}" if location else f"{self.file_label}: {message}")

    def text(self, data: dict[str, Any], key: str, location: str, *, max_length: int | None = None) -> str:
        """Returns data[key] if it is a non-empty string within max_length, else records a problem and returns ''."""
        where = f"{location}: {key}" if location else key
        if key not in data:
            self.add(location, f"missing required key `{key}`")
            return ""
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            self.add(location, f"`{key}` must be non-empty text, got {value!r}")
            return ""
        value = value.strip()
        if max_length is not None and len(value) > max_length:
            self.add(where, f"is {len(value)} characters; the limit is {max_length}, shorten it")
        return value

    def feedback(self, data: dict[str, Any], keys: tuple[str, ...], location: str) -> dict[str, str]:
        """The `feedback` mapping with a text for each of `keys` ({} when it is missing)."""
        if "feedback" not in data:
            self.add(location, f"missing required key `feedback` (a mapping with {', '.join(keys)})")
            return {}
        feedback = self.mapping(data["feedback"], f"{location}: feedback")
        return {key: self.text(feedback, key, f"{location}: feedback", max_length=MAX_FEEDBACK) for key in keys}

    def url(self, data: dict[str, Any], key: str, location: str, *, required: bool = True) -> str | None:
        if key not in data and not required:
            return None
        value = self.text(data, key, location)
        if value and (not value.startswith("https://") or any(ch.isspace() for ch in value)):
            self.add(location, f"`{key}` must be one https:// link, got {value!r}")
        return value or None

    def mapping(self, value: Any, location: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.add(location, f"must be a mapping of keys to values, got {type(value).__name__}")
            return {}
        return value

    def sequence(self, data: dict[str, Any], key: str, location: str) -> list[Any]:
        value = data.get(key)
        where = f"{location}: {key}" if location else key
        if not isinstance(value, list) or not value:
            self.add(where if key in data else location,
                     "must be a non-empty list" if key in data else f"missing required key `{key}` (a list)")
            return []
        return value

    def messages(self, data: dict[str, Any], location: str) -> tuple[str, ...]:
        items = self.sequence(data, "messages", location)
        texts = []
        for index, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                self.add(f"{location}.messages[{index}]", "must be non-empty text")
            else:
                texts.append(item.strip())
        return tuple(texts)


def read_yaml(path: Path, problems: Problems) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problems.add(where, f"is not valid YAML ({getattr(error, 'problem', error)})")
    except UnicodeDecodeError:
        problems.add("", "is not UTF-8 text; save it as UTF-8")
    return None
