"""What an answer means, before anything is stored: a button's option, a typed letter or option text, or a graded
free-text answer. Plain functions of the content and the learner's words: correctness never comes from a payload."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.learning.content import Module, Option, Question
from bot.learning.grading import Grade, grade
from bot.learning.matching import match_option


@dataclass(frozen=True)
class Judged:
    status: Literal["ok", "unmatched", "ambiguous"]
    option: str | None = None  # what is stored: the letter, or a free_text grade
    correct: bool = False
    chosen: Option | None = None
    grade: Grade | None = None
    candidates: tuple[Option, ...] = ()


def judge(module: Module, question: Question, text: str, option: str | None) -> Judged:
    """option: the letter from a button of this very question (None for a typed answer)."""
    if question.free_text is not None:
        graded = grade(question, module.synonyms, text)
        return Judged("ok", option=graded.status, correct=graded.status == "right", grade=graded)
    if option is not None and (chosen := question.option(option)):
        return Judged("ok", option=chosen.letter, correct=chosen.correct, chosen=chosen)
    match = match_option(text, question.options)
    if match.candidates:
        return Judged("ambiguous", candidates=tuple(question.option(letter) for letter in match.candidates))
    chosen = question.option(match.letter) if match.letter else None
    if chosen is None:
        return Judged("unmatched")
    return Judged("ok", option=chosen.letter, correct=chosen.correct, chosen=chosen)
