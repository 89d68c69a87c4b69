"""Builds a cohort's progress report (bot.reports.rows): per learner, per module, per question (bot.reports.items) and
learning gain.

Built from the progress store and the content only: learners appear under their pseudonymous cohort label, and no
message text exists to leak. Scores and item statistics use each learner's *first* attempt at a module, because a
retake comes after seeing the answers and would flatter both the learner and the question.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from bot.learning.content import Content, Module
from bot.reports.items import discernment_rows, practice_rows, question_row, tally_items
from bot.reports.rows import (SCORE_BINS, CohortReport, GainRow, LearnerModule, LearnerRow, ModuleRow, Note,
                              garbage_collection_paused)
from bot.reports.stats import mean, median, normalized_gain, share
from bot.store import STATUS_COMPLETED, Cohort, ProgressStore

DEFAULT_STALLED_DAYS = 7
DEFAULT_LOW_SCORE = 0.5
LOW_SCORE_MIN_REACHED = 3  # questions reached (or the whole quiz, if shorter) before a low score means something


def build_report(store: ProgressStore, content: Content, cohort: Cohort, *, now: datetime,
                 stalled_days: int = DEFAULT_STALLED_DAYS, low_score: float = DEFAULT_LOW_SCORE) -> CohortReport:
    """Reads the cohort's rows (four queries) and computes every figure in memory."""
    with garbage_collection_paused():
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
    items = tally_items(store.cohort_first_attempt_answer_counts(cohort), content)
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
        questions=tuple(question_row(module, number, question, items[module.id, question.id])
                        for module in modules for number, question in enumerate(module.quiz, start=1)),
        learning_gain=tuple(_gain_rows(modules, store.cohort_check_scores(cohort))),
        discernment=tuple(discernment_rows(modules, choices)),
        practice=tuple(practice_rows(modules, choices)),
    )


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


