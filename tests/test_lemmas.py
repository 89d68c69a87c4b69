"""Lemmas of typed text from the project's spaCy pipeline, shared by the grader and the answer matcher."""
from __future__ import annotations

import pytest

from bot.learning.lemmas import Word, is_known_word, lemmas, words


@pytest.mark.parametrize("text, expected", [
    ("Checking other sites", ["check", "other", "site"]),
    ("I PAUSED", ["i", "pause"]),
    ("https://www.StopNCII.org/faq", ["stopncii", "faq"]),  # web addresses read as their words
    ("stop-ncii", ["stop", "ncii"]),
    ("Don’t share", ["do", "not", "share"]),  # curly apostrophe
    ("does it", ["do", "it"]),  # not the plural of "doe"
    ("is it mine 2 share n report", ["be", "it", "mine", "to", "share", "and", "report"]),  # text-speak
])
def test_lemmas(text, expected):
    assert lemmas(text) == expected


def test_punctuation_is_kept_as_a_boundary():
    assert words("stop, then check") == (Word("stop", "stop"), Word(",", ""), Word("then", "then"),
                                         Word("check", "check"))


@pytest.mark.parametrize("word, known", [("report", True), ("reports", True), ("imgae", False), ("stopncii", False)])
def test_known_words(word, known):
    assert is_known_word(word) is known
