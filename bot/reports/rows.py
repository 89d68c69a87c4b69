"""What a cohort's report holds: its rows and CohortReport, whose to_dict() is the JSON format documented in
docs/teachers.md (every other format renders from it). bot.reports.report builds it."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Literal, NamedTuple

from bot.store import Cohort

REPORT_SCHEMA_VERSION = 1
MIN_RESPONSES_FOR_FLAGS = 5  # fewer answers than this make facility and discrimination too noisy to flag
SCORE_BINS = ("0-19%", "20-39%", "40-59%", "60-79%", "80-100%")
CsvTable = Literal["learners", "modules", "questions", "practice"]
CSV_TABLES: tuple[CsvTable, ...] = ("learners", "modules", "questions", "practice")
ModuleState = Literal["not_started", "in_progress", "completed"]


# Report rows are NamedTuples: immutable like frozen dataclasses, and several times faster to create, which counts
# for the 30,000 learner-module rows of a 10,000-learner report.

class Note(NamedTuple):
    """A flag on a learner or a question: a stable code for programs and a sentence for people."""

    code: str
    text: str


class LearnerModule(NamedTuple):
    module_id: str
    status: ModuleState  # "completed" once any attempt is completed
    attempts: int
    answered: int  # first attempt, skips not included
    skipped: int
    correct: int
    score: float | None  # correct / (answered + skipped) in the first attempt, 3 decimals; None before the first one
    last_activity: str | None


class LearnerRow(NamedTuple):
    label: str
    joined_at: str
    last_activity: str
    modules: tuple[LearnerModule, ...]
    attention: tuple[Note, ...]


class ModuleRow(NamedTuple):
    module_id: str
    title: str
    questions: int
    learners: int
    started: int
    reached_quiz: int
    completed: int
    completion_rate: float | None  # completed / learners
    mean_score: float | None  # over completed first attempts
    median_minutes_to_complete: float | None  # first attempts, start to last question
    score_histogram: tuple[int, ...]  # completed first attempts per SCORE_BINS


class OptionRow(NamedTuple):
    letter: str
    text: str
    correct: bool
    chosen: int


class QuestionRow(NamedTuple):
    module_id: str
    question_id: str
    number: int
    prompt: str
    attempts: int  # first-attempt answers, skips included
    correct: int
    skipped: int
    facility: float | None  # share of attempts answered correctly
    discrimination: float | None  # corrected item-total correlation, see bot.reports.stats.discrimination_index
    options: tuple[OptionRow, ...]
    flags: tuple[Note, ...]


class DiscernmentRow(NamedTuple):
    """Real-or-fake judgements in a module's quiz (first attempts): means over the learners who judged at least one
    genuine and one fabricated post. See bot.reports.stats.discernment."""

    module_id: str
    learners: int
    mean_hit_rate: float | None  # fabricated posts called fabricated
    mean_false_alarm_rate: float | None  # genuine posts called fabricated
    mean_d_prime: float | None
    mean_bias: float | None  # negative: leaning towards "fake"
    calling_most_genuine_fake: int  # learners who called at least half the genuine posts fake, leaning to "fake"


class PracticeRow(NamedTuple):
    """A practice post in members' first attempts: who investigated before deciding, and the decisions taken."""

    module_id: str
    question_id: str
    number: int  # position in the module's quiz
    caption: str
    truth: str
    decided: int  # learners who decided (skips not included)
    investigated_first: int  # of them, those who made a key move before deciding
    right: int  # of them, those whose decision was right
    decisions: tuple[OptionRow, ...]  # per decision: label, right or not, learners who took it


class GainRow(NamedTuple):
    module_id: str
    learners: int  # with both a pre- and a post-check
    mean_pre: float | None
    mean_post: float | None
    normalized_gain: float | None


@dataclass(frozen=True)
class CohortReport:
    cohort: Cohort
    members: int
    generated_at: str
    stalled_days: int
    low_score: float
    modules: tuple[ModuleRow, ...]
    learners: tuple[LearnerRow, ...]
    questions: tuple[QuestionRow, ...]
    learning_gain: tuple[GainRow, ...]
    discernment: tuple[DiscernmentRow, ...]
    practice: tuple[PracticeRow, ...] = ()

    @property
    def needing_attention(self) -> tuple[LearnerRow, ...]:
        return tuple(learner for learner in self.learners if learner.attention)

    def to_dict(self) -> dict:
        with garbage_collection_paused():
            return self._to_dict()

    def _to_dict(self) -> dict:
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "generated_at": self.generated_at,
            "cohort": {"name": self.cohort.name, "join_code": self.cohort.join_code,
                       "created_at": self.cohort.created_at, "closed_at": self.cohort.closed_at,
                       "members": self.members},
            "settings": {"stalled_days": self.stalled_days, "low_score": self.low_score,
                         "min_responses_for_flags": MIN_RESPONSES_FOR_FLAGS, "score_bins": list(SCORE_BINS)},
            "modules": [_plain(row) for row in self.modules],
            "learners": [_learner_dict(row) for row in self.learners],
            "questions": [_plain(row) for row in self.questions],
            "learning_gain": [_plain(row) for row in self.learning_gain],
            "discernment": [_plain(row) for row in self.discernment],
            "practice": [_plain(row) for row in self.practice],
        }


def _learner_dict(row: LearnerRow) -> dict:
    """_plain for the 10,000 rows of a big cohort, without recursion: module scores are rounded when built."""
    return {"label": row.label, "joined_at": row.joined_at, "last_activity": row.last_activity,
            "modules": [module._asdict() for module in row.modules],
            "attention": [note._asdict() for note in row.attention]}


def _plain(value):
    """Rows to dicts, tuples to lists, floats rounded to 3 decimals (finer than any class-sized sample supports).
    Strings, ints and None pass through without a call: a 10,000-learner report has 300,000 of them."""
    if isinstance(value, float):
        return round(value, 3)
    if hasattr(value, "_fields"):
        return {key: _plain(item) if isinstance(item, (tuple, float)) else item
                for key, item in zip(value._fields, value)}
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


@contextmanager
def garbage_collection_paused() -> Iterator[None]:
    """Report rows hold no reference cycles, but creating 100,000 of them sets off the cycle collector again and
    again, and each run walks every object in the process: in a server that has loaded matplotlib that was 400 ms
    of a 10,000-learner report. Reference counting still frees everything; only the cycle search waits."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
