"""The item-bank rules (bot/learning/item_bank.py): the shipped bank passes every rule, and each rule fails on an item bank
that breaks it, with a message that names the place and the fix."""
from __future__ import annotations

from dataclasses import replace

import pytest

from bot.learning.content import Module, Option, Question, load_content
from bot.learning.item_bank import MAX_MODULE_MINUTES, item_bank_problems, module_problems, module_stats
from tests.conftest import SHIPPED_CONTENT

CONTENT = load_content(SHIPPED_CONTENT)
MODULE = CONTENT.modules["resist_resharing"]


def test_the_shipped_item_bank_passes_every_rule():
    assert item_bank_problems(CONTENT) == []
    for module in CONTENT.modules.values():
        stats = module_stats(module)
        assert stats.minutes <= MAX_MODULE_MINUTES and stats.practice_posts >= 3, module.id


def first(module: Module, predicate) -> tuple[int, Question]:
    return next((index, question) for index, question in enumerate(module.quiz) if predicate(question))


def with_quiz_item(module: Module, index: int, question: Question) -> Module:
    quiz = list(module.quiz)
    quiz[index] = question
    return replace(module, quiz=tuple(quiz))


def longest_right_everywhere(module: Module) -> Module:
    """Every choice item's right option made the strictly longest."""
    def lengthen(question: Question) -> Question:
        if question.type not in ("single_choice", "scenario"):
            return question
        longest = max(len(option.text) for option in question.options)
        return replace(question, options=tuple(
            replace(option, text=option.text + " (and this, for good measure)" + "!" * longest) if option.correct
            else option for option in question.options))
    return replace(module, quiz=tuple(map(lengthen, module.quiz)), pre_check=tuple(map(lengthen, module.pre_check)),
                   post_check=tuple(map(lengthen, module.post_check)))


def test_right_option_longest_too_often():
    problems = module_problems(longest_right_everywhere(MODULE))
    assert any(problem.startswith("items: the right option is the longest in") and "at most 35%" in problem
               for problem in problems), problems


def test_parallel_pair_with_another_type():
    post = MODULE.post_check[0]
    changed = replace(MODULE, post_check=(replace(post, type="true_false", options=(
        Option("a", "True", True, "Right: the reason is stated here."),
        Option("b", "False", False, "Wrong: the reason is stated here.")), ), *MODULE.post_check[1:]))
    assert (f"post_check[0] ({post.id}): is true_false with 2 options but pre_check[0] ({MODULE.pre_check[0].id}) is "
            f"{MODULE.pre_check[0].type} with {len(MODULE.pre_check[0].options)}; a parallel form has the same type "
            "and number of options") in module_problems(changed)


def test_a_repeated_stem():
    index, question = first(MODULE, lambda q: q.type == "scenario")
    copy = replace(question, id="rr_copy", skill="another_skill")
    changed = replace(MODULE, quiz=(*MODULE.quiz, copy))
    assert (f"quiz[{len(MODULE.quiz)}] (rr_copy): shares a stem with quiz[{index}] ({question.id}); ask about a "
            "different situation") in module_problems(changed)


def test_the_same_skill_tested_the_same_way():
    (one, first_item), (two, second_item) = [(i, q) for i, q in enumerate(MODULE.quiz) if q.type == "scenario"][:2]
    changed = with_quiz_item(MODULE, two, replace(second_item, skill=first_item.skill))
    assert (f"quiz[{two}] ({second_item.id}): tests {first_item.skill} as a scenario item, as quiz[{one}] "
            f"({first_item.id}) does; test another skill or test it another way") in module_problems(changed)


def test_a_quiz_item_without_a_skill():
    index, question = first(MODULE, lambda q: q.type == "scenario")
    changed = with_quiz_item(MODULE, index, replace(question, skill=None))
    assert f"quiz[{index}] ({question.id}): missing `skill`: name what it tests, e.g. sift_stop" in \
        module_problems(changed)


def test_too_few_applied_items():
    recall = replace(MODULE, quiz=tuple(replace(q, type="single_choice") if q.type == "scenario" else q
                                        for q in MODULE.quiz))
    applied = sum(q.type in ("scenario", "judgement", "practice") for q in recall.quiz)
    assert (f"quiz: {applied} of {len(recall.quiz)} items apply a skill to a situation "
            f"({applied / len(recall.quiz):.0%}); at least 60% must be scenario, judgement, practice items") in \
        module_problems(recall)


def test_a_judgement_prompt_that_hands_over_a_check():
    verify = CONTENT.modules["verify_leaks"]
    index, item = first(verify, lambda q: q.type == "judgement")
    changed = with_quiz_item(verify, index, replace(item, prompt=item.prompt + " No news outlet reports it."))
    assert (f"quiz[{index}] ({item.id}): prompt hands over the result of a check (\"No news outlet\"); describe what "
            "a checker would see and let the learner make the check") in module_problems(changed)


def test_feedback_that_does_not_say_why():
    index, question = first(MODULE, lambda q: q.type == "scenario")
    wrong = next(option for option in question.options if not option.correct)
    changed = with_quiz_item(MODULE, index, replace(question, options=tuple(
        replace(option, feedback="Nope.") if option is wrong else option for option in question.options)))
    assert (f"quiz[{index}] ({question.id}): feedback of option {wrong.letter.upper()} is under 5 words; say why "
            "the option is right or wrong") in module_problems(changed)


def test_an_explanation_that_repeats_the_feedback():
    index, question = first(MODULE, lambda q: q.type == "scenario")
    changed = with_quiz_item(MODULE, index, replace(question, explanation=question.correct_option.feedback))
    assert (f"quiz[{index}] ({question.id}): explanation repeats the right answer's feedback; add something it does "
            "not say (a source, a limit, a next step)") in module_problems(changed)


def test_too_few_practice_posts_or_none_genuine():
    posts = MODULE.practice_posts
    no_genuine = replace(MODULE, quiz=tuple(replace(q, truth="fabricated") if q.practice else q for q in MODULE.quiz))
    assert (f"quiz: has {len(posts)} practice posts, 0 genuine; it needs at least 3, and one in three genuine, so "
            "that suspicion alone never wins") in module_problems(no_genuine)


def test_too_long_to_read():
    lessons = tuple(replace(lesson, text=lesson.text + " word" * 400) for lesson in MODULE.lessons)
    problems = module_problems(replace(MODULE, lessons=lessons))
    assert any(problem.startswith("takes ") and "minutes to read" in problem and "at most 12" in problem
               for problem in problems), problems


@pytest.mark.parametrize("module_id", list(CONTENT.modules))
def test_every_module_has_three_practice_posts_one_in_three_genuine(module_id):
    posts = CONTENT.modules[module_id].practice_posts
    assert len(posts) >= 3 and 3 * sum(post.truth == "genuine" for post in posts) >= len(posts)
