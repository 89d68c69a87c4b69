from __future__ import annotations

import pytest

from channels.inbound import EMPTY_REPLY, NOT_TEXT_REPLY, Screened, clean_message_id, screen_message, too_long_reply

OFFERED = {'/answer{"option":"b","question":"vl_q1"}', "/next"}


def screen(text, offered=frozenset(OFFERED), max_chars=1000):
    return screen_message(text, offered_payloads=offered, max_chars=max_chars)


def test_offered_payload_passes_unchanged():
    assert screen('/answer{"option":"b","question":"vl_q1"}') == Screened('/answer{"option":"b","question":"vl_q1"}')


@pytest.mark.parametrize("text, expected", [
    ('/answer{"option":"a","question":"vl_q1"}', 'answer{"option":"a","question":"vl_q1"}'),
    ('/greet{"name":"x"}', 'greet{"name":"x"}'),
    ("  //next", "next"),
    ("/delete_data", "delete_data"),
    ("/affirm", "affirm"),
])
def test_payloads_not_offered_become_plain_text(text, expected):
    assert screen(text) == Screened(expected)


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "/", " / ", "\u200b\u202e"])
def test_empty_messages_get_a_clear_reply(text):
    assert screen(text) == Screened(None, EMPTY_REPLY)


@pytest.mark.parametrize("text", [None, 42, ["hi"], {"text": "hi"}])
def test_non_text_is_refused(text):
    assert screen(text) == Screened(None, NOT_TEXT_REPLY)


def test_long_messages_are_refused_with_the_limit():
    assert screen("word " * 400, max_chars=1000) == Screened(None, too_long_reply(1999, 1000))
    assert "1,999 characters" in too_long_reply(1999, 1000)
    huge = "x" * 100_000
    assert screen(huge).text is None


def test_control_and_bidi_characters_are_removed():
    assert screen("hel\x07lo\u202e wor\u200bld") == Screened("hello world")
    assert screen("line one\nline two") == Screened("line one\nline two")


def test_lone_surrogates_are_removed():
    # JSON may spell them ("\ud800"); spaCy's tokenizer raises on them, so Rasa would answer nothing.
    assert screen("hi \ud800there\udfff") == Screened("hi there")
    assert screen("\udfff") == Screened(None, EMPTY_REPLY)
    assert screen("😀") == Screened("😀")


def test_other_languages_and_emoji_pass():
    assert screen("¿Es real este vídeo? 🤔") == Screened("¿Es real este vídeo? 🤔")


@pytest.mark.parametrize("value, expected", [
    ("abc-123", "abc-123"), ("x" * 64, "x" * 64), ("x" * 65, None), ("a b", None), (7, None), (None, None),
    ("<script>", None),
])
def test_message_ids(value, expected):
    assert clean_message_id(value) == expected
