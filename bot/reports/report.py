"""A cohort's progress report: per learner, per module, per question (item analysis) and learning gain.

Built from the progress store and the content only: learners appear under their pseudonymous cohort label, and no
message text exists to leak. Scores and item statistics use each learner's *first* attempt at a module, because a
retake comes after seeing the answers and would flatter both the learner and the question.
`CohortReport.to_dict()` is the JSON format documented in docs/teachers.md; every other format renders from it.
"""
from __future__ import annotations

import gc
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterator, Literal, NamedTuple

from bot.learning.content import Content, Module, Question
from bot.reports.stats import PairSums, discernment, discrimination_index, mean, median, normalized_gain, share
from bot.store import Cohort, ProgressStore, STATUS_COMPLETED

REPORT_SCHEMA_VERSION = 1
DEFAULT_STALLED_DAYS = 7
DEFAULT_LOW_SCORE = 0.5
LOW_SCORE_MIN_REACHED = 3  # questions reached (or the whole quiz, if shorter) before a low score means something
MIN_RESPONSES_FOR_FLAGS = 5  # fewer answers than this make facility and discrimination too noisy to flag
TOO_EASY_FACILITY = 0.9
TOO_HARD_FACILITY = 0.3
MISCONCEPTION_SHARE = 0.3  # a wrong option chosen this often points at a belief the class shares
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
        with _garbage_collection_paused():
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
def _garbage_collection_paused() -> Iterator[None]:
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


def build_report(store: ProgressStore, content: Content, cohort: Cohort, *, now: datetime,
                 stalled_days: int = DEFAULT_STALLED_DAYS, low_score: float = DEFAULT_LOW_SCORE) -> CohortReport:
    """Reads the cohort's rows (four queries) and computes every figure in memory."""
    with _garbage_collection_paused():
        return _build_report(store, content, cohort, now=now, stalled_days=stalled_days, low_score=low_score)


def _build_report(store: ProgressStore, content: Content, cohort: Cohort, *, now: datetime, stalled_days: int,
                  low_score: float) -> CohortReport:
    if stalled_days < 1:
        raise ValueError(f"stalled_days must be at least 1, got {stalled_days}.")
    if not 0.0 <= low_score <= 1.0:
        raise ValueError(f"low_score is a share between 0 and 1, got {low_score}.")
    members = store.cohort_members(cohort)
    modules = list(content.modules.values())
    progress = {(row["learner_id"], row["module_id"]): row for row in store.cohort_progress(cohort)}
    items = _tally_items(store.cohort_first_attempt_answer_counts(cohort), content)
    choices = store.cohort_first_attempt_choices(  # judgement items and practice posts (discernment, practice)
        cohort, [question.id for module in modules for question in module.discernment_items])

    rows_by_module = {module.id: [] for module in modules}
    learners = []
    for member in members:
        mine = []
        for module in modules:
            key = (member["learner_id"], module.id)
            row = _learner_module(module, progress.get(key))
            rows_by_module[module.id].append((row, progress.get(key)))
            mine.append(row)
        learners.append(LearnerRow(
            label=member["label"], joined_at=member["joined_at"], last_activity=member["last_seen_at"],
            modules=tuple(mine), attention=_attention(member, list(zip(modules, mine)), now, stalled_days, low_score),
        ))
    return CohortReport(
        cohort=cohort, members=len(members), generated_at=now.isoformat(timespec="seconds"),
        stalled_days=stalled_days, low_score=low_score,
        modules=tuple(_module_row(module, rows_by_module[module.id]) for module in modules),
        learners=tuple(learners),
        questions=tuple(_question_row(module, number, question, items[module.id, question.id])
                        for module in modules for number, question in enumerate(module.quiz, start=1)),
        learning_gain=tuple(_gain_rows(modules, store.cohort_check_scores(cohort))),
        discernment=tuple(_discernment_rows(modules, choices)),
        practice=tuple(_practice_rows(modules, choices)),
    )


# First attempts: item analysis

@dataclass
class _ItemTally:
    chosen: Counter = field(default_factory=Counter)  # option letter (None: skipped) -> learners
    pairs: PairSums = field(default_factory=PairSums)  # (item score, rest score) per learner


def _tally_items(counts: Counter[tuple[str, str, str | None, int, int, int]], content: Content
                 ) -> dict[tuple[str, str], _ItemTally]:
    """Option counts and (item score, rest score) sums per question, from the store's counts of first-attempt
    answers by (module, question, option, item score, questions reached, right in the attempt). A learner's rest
    score is their share right on the attempt's other questions. Questions the content no longer has are left out."""
    items = {(module.id, question.id): _ItemTally() for module in content.modules.values() for question in module.quiz}
    for (module_id, question_id, option, item_correct, reached, correct), learners in counts.items():
        tally = items.get((module_id, question_id))
        if tally is None:
            continue
        tally.chosen[option] += learners
        if reached > 1:  # a learner with no other answer has no rest score
            tally.pairs.add(item_correct, (correct - item_correct) / (reached - 1), times=learners)
    return items


# Per learner

def _learner_module(module: Module, progress: dict | None) -> LearnerModule:
    if progress is None:
        return LearnerModule(module.id, "not_started", 0, 0, 0, 0, None, None)
    # The store only begins attempt n+1 after attempt n is completed.
    ever_completed = progress["status"] == STATUS_COMPLETED or progress["attempt"] > 1
    reached, answered, correct = progress["first_reached"], progress["first_answered"], progress["first_correct"]
    return LearnerModule(
        module_id=module.id, status="completed" if ever_completed else "in_progress", attempts=progress["attempt"],
        answered=answered, skipped=reached - answered, correct=correct,
        score=round(correct / reached, 3) if reached else None,
        last_activity=progress["updated_at"],
    )


def _attention(member: dict, modules: list[tuple[Module, LearnerModule]], now: datetime, stalled_days: int,
               low_score: float) -> tuple[Note, ...]:
    notes = []
    if all(row.status == "not_started" for _, row in modules):
        idle = _days_since(member["joined_at"], now)
        if idle >= stalled_days:
            notes.append(Note("not_started", f"Joined {idle} days ago and has not started a module."))
    for module, row in modules:
        if row.status == "in_progress" and row.last_activity:
            idle = _days_since(row.last_activity, now)
            if idle >= stalled_days:
                notes.append(Note("stalled", f"No progress in \"{module.title}\" for {idle} days."))
        reached = row.answered + row.skipped
        if row.score is not None and reached >= min(LOW_SCORE_MIN_REACHED, len(module.quiz)) and row.score < low_score:
            notes.append(Note("low_score", f"Scored {round(row.score * 100)}% in \"{module.title}\" "
                                           f"({row.correct} of {reached})."))
    return tuple(notes)


def _days_since(timestamp: str, now: datetime) -> int:
    return (now - datetime.fromisoformat(timestamp)).days


# Per module

def _module_row(module: Module, rows: list[tuple[LearnerModule, dict | None]]) -> ModuleRow:
    first_completed = [(row, progress) for row, progress in rows
                       if progress and progress["first_minutes_to_complete"] is not None]
    scores = [row.correct / (row.answered + row.skipped) for row, _ in first_completed if row.answered + row.skipped]
    histogram = [0] * len(SCORE_BINS)
    for score in scores:
        histogram[min(int(score * len(SCORE_BINS)), len(SCORE_BINS) - 1)] += 1
    completed = sum(row.status == "completed" for row, _ in rows)
    return ModuleRow(
        module_id=module.id, title=module.title, questions=len(module.quiz), learners=len(rows),
        started=sum(row.status != "not_started" for row, _ in rows),
        reached_quiz=sum(row.status == "completed" or (
            progress is not None and progress["position"] >= module.plan(progress["attempt"]).quiz_start)
                         for row, progress in rows),
        completed=completed, completion_rate=share(completed, len(rows)), mean_score=mean(scores),
        median_minutes_to_complete=median([progress["first_minutes_to_complete"] for _, progress in first_completed]),
        score_histogram=tuple(histogram),
    )


# Per question: item analysis

def _question_row(module: Module, number: int, question: Question, tally: _ItemTally) -> QuestionRow:
    attempts = sum(tally.chosen.values())
    options = tuple(OptionRow(option.letter, option.text, option.correct, tally.chosen[option.letter])
                    for option in question.options)
    correct = sum(option.chosen for option in options if option.correct)
    facility = share(correct, attempts)
    discrimination = discrimination_index(tally.pairs)
    return QuestionRow(
        module_id=module.id, question_id=question.id, number=number, prompt=question.prompt, attempts=attempts,
        correct=correct, skipped=tally.chosen[None], facility=facility, discrimination=discrimination,
        options=options, flags=_question_flags(attempts, facility, discrimination, options),
    )


def _question_flags(attempts: int, facility: float | None, discrimination: float | None,
                    options: tuple[OptionRow, ...]) -> tuple[Note, ...]:
    if attempts < MIN_RESPONSES_FOR_FLAGS or facility is None:
        return ()
    flags = []
    if facility >= TOO_EASY_FACILITY:
        flags.append(Note("too_easy", f"{round(facility * 100)}% right: the class already knows this."))
    elif facility <= TOO_HARD_FACILITY:
        flags.append(Note("too_hard", f"Only {round(facility * 100)}% right: worth going over together."))
    if discrimination is not None and discrimination < 0:
        flags.append(Note("negative_discrimination",
                          "Stronger learners got this wrong more often than weaker ones: check the wording and key."))
    for option in options:
        if not option.correct and option.chosen / attempts >= MISCONCEPTION_SHARE:
            flags.append(Note("misconception", f"{round(100 * option.chosen / attempts)}% chose "
                                               f"{option.letter.upper()} (\"{option.text}\")."))
    return tuple(flags)


# Learning gain

def _gain_rows(modules: list[Module], check_rows: list[dict]) -> list[GainRow]:
    checks: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for row in check_rows:
        if row["total"]:
            checks[row["learner_id"], row["module_id"]][row["kind"]] = row["correct"] / row["total"]
    rows = []
    for module in modules:
        pairs = [(scores["pre"], scores["post"]) for (_, module_id), scores in checks.items()
                 if module_id == module.id and {"pre", "post"} <= scores.keys()]
        mean_pre = mean([pre for pre, _ in pairs])
        mean_post = mean([post for _, post in pairs])
        gain = normalized_gain(mean_pre, mean_post) if mean_pre is not None and mean_post is not None else None
        rows.append(GainRow(module.id, len(pairs), mean_pre, mean_post, gain))
    return rows


# Practice posts

def _practice_rows(modules: list[Module], decisions: list[tuple[str, str, str | None, int | None]]
                   ) -> list[PracticeRow]:
    """decisions: (learner_id, question_id, option, investigated) of first-attempt answers (practice posts' among
    them)."""
    taken: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for _, question_id, option, investigated in decisions:
        if option is not None:
            taken[question_id].append((option, bool(investigated)))
    rows = []
    for module in modules:
        for number, question in enumerate(module.quiz, start=1):
            if question.practice is None:
                continue
            chosen = Counter(option for option, _ in taken[question.id])
            rows.append(PracticeRow(
                module_id=module.id, question_id=question.id, number=number, caption=question.practice.post.caption,
                truth=question.truth or "", decided=len(taken[question.id]),
                investigated_first=sum(investigated for _, investigated in taken[question.id]),
                right=sum(chosen[option.letter] for option in question.options if option.correct),
                decisions=tuple(OptionRow(option.letter, option.text, option.correct, chosen[option.letter])
                                for option in question.options)))
    return rows


# Discernment

def _discernment_rows(modules: list[Module], choices: list[tuple[str, str, str | None, int | None]]
                      ) -> list[DiscernmentRow]:
    """choices: (learner_id, question_id, option, investigated) of first-attempt answers to judgement items and
    practice posts."""
    by_learner: dict[str, dict[str, str | None]] = defaultdict(dict)
    for learner_id, question_id, option, _ in choices:
        by_learner[learner_id][question_id] = option
    rows = []
    for module in modules:
        items = module.discernment_items
        if not items:
            continue
        figures = []
        for answers in by_learner.values():
            judged = [(item.truth, item.says_fabricated(answers[item.id])) for item in items
                      if answers.get(item.id) is not None]
            result = discernment(
                hits=sum(said for truth, said in judged if truth == "fabricated"),
                signal_trials=sum(truth == "fabricated" for truth, _ in judged),
                false_alarms=sum(said for truth, said in judged if truth == "genuine"),
                noise_trials=sum(truth == "genuine" for truth, _ in judged))
            if result is not None:
                figures.append(result)
        rows.append(DiscernmentRow(
            module_id=module.id, learners=len(figures),
            mean_hit_rate=mean([figure.hit_rate for figure in figures]),
            mean_false_alarm_rate=mean([figure.false_alarm_rate for figure in figures]),
            mean_d_prime=mean([figure.d_prime for figure in figures]),
            mean_bias=mean([figure.bias for figure in figures]),
            calling_most_genuine_fake=sum(figure.calls_genuine_posts_fake for figure in figures),
        ))
    return rows
