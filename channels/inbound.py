"""Screening of incoming learner messages, before Rasa's NLU sees them.

Rasa turns any text starting with "/" into an intent with entities ("/answer{...}"), and no setting disables that,
so a message may only start with "/" when it is a button payload the bot itself offered to this learner. Everything
else is treated as plain text. Long messages are refused here because NLU time and memory grow with length.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Collection

# C0/C1 control characters except tab and newline; bidi overrides and zero-width characters that hide text; and lone
# surrogates (JSON can spell "\ud800", but it is no character: spaCy's tokenizer fails on it).
UNSAFE_CHARACTERS = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
LEADING_SLASHES = re.compile(r"^[\s/]+")
MESSAGE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

EMPTY_REPLY = "I didn't receive any text. Type a message, or 'menu' to see what I can do."
NOT_TEXT_REPLY = "I can only read text messages. Type a message, or 'menu' to see what I can do."
# When a turn failed or produced no reply (an error in Rasa, the action server down or timed out): nothing was
# recorded, so resending is safe.
TROUBLE_REPLY = ("I'm having trouble right now and couldn't handle that message. Please try again in a moment: "
                 "nothing you've done so far is lost.")


def too_long_reply(length: int, limit: int) -> str:
    return (f"That message is {length:,} characters long, and I can read up to {limit:,}. "
            "Please send a shorter message — one question at a time works best.")


@dataclass(frozen=True)
class Screened:
    """text: what to pass on to Rasa, or None; reply: what to answer instead, when the message is not passed on."""

    text: str | None
    reply: str | None = None


def screen_message(text: Any, *, offered_payloads: Collection[str], max_chars: int) -> Screened:
    """Decides what of an incoming message reaches Rasa.

    text (Any): the message as received (may be anything a client sent).
    offered_payloads: button payloads the bot offered this learner in its latest turn.
    max_chars (int): longest text passed on.
    """
    if not isinstance(text, str):
        return Screened(None, NOT_TEXT_REPLY)
    if len(text) > max_chars * 4:  # refuse huge input before doing any work on it
        return Screened(None, too_long_reply(len(text), max_chars))
    cleaned = UNSAFE_CHARACTERS.sub("", unicodedata.normalize("NFC", text)).strip()
    if len(cleaned) > max_chars:
        return Screened(None, too_long_reply(len(cleaned), max_chars))
    if cleaned.startswith("/") and cleaned not in offered_payloads:
        cleaned = LEADING_SLASHES.sub("", cleaned)
    if not cleaned:
        return Screened(None, EMPTY_REPLY)
    return Screened(cleaned)


def might_be_payload(text: Any) -> bool:
    """Whether screening could pass this message on as a "/" payload (only then are the offered payloads needed)."""
    return isinstance(text, str) and "/" in text


def clean_message_id(value: Any) -> str | None:
    """A client-supplied message id (for idempotent retries), if it is a short plain token; else None."""
    return value if isinstance(value, str) and MESSAGE_ID.match(value) else None
