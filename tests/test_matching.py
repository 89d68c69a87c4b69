from __future__ import annotations

import pytest

from bot.learning.content import Option
from bot.learning.matching import OptionMatch, match_option

OPTIONS = (
    Option("a", "Investigate the source", False, ""),
    Option("b", "Stop", True, ""),
    Option("c", "Search other sites for the same claim", False, ""),
    Option("d", "Download the file to check it", False, ""),
)
TRUE_FALSE = (Option("a", "True", False, ""), Option("b", "False", True, ""))


@pytest.mark.parametrize("text, letter", [
    ("b", "b"), ("B", "b"), ("b)", "b"), ("(c)", "c"), ("option d", "d"), ("Answer A", "a"), ("i think it's c", "c"),
    ("2", "b"), ("4.", "d"), ("the second one", "b"), ("third", "c"), ("the last one", "d"), ("1st", "a"),
    ("stop", "b"), ("Stop!", "b"), ("search other sites", "c"), ("checking other sites", "c"),
    ("download it", "d"), ("investigate source", "a"),
])
def test_typed_answers_map_to_options(text, letter):
    assert match_option(text, OPTIONS) == OptionMatch(letter)


@pytest.mark.parametrize("text", ["e", "5", "fifth", "no idea", "pizza", "", "a scam probably lol", "🙂🙂"])
def test_unrelated_text_matches_nothing(text):
    assert match_option(text, OPTIONS).letter is None


@pytest.mark.parametrize("text, letter", [("true", "a"), ("False", "b"), ("it's false", "b"), ("2", "b"),
                                          ("c", None)])
def test_true_false(text, letter):
    assert match_option(text, TRUE_FALSE).letter == letter


def test_words_in_two_options_are_ambiguous():
    options = (Option("a", "Report the post", True, ""), Option("b", "Report the account", False, ""),
               Option("c", "Ignore it", False, ""))
    assert match_option("report", options) == OptionMatch(None, candidates=("a", "b"))


SITES = (
    Option("a", "Share it to warn friends", False, ""),
    Option("b", "Check other sites", True, ""),
    Option("c", "Reverse image search the photo", False, ""),
    Option("d", "Report the account", False, ""),
)


@pytest.mark.parametrize("text, letter", [
    ("checking other sites", "b"), ("the one about checking other sites", "b"), ("I'd check other sites", "b"),
    ("sharing it", "a"), ("warning my friends", "a"), ("searched the images", "c"), ("photos", "c"),
    ("reported the accounts", "d"), ("I'll report it", "d"),
])
def test_option_words_are_compared_as_lemmas(text, letter):
    assert match_option(text, SITES) == OptionMatch(letter)


@pytest.mark.parametrize("text, candidates", [
    ("reporting", ("a", "b")), ("the one about reporting it", ("a", "b")), ("reported", ("a", "b")),
])
def test_inflected_words_in_two_options_are_ambiguous(text, candidates):
    options = (Option("a", "Report the post", True, ""), Option("b", "Report the account", False, ""),
               Option("c", "Ignore it", False, ""))
    assert match_option(text, options) == OptionMatch(None, candidates=candidates)
