"""Words of what a learner typed, with their lemmas from the project's own spaCy pipeline (python -m bot build-spacy).

One module owns the pipeline, so the grader and the answer matcher share one lazy load: on the first typed answer,
or at a server's start-up with warm_up(); code that never sees a typed answer never imports spaCy. Every function
takes an optional `nlp` so tests can pass a pipeline of their own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import DEFAULT_SPACY_MODEL_DIR
from bot.errors import PipelineMissing

if TYPE_CHECKING:
    from spacy.language import Language

# Web addresses are read as their words: "https://www.stopncii.org/faq" -> "stopncii faq"; "stop-ncii" -> "stop ncii".
_URL_PREFIX = re.compile(r"https?://|www\.")
_WEB_SUFFIX = re.compile(r"\.(?:co\.uk|org|com|net|gov|edu|uk|io)\b")
_JOINER = re.compile(r"(?<=\w)[./@_](?=\w)|(?<=[a-z])-(?=[a-z])")
# The lookup table has no part of speech: it would read "does" as the plural of "doe" and "'s" as "has". Learners
# also type in text-speak ("is it mine 2 share", "dont share n report").
_LEMMA_FIXES = {"does": "do", "'s": "'s", "u": "you", "ur": "your", "r": "be", "n": "and", "2": "to", "4": "for",
                "b4": "before", "bc": "because", "cuz": "because", "coz": "because", "ppl": "people", "abt": "about"}


@dataclass(frozen=True)
class Word:
    """One token of lowercased text. `lemma` is "" for punctuation, which callers treat as a clause boundary."""

    text: str
    lemma: str


@lru_cache(maxsize=1)
def load_pipeline(path: Path = DEFAULT_SPACY_MODEL_DIR) -> "Language":
    """The pipeline saved at `path`, loaded once."""
    if not (Path(path) / "meta.json").exists():
        raise PipelineMissing(Path(path))
    import spacy  # slow to import: only when the first typed answer arrives

    return spacy.load(path)


def warm_up(*, nlp: "Language | None" = None) -> None:
    """Loads the pipeline and its word table now (a few seconds, mostly importing spaCy), so that the first typed
    answer does not wait for them: for a server's start-up, or before timing."""
    _lemma_table(nlp or load_pipeline())


def words(text: str, *, nlp: "Language | None" = None) -> tuple[Word, ...]:
    """The words of `text` (lowercased first: the lookup lemmatizer expects it), punctuation kept as Word(text, "")."""
    return _words(text, nlp or load_pipeline())


def lemmas(text: str, *, nlp: "Language | None" = None) -> list[str]:
    """The lemmas of the words in `text`, punctuation left out: "Checking other sites" -> [check, other, site]."""
    return [word.lemma for word in words(text, nlp=nlp) if word.lemma]


def is_known_word(word: str, *, nlp: "Language | None" = None) -> bool:
    """Whether the lemma table knows `word` as an English word form (so a typed "repost" is not a typo of "report").
    Words with no other form ("stopncii", "repost") are unknown."""
    table, lemma_values = _lemma_table(nlp or load_pipeline())
    return word in table or word in lemma_values


@lru_cache(maxsize=8192)
def _words(text: str, nlp: "Language") -> tuple[Word, ...]:
    cleaned = text.lower().replace("’", "'")
    cleaned = _JOINER.sub(" ", _WEB_SUFFIX.sub("", _URL_PREFIX.sub(" ", cleaned)))
    doc = _lemmatizer(nlp)(nlp.make_doc(cleaned))  # the entity ruler is not needed here: skip it
    return tuple(Word(token.text, "" if token.is_punct else _LEMMA_FIXES.get(token.text, token.lemma_))
                 for token in doc if not token.is_space)


@lru_cache(maxsize=4)
def _lemmatizer(nlp: "Language"):
    if "lemmatizer" not in nlp.pipe_names:
        raise ValueError(f"The spaCy pipeline has no lemmatizer (pipes: {', '.join(nlp.pipe_names) or 'none'}); "
                         "build the project's pipeline with: python -m bot build-spacy")
    return nlp.get_pipe("lemmatizer")


@lru_cache(maxsize=4)
def _lemma_table(nlp: "Language"):
    table = _lemmatizer(nlp).lookups.get_table("lemma_lookup")  # inflected form -> lemma, keyed by hash
    return table, frozenset(table.values())


def one_edit_apart(typed: str, wanted: str) -> bool:
    """Whether one letter added, dropped or changed, or two neighbours swapped, turns `typed` into `wanted`."""
    if typed == wanted or abs(len(typed) - len(wanted)) > 1:
        return typed == wanted
    if len(typed) == len(wanted):
        diffs = [index for index, (a, b) in enumerate(zip(typed, wanted)) if a != b]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and typed[diffs[0]] == wanted[diffs[1]] and typed[diffs[1]] == wanted[diffs[0]])
    shorter, longer = sorted((typed, wanted), key=len)
    index = next((i for i, (a, b) in enumerate(zip(shorter, longer)) if a != b), len(shorter))
    return shorter[index:] == longer[index + 1:]
