"""Synthetic learners for the report benchmark and the demo cohort: realistic answers, bulk-written by the store.

Each learner has an ability and each question a difficulty; the chance of a right answer is logistic(ability -
difficulty), a wrong answer picks one of the wrong options, so item statistics look like a real class's. The store
bulk-inserts the rows in one write transaction (going through the tutor would take minutes for 10,000 learners).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.learning.content import Content
from bot.store import STATUS_COMPLETED, STATUS_IN_PROGRESS, Cohort, ProgressStore

LABEL_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"


@dataclass(frozen=True)
class SyntheticCohort:
    cohort: Cohort
    learners: int
    answers: int


def _label(index: int) -> str:
    """A distinct 4-character label per index (29**4 > 700,000 labels)."""
    characters = []
    for _ in range(4):
        index, digit = divmod(index, len(LABEL_ALPHABET))
        characters.append(LABEL_ALPHABET[digit])
    return "".join(reversed(characters))


def populate_cohort(store: ProgressStore, content: Content, cohort: Cohort, *, learners: int,
                    answers_per_learner: int, start: datetime, seed: int, prefix: str,
                    varied: bool = False) -> SyntheticCohort:
    """Adds `learners` members to `cohort`, each having answered the first `answers_per_learner` questions (in
    menu order) of their first attempts, read every lesson before them, and spent 1-3 minutes per question.

    varied: a demo class instead of a benchmark: each learner answers anything from none to
    `answers_per_learner` questions, joins within a week of `start`, and has pre- and post-check scores for the
    modules they completed (4 items each, the post-check a little easier for them than the pre-check).
    """
    rng = random.Random(seed)
    questions = [(module, question) for module in content.modules.values() for question in module.quiz]
    difficulty = {question.id: rng.gauss(-0.8, 1.0) for _, question in questions}
    learner_rows, member_rows, progress_rows, attempt_rows, answer_rows, check_rows = [], [], [], [], [], []
    for index in range(learners):
        learner_id = f"{prefix}-{index:06d}"
        ability = rng.gauss(0.0, 1.0)
        joined = start + timedelta(minutes=rng.randrange(0, 7 * 24 * 60 if varied else 60))
        clock = joined
        answered = questions[:rng.randint(0, answers_per_learner) if varied else answers_per_learner]
        for module in content.modules.values():
            mine = [question for owner, question in answered if owner.id == module.id]
            if not mine:
                continue
            started = clock
            clock += timedelta(minutes=len(module.lessons))
            for question in mine:
                clock += timedelta(seconds=rng.randrange(60, 180))
                right = rng.random() < 1 / (1 + math.exp(difficulty[question.id] - ability))
                if question.free_text is not None:  # typed answers are stored as their grade
                    option = "right" if right else "wrong"
                else:
                    option = rng.choice([option for option in question.options if option.correct == right]).letter
                answer_rows.append((learner_id, module.id, 1, question.id, option, int(right),
                                    f"m{len(answer_rows)}", clock.isoformat(timespec="seconds")))
            done = len(mine) == len(module.quiz)
            completed_at = clock.isoformat(timespec="seconds") if done else None
            progress_rows.append((learner_id, module.id, 1, len(module.lessons) + len(mine),
                                  STATUS_COMPLETED if done else STATUS_IN_PROGRESS,
                                  started.isoformat(timespec="seconds"), clock.isoformat(timespec="seconds"),
                                  completed_at))
            right_answers = sum(row[5] for row in answer_rows[-len(mine):])
            attempt_rows.append((learner_id, module.id, 1, started.isoformat(timespec="seconds"), completed_at,
                                 len(mine), len(mine), right_answers))
            if varied and done:
                for kind, boost in (("pre", 0.0), ("post", 1.2)):
                    right = sum(rng.random() < 1 / (1 + math.exp(-(ability + boost))) for _ in range(4))
                    check_rows.append((learner_id, module.id, kind, right, 4, clock.isoformat(timespec="seconds")))
        learner_rows.append((learner_id, joined.isoformat(timespec="seconds"), clock.isoformat(timespec="seconds")))
        member_rows.append((learner_id, cohort.id, _label(index), joined.isoformat(timespec="seconds")))
    store.add_synthetic_class({"learners": learner_rows, "cohort_members": member_rows,
                               "module_progress": progress_rows, "attempts": attempt_rows, "answers": answer_rows,
                               "check_scores": check_rows})
    return SyntheticCohort(cohort, learners, len(answer_rows))
