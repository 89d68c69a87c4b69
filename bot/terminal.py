"""Bot replies as a terminal shows them (`make chat`): Markdown reduced to plain text, practice posts drawn as a boxed
block, buttons as numbered choices. Pure functions over the REST channel's reply messages."""
from __future__ import annotations

import re
import textwrap
from typing import Any

WIDTH = 72
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_CODE = re.compile(r"`([^`]+)`")


def plain(markdown: str) -> str:
    """Markdown without its markers: **bold** and *italics* lose their stars, a link shows its address."""
    text = _LINK.sub(lambda match: f"{match.group(1)} ({match.group(2)})", markdown)
    text = _EMPHASIS.sub(lambda match: match.group(2) or match.group(3), text)
    return _CODE.sub(r"\1", text)


def wrapped(text: str, *, width: int = WIDTH, indent: str = "") -> list[str]:
    """Each paragraph and list item wrapped to `width`; blank lines kept."""
    lines: list[str] = []
    for line in text.splitlines():
        bullet = re.match(r"^(\s*(?:[-*•]|\d+\.)\s+)", line)
        lead = indent + (bullet.group(1) if bullet else "")
        lines += textwrap.wrap(line, width=width, initial_indent=indent, subsequent_indent=" " * len(lead),
                               break_long_words=False, break_on_hyphens=False) or [""]
    return lines


def practice_box(card: dict[str, Any], *, width: int = WIDTH) -> list[str]:
    """A practice post as a boxed block: who posted it, the caption, the image placeholder, counts and replies."""
    post = card.get("post", {})
    inner = width - 4
    rows = [f"{post.get('display_name', '')} {post.get('handle', '')} · {post.get('posted', '')}",
            f"Account: {post.get('account_age', '')} · {post.get('followers', '')}", "",
            *textwrap.wrap(post.get("caption", ""), inner), "",
            *textwrap.wrap(f"[ {post.get('image', '')} ]", inner), "",
            f"♥ {post.get('likes', '')} · ↻ {post.get('reshares', '')}"]
    for reply in post.get("replies", []):
        rows += textwrap.wrap(f"↳ {reply.get('handle', '')}: {reply.get('text', '')}", inner,
                              subsequent_indent="  ")
    rule = "─" * (width - 2)
    box = [f"┌{rule}┐", *(f"│ {row:<{inner}} │" for row in rows), f"└{rule}┘"]
    return [*wrapped(card.get("heading", "")), *wrapped(card.get("prompt", "")), *box]


def render_reply(reply: dict[str, Any], *, first_choice: int = 1) -> tuple[list[str], list[dict[str, str]]]:
    """The lines to print for one reply message, and its buttons (numbered from `first_choice`)."""
    card = reply.get("custom") if isinstance(reply.get("custom"), dict) else None
    if card and card.get("type") == "practice_post":
        lines = practice_box(card)
    else:
        lines = wrapped(plain(reply.get("text") or ""))
    buttons = [button for button in reply.get("buttons") or [] if isinstance(button, dict)]
    lines += [f"  {number}) {plain(button.get('title', ''))}" for number, button in
              enumerate(buttons, start=first_choice)]
    return lines, buttons
