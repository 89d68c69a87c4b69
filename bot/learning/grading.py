"""Grades a typed answer to a free_text question: right, partly right or wrong, and why.

Rules (precision first: a wrong answer must never be graded right):
- The answer and every phrase are compared as lemmas of lowercased words (bot.learning.lemmas): "Paused" matches
  "pause".
  A phrase matches where its words appear in order, next to each other; articles and possessives don't count
  ("check the other sites" matches "check other sites"), and web addresses are read as words ("https://stopncii.org"
  matches "stopncii").
- A phrase word also matches the module's synonyms for it, and a slip of one letter (added, dropped, changed, or
  two swapped) when the phrase word has 5+ letters and the typed word is not a word itself: "stopnci" and "imgae"
  match, "repost" never matches "report". On 4-letter words only a swap or a doubled letter counts ("stpo",
  "stopp"); any other slip there makes another word ("shop"). Words split or run together match: "stop ncii",
  "takeitdown".
- A negated phrase does not count: "not", "n't", "never", "no", "without", "avoid", "instead of", "rather than",
  "who cares", "ignore" up to NEGATION_REACH words before it in the same clause ("don't stop", "no need to report",
  "not stopncii"), and denials right after it ("take it down isn't for adults", "stopncii won't help", "stopping
  is pointless", "stopncii? no"). Punctuation and words like "but", "and", "then" end a clause; "not sure", "no idea"
  and "don't know" are hedges, not negations. A negation belongs to the first phrase after it ("not stopncii take
  it down" still names Take It Down). Negation words all read as "not", so a phrase "don't share" also matches
  "never share" and "I wouldn't share".
- Right: every concept matched. Partly right: some. Wrong: none.
- Near-misses (known wrong answers, e.g. Take It Down for an adult) come first: one matched makes the answer wrong,
  with its feedback, unless every concept is matched too; then the learner named the right answer and a wrong one
  ("stopncii or take it down?"), which is partly right at best, never right, and the near-miss feedback says why.
  A near-miss found only inside a longer concept phrase does not count, nor a concept only inside a near-miss phrase.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterator, Literal, Mapping, Sequence

from bot.learning.content import Question
from bot.learning.free_text import Concept, FreeText
from bot.learning.lemmas import Word, is_known_word, load_pipeline, one_edit_apart, words

if TYPE_CHECKING:
    from spacy.language import Language

NOT = "not"
NEGATIONS = frozenset({"not", "never", "no", "nope", "nah", "without", "nor", "neither", "nobody", "nothing",
                       "none", "avoid", "refuse"})
TWO_WORD_NEGATIONS = {("instead", "of"), ("rather", "than"), ("who", "care")}
DENYING_VERBS = frozenset({"ignore", "skip"})  # deny what follows ("ignore the source"), yet may start a phrase
AUXILIARIES = frozenset({"do", "be", "would", "should", "will", "wo", "can", "ca", "could", "must", "shall",
                         "might", "may", "have", "need"})
# "X is not ..." and "X won't help" deny X; "X, don't ..." does not ("stop, don't share").
DENYING_AFTER = frozenset({"is", "are", "was", "were", "does", "wo", "will", "ca", "can"})
DISMISSALS = frozenset({"wrong", "pointless", "useless", "unnecessary", "overrated", "irrelevant", "bad"})
ANSWERING_NO = frozenset({"no", "nope", "nah"})  # "stop ncii? no, google"
HEDGES = frozenset({"sure", "certain", "idea", "clue", "know", "remember", "doubt"})  # "not sure", "no idea"
CLAUSE_BREAKS = frozenset({"", "but", "and", "instead", "then", "so", "because", "also", "plus", "though"})
FILLERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "its", "their", "his", "her", "your", "my",
                     "our", "'s"})
NEGATION_REACH = 4  # words between a negation and the phrase it negates ("I would not want to share")
MIN_TYPO_LENGTH = 5  # any slip from here; on 4-letter words only swaps and doubled letters
# Unknown to the lemma table, yet words in their own right, one letter from a word that means the opposite.
NOT_TYPOS = frozenset({"repost", "reposts", "reposted"})

Status = Literal["right", "partial", "wrong"]
Slot = tuple[tuple[Word, ...], ...]  # one phrase word (or synonym key): its own words first, then its synonyms'
Span = tuple[int, int]


@dataclass(frozen=True)
class Grade:
    """The grade of one typed answer. near_miss: the matched near-miss's feedback, if any."""

    status: Status
    matched: tuple[Concept, ...]
    missing: tuple[Concept, ...]
    near_miss: str | None = None


@dataclass(frozen=True)
class _Phrase:
    """A phrase as slots, and for each slot the words it makes run together with the next ones: (last slot, text)."""

    slots: tuple[Slot, ...]
    run_ons: tuple[tuple[tuple[int, str], ...], ...]


@dataclass(frozen=True)
class _Compiled:
    """A free_text question's phrases, per concept and near-miss, and every word they use (never a typo)."""

    concepts: tuple[tuple[_Phrase, ...], ...]
    near_misses: tuple[tuple[_Phrase, ...], ...]
    vocabulary: frozenset[str]


def grade(question: Question, synonyms: Mapping[str, Sequence[str]], text: str, *,
          nlp: "Language | None" = None) -> Grade:
    """Grades `text` against the question's concepts and near-misses; `synonyms` are its module's."""
    free_text = question.free_text
    if free_text is None:
        raise ValueError(f"Question {question.id} is a {question.type} question; grade() takes free_text ones.")
    nlp = nlp or load_pipeline()
    frozen = tuple(sorted((key, tuple(alternatives)) for key, alternatives in synonyms.items()))  # hashable
    compiled = _compile(free_text, frozen, nlp)
    answer = _Answer(_normalise(words(text, nlp=nlp)), compiled.vocabulary, nlp)

    found_concepts = [_occurrences(answer, phrases) for phrases in compiled.concepts]
    found_misses = [_occurrences(answer, phrases) for phrases in compiled.near_misses]
    concept_spans, miss_spans = _counted(answer.words, found_concepts, found_misses)

    matched = tuple(concept for concept, found in zip(free_text.concepts, concept_spans) if found)
    missing = tuple(concept for concept, found in zip(free_text.concepts, concept_spans) if not found)
    near_miss = next((miss.feedback for miss, found in zip(free_text.near_misses, miss_spans) if found), None)
    if near_miss is not None:
        return Grade("wrong" if missing else "partial", matched, missing, near_miss)
    return Grade("right" if not missing else "partial" if matched else "wrong", matched, missing)


def _counted(answer: tuple[Word, ...], found_concepts: list[list[Span]], found_misses: list[list[Span]]
             ) -> tuple[list[list[Span]], list[list[Span]]]:
    """The spans that count, per concept and per near-miss: not negated, and not inside the other kind's."""
    every_span = [span for found in (*found_concepts, *found_misses) for span in found]
    concept_spans = [[span for span in found if not _negated(answer, span, every_span)] for found in found_concepts]
    every_concept_span = [span for found in concept_spans for span in found]
    miss_spans = [[span for span in found if not _negated(answer, span, every_span)
                   and not _inside_longer(span, every_concept_span)] for found in found_misses]
    every_miss_span = [span for found in miss_spans for span in found]
    concept_spans = [[span for span in found if not any(_within(span, miss) for miss in every_miss_span)]
                     for found in concept_spans]
    return concept_spans, miss_spans


# Phrases and answers, read the same way

def _normalise(typed: Sequence[Word]) -> tuple[Word, ...]:
    """Drops fillers, reads every negation as "not" and drops the auxiliary before it ("would not" -> "not"),
    keeping the auxiliary in the word's text so "X is not" can be told from "X, do not"."""
    result: list[Word] = []
    index = 0
    while index < len(typed):
        word = typed[index]
        pair = (word.lemma, typed[index + 1].lemma) if index + 1 < len(typed) else None
        if pair in TWO_WORD_NEGATIONS:
            result.append(Word(f"{word.text} {typed[index + 1].text}", NOT))
            index += 2
            continue
        if word.lemma in NEGATIONS:
            word = Word(word.text, NOT)
            if result and result[-1].lemma in AUXILIARIES:
                word = Word(f"{result.pop().text} {word.text}", NOT)
        if word.lemma not in FILLERS:
            result.append(word)
        index += 1
    return tuple(result)


@lru_cache(maxsize=256)
def _compile(free_text: FreeText, synonyms: tuple[tuple[str, tuple[str, ...]], ...], nlp: "Language") -> _Compiled:
    """The question's phrases read once, each word with the module's synonyms for it (multi-word keys too)."""
    def read(phrase: str) -> tuple[Word, ...]:
        return tuple(word for word in _normalise(words(phrase, nlp=nlp)) if word.lemma)

    table = {tuple(word.lemma for word in read(key)): tuple(read(alternative) for alternative in alternatives)
             for key, alternatives in synonyms}
    table.pop((), None)
    keys = sorted(table, key=len, reverse=True)

    def compiled(phrase: str) -> _Phrase:
        own, slots, index = read(phrase), [], 0
        while index < len(own):
            lemmas = tuple(word.lemma for word in own[index:])
            key = next((key for key in keys if lemmas[:len(key)] == key), lemmas[:1])  # the longest key, or one word
            synonyms_of_key = (alternative for alternative in table.get(key, ()) if alternative)
            slots.append((own[index:index + len(key)], *synonyms_of_key))
            index += len(key)
        texts = ["".join(word.text for word in slot[0]) for slot in slots]
        run_ons = tuple(tuple((last, "".join(texts[first:last + 1])) for last in range(first + 1, len(slots)))
                        for first in range(len(slots)))
        return _Phrase(tuple(slots), run_ons)

    def group(phrases: tuple[str, ...]) -> tuple[_Phrase, ...]:
        return tuple(phrase for phrase in map(compiled, phrases) if phrase.slots)

    concepts = tuple(group(concept.phrases) for concept in free_text.concepts)
    near_misses = tuple(group(miss.phrases) for miss in free_text.near_misses)
    vocabulary = frozenset(form for phrases in (*concepts, *near_misses) for phrase in phrases for slot in phrase.slots
                           for alternative in slot for word in alternative for form in (word.text, word.lemma))
    return _Compiled(concepts, near_misses, vocabulary)


# Finding a phrase in an answer

class _Answer:
    """The normalised answer, and which of its words (or pairs of words, run together) may be misspellings."""

    def __init__(self, typed: tuple[Word, ...], vocabulary: frozenset[str], nlp: "Language") -> None:
        def may_be_typo(word: Word) -> bool:  # no word ("imgae"), and none the phrases use
            return word.lemma == word.text and word.text not in vocabulary and word.text not in NOT_TYPOS \
                and word.lemma != NOT and not is_known_word(word.text, nlp=nlp)

        self.words = typed
        self._may_be_typo = [may_be_typo(word) for word in typed]
        self._pairs = [Word(first.text + second.text, first.text + second.text)
                       for first, second in zip(typed, typed[1:])]
        self._pair_may_be_typo = [may_be_typo(pair) for pair in self._pairs]

    def __len__(self) -> int:
        return len(self.words)

    def is_word(self, at: int) -> bool:
        return at < len(self.words) and bool(self.words[at].lemma)

    def same(self, at: int, wanted: Word) -> bool:
        """Whether the word at `at` is the wanted word, or a slip of it."""
        return _same(self.words[at], self._may_be_typo[at], wanted)

    def same_pair(self, at: int, wanted: Word) -> bool:
        """Whether the words at `at` and `at + 1`, run together, are the wanted word: "stop ncii"."""
        return _same(self._pairs[at], self._pair_may_be_typo[at], wanted)


def _occurrences(answer: _Answer, phrases: tuple[_Phrase, ...]) -> list[Span]:
    return [span for phrase in phrases for span in _find(answer, phrase)]


def _find(answer: _Answer, phrase: _Phrase) -> list[Span]:
    """Every span of `answer` where `phrase` occurs, negated or not."""
    return [(start, end) for start in range(len(answer)) for end in sorted(set(_ends(answer, start, phrase, 0)))]


def _ends(answer: _Answer, at: int, phrase: _Phrase, slot: int) -> Iterator[int]:
    """Where a match of the phrase's slots from `slot` on, starting at answer word `at`, ends."""
    if slot == len(phrase.slots):
        yield at
        return
    if not answer.is_word(at):
        return
    for alternative in phrase.slots[slot]:
        for end in _consume(answer, at, alternative):
            yield from _ends(answer, end, phrase, slot + 1)
    for last, joined in phrase.run_ons[slot]:  # one typed word for several phrase words: "takeitdown"
        if answer.same(at, Word(joined, joined)):
            yield from _ends(answer, at + 1, phrase, last + 1)


def _consume(answer: _Answer, at: int, wanted: tuple[Word, ...]) -> Iterator[int]:
    """Where the `wanted` words starting at answer word `at` end; a word may be typed as two ("stop ncii")."""
    if not wanted:
        yield at
        return
    if not answer.is_word(at):
        return
    if answer.same(at, wanted[0]):
        yield from _consume(answer, at + 1, wanted[1:])
    if answer.is_word(at + 1) and answer.same_pair(at, wanted[0]):
        yield from _consume(answer, at + 2, wanted[1:])


def _same(typed: Word, may_be_typo: bool, wanted: Word) -> bool:
    return typed.lemma == wanted.lemma or typed.text == wanted.text or (
        may_be_typo and (_misspelt(typed.text, wanted.text) or _misspelt(typed.text, wanted.lemma)))


@lru_cache(maxsize=16384)
def _misspelt(typed: str, wanted: str) -> bool:
    """A slip of one letter (added, dropped, changed; two neighbours swapped) on a word of 5+ letters, or on a
    4-letter word only a swap or a doubled letter ("stpo", "stopp"): other slips there make other words."""
    if len(wanted) >= MIN_TYPO_LENGTH:
        return one_edit_apart(typed, wanted)
    return len(wanted) == 4 and one_edit_apart(typed, wanted) and (
        len(typed) == 4 and sorted(typed) == sorted(wanted)
        or any(typed[:i] + typed[i + 1:] == wanted and typed[i] == typed[i - 1] for i in range(1, len(typed))))


def _negated(answer: tuple[Word, ...], span: Span, every_span: list[Span]) -> bool:
    """Whether a negation in the same clause shortly before `span`, or a denial right after it, denies it."""
    return _denied_after(answer, span[1]) or _negated_before(answer, span, every_span)


def _denied_after(answer: tuple[Word, ...], end: int) -> bool:
    """ "X is not ...", "X won't help", "reporting it is pointless", "X? no, ..."."""
    if end < len(answer) and answer[end].lemma in ("it", "them"):
        end += 1
    first, second, third = (list(answer[end:end + 3]) + [Word("", "")] * 3)[:3]  # the end reads as punctuation
    return (first.lemma == NOT and first.text.split()[0] in DENYING_AFTER
            or first.lemma == "be" and second.lemma in DISMISSALS
            or not first.lemma and second.text in ANSWERING_NO and not third.lemma)


def _negated_before(answer: tuple[Word, ...], span: Span, every_span: list[Span]) -> bool:
    """A negation belongs to the first phrase after it, or to the phrase it is part of: in "not stopncii take it
    down" and "don't share it report it" nothing denies the second phrase. Only "or" carries it on: "don't share
    or report it"."""
    start, end = span
    index, reach = start - 1, NEGATION_REACH
    while index >= 0 and reach > 0:
        word = answer[index]
        if word.lemma in CLAUSE_BREAKS:
            return False
        other = next((other for other in every_span if other[0] <= index < other[1]
                      and (other[1] <= start or other[0] >= end)), None)  # another phrase, not overlapping
        if other is not None:
            if answer[start - 1].lemma not in ("or", "nor"):
                return False
            if any(answer[inside].lemma == NOT for inside in range(*other)):
                return True
            index = other[0] - 1
        elif word.lemma == NOT:
            return not (index + 1 < len(answer) and answer[index + 1].lemma in HEDGES)
        elif word.lemma in DENYING_VERBS:
            return True
        else:
            index -= 1
        reach -= 1
    return False


def _within(inner: Span, outer: Span) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _inside_longer(span: Span, others: list[Span]) -> bool:
    return any(_within(span, other) and other[1] - other[0] > span[1] - span[0] for other in others)
