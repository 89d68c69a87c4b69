"""Free-text questions: what grades an answer typed in the learner's own words (the concepts a right answer names,
the near misses that sound right but are not), and its parser for quizzes/*.yml. Grading is bot.learning.grading."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.learning.validation import MAX_FEEDBACK, Problems

MAX_PHRASE_WORDS = 6
MAX_ANSWER = 100


@dataclass(frozen=True)
class Concept:
    """Part of a right free-text answer: `name` is how feedback refers to it; any of `phrases` expresses it."""

    name: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class NearMiss:
    """A free-text answer that sounds right but is wrong, with the feedback that says why."""

    phrases: tuple[str, ...]
    feedback: str


@dataclass(frozen=True)
class FreeText:
    """What grades a free_text question (see bot.learning.grading)."""

    concepts: tuple[Concept, ...]
    near_misses: tuple[NearMiss, ...]
    answer: str  # a model answer, shown after grading
    right: str
    partial: str
    wrong: str


def _phrases(data: dict[str, Any], location: str, problems: Problems) -> tuple[str, ...]:
    phrases = []
    for index, phrase in enumerate(problems.sequence(data, "phrases", location)):
        if not isinstance(phrase, str) or not phrase.strip():
            problems.add(f"{location}: phrases[{index}]", "must be non-empty text")
        elif len(phrase.split()) > MAX_PHRASE_WORDS:
            problems.add(f"{location}: phrases[{index}]",
                         f"has {len(phrase.split())} words; a phrase is 1 to {MAX_PHRASE_WORDS} words")
        else:
            phrases.append(phrase.strip())
    return tuple(phrases)


def parse_free_text(data: dict[str, Any], location: str, problems: Problems) -> FreeText | None:
    if "options" in data:
        problems.add(location, "a free_text question has no `options`; learners type the answer")
    concepts = []
    for index, raw in enumerate(problems.sequence(data, "concepts", location)):
        concept_location = f"{location}: concepts[{index}]"
        concept = problems.mapping(raw, concept_location)
        name = problems.text(concept, "name", concept_location) if concept else ""
        phrases = _phrases(concept, concept_location, problems) if concept else ()
        if name and phrases:
            concepts.append(Concept(name=name, phrases=phrases))
    near_misses = []
    for index, raw in enumerate(data.get("near_misses") or []):
        miss_location = f"{location}: near_misses[{index}]"
        miss = problems.mapping(raw, miss_location)
        phrases = _phrases(miss, miss_location, problems) if miss else ()
        feedback = problems.text(miss, "feedback", miss_location, max_length=MAX_FEEDBACK) if miss else ""
        if phrases and feedback:
            near_misses.append(NearMiss(phrases=phrases, feedback=feedback))
    answer = problems.text(data, "answer", location, max_length=MAX_ANSWER)
    feedback = problems.feedback(data, ("right", "partial", "wrong"), location)
    if not (concepts and answer and feedback and all(feedback.values())):
        return None
    return FreeText(concepts=tuple(concepts), near_misses=tuple(near_misses), answer=answer, **feedback)
