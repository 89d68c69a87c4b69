"""The chat's own words around the lessons (quizzes/wording.yml): button titles, and the phrases the actions put
into domain.yml's responses. Whole replies are responses in domain.yml; lessons, quizzes and support are content."""
from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from bot.learning.validation import Problems

BUTTONS = (
    "menu", "progress", "review", "start_booster", "start_module", "continue", "continue_later", "next",
    "skip_lessons", "skip_question", "stop", "check_content", "report_howto", "delete_everything", "keep_progress",
)
PHRASES = ("type_answer", "more_due", "next_review", "official_help", "score", "your_answer", "practice_hint")
# The {fields} a text must use, filled in by the action; every other text uses none.
FIELDS = {"start_module": {"title"}, "next_review": {"date"}, "official_help": {"url"}, "score": {"correct", "reached"}}
MAX_BUTTON_TITLE = 40


@dataclass(frozen=True)
class Wording:
    buttons: dict[str, str]  # BUTTONS -> title
    phrases: dict[str, str]  # PHRASES -> text

    def button(self, key: str, **fields: object) -> str:
        return self.buttons[key].format(**fields)

    def phrase(self, key: str, **fields: object) -> str:
        return self.phrases[key].format(**fields)


def parse_wording(raw: Any, problems: Problems) -> Wording | None:
    data = problems.mapping(raw, "")
    if not data:
        return None
    buttons = _texts(problems.mapping(data.get("buttons", {}), "buttons"), BUTTONS, "buttons", problems,
                     max_length=MAX_BUTTON_TITLE)
    phrases = _texts(problems.mapping(data.get("phrases", {}), "phrases"), PHRASES, "phrases", problems)
    if problems.items:
        return None
    return Wording(buttons=buttons, phrases=phrases)


def _texts(data: dict[str, Any], keys: tuple[str, ...], location: str, problems: Problems, *,
           max_length: int | None = None) -> dict[str, str]:
    for unknown in sorted(set(data) - set(keys)):
        problems.add(location, f"unknown key `{unknown}`; keys: {', '.join(keys)}")
    texts = {key: problems.text(data, key, location, max_length=max_length) for key in keys}
    for key, text in texts.items():
        expected = FIELDS.get(key, set())
        try:
            used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError:  # a lone { or }
            used = None
        if text and used != expected:
            rule = (f"must use {', '.join(f'{{{name}}}' for name in sorted(expected))} and no other {{field}}"
                    if expected else "takes no {field}")
            problems.add(f"{location}.{key}", f"{rule}; write a literal brace as {{{{ or }}}}")
    return texts
