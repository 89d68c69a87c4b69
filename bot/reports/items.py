"""First attempts, item by item: item analysis (facility, discrimination and the flags a facilitator acts on),
practice-post decisions and discernment between genuine and fabricated posts."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bot.learning.content import Content, Module, Question
from bot.reports.rows import MIN_RESPONSES_FOR_FLAGS, DiscernmentRow, Note, OptionRow, PracticeRow, QuestionRow
from bot.reports.stats import PairSums, discernment, discrimination_index, mean, share

TOO_EASY_FACILITY = 0.9
TOO_HARD_FACILITY = 0.3
MISCONCEPTION_SHARE = 0.3  # a wrong option chosen this often points at a belief the class shares


@dataclass
class ItemTally:
    chosen: Counter = field(default_factory=Counter)  # option letter (None: skipped) -> learners
    pairs: PairSums = field(default_factory=PairSums)  # (item score, rest score) per learner


def tally_items(counts: Counter[tuple[str, str, str | None, int, int, int]], content: Content
                 ) -> dict[tuple[str, str], ItemTally]:
    """Option counts and (item score, rest score) sums per question, from the store's counts of first-attempt
    answers by (module, question, option, item score, questions reached, right in the attempt). A learner's rest
    score is their share right on the attempt's other questions. Questions the content no longer has are left out."""
    items = {(module.id, question.id): ItemTally() for module in content.modules.values() for question in module.quiz}
    for (module_id, question_id, option, item_correct, reached, correct), learners in counts.items():
        tally = items.get((module_id, question_id))
        if tally is None:
            continue
        tally.chosen[option] += learners
        if reached > 1:  # a learner with no other answer has no rest score
            tally.pairs.add(item_correct, (correct - item_correct) / (reached - 1), times=learners)
    return items


def question_row(module: Module, number: int, question: Question, tally: ItemTally) -> QuestionRow:
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


# Practice posts

def practice_rows(modules: list[Module], decisions: list[tuple[str, str, str | None, int | None]]
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

def discernment_rows(modules: list[Module], choices: list[tuple[str, str, str | None, int | None]]
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
