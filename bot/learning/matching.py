"""Maps what a learner typed to one of a question's options.

Accepted: the letter ("b", "B)", "option b", "I think it's b"), the number ("2"), an ordinal ("the second one",
"the last one"), "true"/"false" for true/false questions, or words from the option's text: lemmas from the
project's spaCy pipeline (bot.learning.lemmas), so "checking other sites" matches "Check other sites".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from bot.learning.content import OPTION_LETTERS, Option
from bot.learning.lemmas import lemmas

ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3}
LEAD_INS = (
    r"(?:i\s+think|i\s+guess|i'?d\s+say|i\s+say|i\s+pick|i\s+choose|i'?ll\s+go\s+with|go\s+with|going\s+with|"
    r"it'?s|its|it\s+is|maybe|probably|answer(?:\s+is)?|my\s+answer\s+is|pick|choose)"
)
CHOICE = r"(?:option|answer|choice|letter|number|no\.?)?\s*\(?(?P<choice>[a-d]|[1-4])\)?"
EXPLICIT_CHOICE = re.compile(rf"^(?:{LEAD_INS}\s+)*{CHOICE}\s*[.!)]*$")
ORDINAL_CHOICE = re.compile(
    r"^(?:" + LEAD_INS + r"\s+)*(?:the\s+)?(?P<ordinal>first|1st|second|2nd|third|3rd|fourth|4th|last)"
    r"(?:\s+(?:one|option|answer))?\s*[.!]*$"
)
STOPWORDS = frozenset(  # lemmas: "is" and "was" are "be", "going" is "go"
    "a an the and or of to in on it its 's that this be i you me my your one option answer about with "
    "for at by from as do if so just think guess say pick choose go would will like".split()
)
MIN_WORD_OVERLAP = 0.6  # share of the learner's content words that must appear in one option
MIN_MARGIN = 0.2  # the best option must beat the runner-up by this much, else it is ambiguous


@dataclass(frozen=True)
class OptionMatch:
    """letter: the option chosen, or None; candidates: options that fit equally well when the text is ambiguous."""

    letter: str | None
    candidates: tuple[str, ...] = ()


def _normalise(text: str) -> str:
    text = text.lower().replace("’", "'").strip()
    return re.sub(r"\s+", " ", text)


def _content_lemmas(text: str) -> set[str]:
    return {lemma for lemma in lemmas(text) if lemma not in STOPWORDS}


def match_option(text: str, options: Sequence[Option]) -> OptionMatch:
    """Returns the option the learner meant, or no letter with the candidates when unsure."""
    letters = OPTION_LETTERS[: len(options)]
    normalised = _normalise(text)
    if explicit := EXPLICIT_CHOICE.match(normalised):
        choice = explicit.group("choice")
        letter = OPTION_LETTERS[int(choice) - 1] if choice.isdigit() else choice
        return OptionMatch(letter if letter in letters else None)
    if ordinal := ORDINAL_CHOICE.match(normalised):
        word = ordinal.group("ordinal")
        index = len(options) - 1 if word == "last" else ORDINALS[word]
        return OptionMatch(letters[index] if index < len(options) else None)
    stripped = normalised.strip(" .!?")
    for option in options:
        if stripped == option.text.lower().strip(" .!?"):
            return OptionMatch(option.letter)
    if stripped in ("true", "false", "it's true", "it's false", "its true", "its false", "that's true",
                    "that's false", "true!", "false!"):
        wanted = "true" if "true" in stripped else "false"
        for option in options:
            if option.text.lower() == wanted:
                return OptionMatch(option.letter)
    return _match_words(normalised, options)


def _match_words(normalised: str, options: Sequence[Option]) -> OptionMatch:
    typed = _content_lemmas(normalised)
    if not typed:
        return OptionMatch(None)
    scores = []
    for option in options:
        option_words = _content_lemmas(option.text)
        scores.append((len(typed & option_words) / len(typed), option.letter))
    scores.sort(reverse=True)
    best_score, best_letter = scores[0]
    if best_score < MIN_WORD_OVERLAP:
        return OptionMatch(None)
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    if best_score - runner_up < MIN_MARGIN:
        tied = tuple(sorted(letter for score, letter in scores if best_score - score < MIN_MARGIN))
        return OptionMatch(None, candidates=tied)
    return OptionMatch(best_letter)
