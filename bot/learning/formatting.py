"""Small text helpers shared by the chat replies and the CLI (no wording beyond symbols lives here)."""
from __future__ import annotations

import re

from bot.learning.content import Option

BAR_WIDTH = 10


def progress_bar(share: float, *, width: int = BAR_WIDTH) -> str:
    """A text progress bar, e.g. progress_bar(0.4) == '▓▓▓▓░░░░░░ 40%'."""
    share = min(max(share, 0.0), 1.0)
    filled = round(share * width)
    return f"{'▓' * filled}{'░' * (width - filled)} {round(share * 100)}%"


def option_label(option: Option) -> str:
    """'B) Search for the claim on trusted news sites' — the text on an option's button and in the question."""
    return f"{option.letter.upper()}) {option.text}"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")


def markdown_literal(text: str) -> str:
    """Text someone other than us typed (a cohort name), escaped so the chat widget's Markdown shows it as is."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
