"""The item bank's quality rules and figures: an item bank that measures skill, not test-wiseness or recall.

`python -m bot validate-content` applies these rules on top of the schema (bot.learning.content), so `make run` and CI
refuse a bank that breaks them; `python -m bot content-stats` prints the figures. The rules, per module:
- the right option is the strictly longest in at most MAX_LONGEST_RIGHT of the choice items (single_choice,
  scenario; checks included), so length gives nothing away;
- every pre/post pair has the same type, the same number of options and the same skill, in a different scenario;
- no two items share a stem, and no two test the same skill the same way (same skill and type);
- at least MIN_APPLIED of the quiz items apply a skill to a situation (scenario, judgement, practice post);
- judgement prompts describe what a checker would see, never the result of a check;
- option feedback says why (MIN_FEEDBACK_WORDS words or more), and the explanation adds to the right option's
  feedback instead of repeating it;
- at least MIN_PRACTICE_POSTS practice posts, one in three or more genuine;
- at most MAX_MODULE_MINUTES of reading at READING_WORDS_PER_MINUTE.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import combinations

from bot.learning.content import Content, Module, Question
from bot.learning.lemmas import lemmas
from bot.learning.support import shown_words

READING_WORDS_PER_MINUTE = 150
MAX_MODULE_MINUTES = 12
MAX_LONGEST_RIGHT = 0.35
MIN_APPLIED = 0.60
MIN_PRACTICE_POSTS = 3
MIN_GENUINE_SHARE = 1 / 3
APPLIED_TYPES = ("scenario", "judgement", "practice")
LONGEST_RULE_TYPES = ("single_choice", "scenario")
SIMILAR_STEMS = 0.6  # share of two prompts' content words (Jaccard) from which they share a stem
REPEATED = 0.5  # share of content words from which an explanation repeats the feedback
MIN_FEEDBACK_WORDS = 5
# Results of checks a judgement prompt must not hand over: the learner makes the checks.
CHECK_RESULTS = re.compile(
    r"\bno (?:reputable |reliable |major |established |other )?(?:news |media )?(?:outlet|site|source|coverage|"
    r"report)s?\b|\b(?:outlets?|fact-?checkers?|experts?|searches?|a search)\b[^.]{0,40}\b(?:report|confirm|find|"
    r"found|show|debunk)|\breverse image search\b|\bdebunk|\bfact-?check|\bconfirm(?:s|ed)?\b", re.I)
_STOPWORDS = frozenset("a an the and or of to in on at for with by from is be it its this that you your what which "
                       "who how do does can could would should will not no as if than then so".split())


@dataclass(frozen=True)
class ModuleStats:
    module_id: str
    types: dict[str, int]  # quiz and check items by type
    choice_items: int  # single_choice and scenario items
    longest_right: int  # of them, those whose right option is the strictly longest
    words: int  # words a learner reads answering every item right and making every key move
    practice_posts: int
    genuine_posts: int

    @property
    def minutes(self) -> float:
        return self.words / READING_WORDS_PER_MINUTE

    @property
    def longest_right_share(self) -> float:
        return self.longest_right / self.choice_items if self.choice_items else 0.0


def items(module: Module) -> tuple[Question, ...]:
    return module.pre_check + module.quiz + module.post_check


def right_is_longest(question: Question) -> bool:
    lengths = sorted((len(option.text), option.correct) for option in question.options)
    return lengths[-1][1] and (len(lengths) < 2 or lengths[-1][0] > lengths[-2][0])


def module_stats(module: Module) -> ModuleStats:
    choice = [question for question in items(module) if question.type in LONGEST_RULE_TYPES]
    posts = [question for question in module.quiz if question.type == "practice"]
    return ModuleStats(
        module_id=module.id, types=dict(Counter(question.type for question in items(module))),
        choice_items=len(choice), longest_right=sum(map(right_is_longest, choice)), words=words_shown(module),
        practice_posts=len(posts), genuine_posts=sum(question.truth == "genuine" for question in posts))


def words_shown(module: Module) -> int:
    """Words a learner reads in one attempt, answering every item right and making every key move."""
    texts = [module.summary, *(lesson.text for lesson in module.lessons)]
    for question in items(module):
        texts += [question.prompt, question.explanation, *(option.text for option in question.options)]
        if question.free_text is not None:
            texts += [question.free_text.answer, question.free_text.right]
        elif question.options:
            texts.append(question.correct_option.feedback)
        if question.practice is not None:
            post = question.practice.post
            texts += [post.display_name, post.handle, post.account_age, post.followers, post.posted, post.caption,
                      post.image, *(f"{reply.handle} {reply.text}" for reply in post.replies),
                      *(move.label for move in question.practice.moves),
                      *(move.finding for move in question.practice.moves if move.kind in question.practice.key_moves)]
    return sum(shown_words(text) for text in texts)


def _content(text: str) -> set[str]:
    return {lemma for lemma in lemmas(text) if lemma not in _STOPWORDS and any(ch.isalnum() for ch in lemma)}


def _overlap(first: set[str], second: set[str]) -> float:
    return len(first & second) / len(first | second) if first | second else 0.0


def _stem(question: Question) -> str:
    return question.practice.post.caption if question.practice else question.prompt


def _where(module: Module, question: Question) -> str:
    for part in ("pre_check", "quiz", "post_check"):
        questions = getattr(module, part)
        if question in questions:
            return f"{part}[{questions.index(question)}] ({question.id})"
    raise ValueError(question.id)


def module_problems(module: Module) -> list[str]:
    """Every rule the module breaks, as 'location: problem'."""
    problems: list[str] = []
    stats = module_stats(module)
    if stats.longest_right_share > MAX_LONGEST_RIGHT:
        longest = [question.id for question in items(module)
                   if question.type in LONGEST_RULE_TYPES and right_is_longest(question)]
        problems.append(f"items: the right option is the longest in {stats.longest_right} of {stats.choice_items} "
                        f"choice items ({stats.longest_right_share:.0%}); at most {MAX_LONGEST_RIGHT:.0%}: make a "
                        f"wrong option as long, or the right one shorter ({', '.join(longest)})")
    problems += _parallel_problems(module)
    problems += _repeat_problems(module)
    applied = sum(question.type in APPLIED_TYPES for question in module.quiz)
    if module.quiz and applied / len(module.quiz) < MIN_APPLIED:
        problems.append(f"quiz: {applied} of {len(module.quiz)} items apply a skill to a situation "
                        f"({applied / len(module.quiz):.0%}); at least {MIN_APPLIED:.0%} must be "
                        f"{', '.join(APPLIED_TYPES)} items")
    for question in items(module):
        problems += [f"{_where(module, question)}: {problem}" for problem in _item_problems(question)]
    if stats.practice_posts < MIN_PRACTICE_POSTS or stats.genuine_posts < MIN_GENUINE_SHARE * stats.practice_posts:
        problems.append(f"quiz: has {stats.practice_posts} practice posts, {stats.genuine_posts} genuine; it needs at "
                        f"least {MIN_PRACTICE_POSTS}, and one in three genuine, so that suspicion alone never wins")
    if stats.minutes > MAX_MODULE_MINUTES:
        problems.append(f"takes {stats.minutes:.1f} minutes to read ({stats.words} words at "
                        f"{READING_WORDS_PER_MINUTE} a minute); at most {MAX_MODULE_MINUTES}: shorten lessons and "
                        "feedback")
    return problems


def _parallel_problems(module: Module) -> list[str]:
    problems = []
    for index, (before, after) in enumerate(zip(module.pre_check, module.post_check)):
        if (before.type, len(before.options)) != (after.type, len(after.options)):
            problems.append(f"post_check[{index}] ({after.id}): is {after.type} with {len(after.options)} options "
                            f"but pre_check[{index}] ({before.id}) is {before.type} with {len(before.options)}; a "
                            "parallel form has the same type and number of options")
    return problems


def _repeat_problems(module: Module) -> list[str]:
    problems = []
    stems = {question.id: _content(_stem(question)) for question in items(module)}
    for first, second in combinations(items(module), 2):
        if _overlap(stems[first.id], stems[second.id]) >= SIMILAR_STEMS:
            problems.append(f"{_where(module, second)}: shares a stem with {_where(module, first)}; ask about a "
                            "different situation")
    seen: dict[tuple[str, str], Question] = {}
    for question in module.pre_check + module.quiz:  # the post-check repeats the pre-check's skills on purpose
        if question.skill is None:
            problems.append(f"{_where(module, question)}: missing `skill`: name what it tests, e.g. sift_stop")
            continue
        if (key := (question.skill, question.type)) in seen:
            problems.append(f"{_where(module, question)}: tests {question.skill} as a {question.type} item, as "
                            f"{_where(module, seen[key])} does; test another skill or test it another way")
        seen[key] = question
    return problems


def _item_problems(question: Question) -> list[str]:
    problems = []
    if question.type == "judgement" and (found := CHECK_RESULTS.search(question.prompt)):
        problems.append(f"prompt hands over the result of a check (\"{found.group(0)}\"); describe what a checker "
                        "would see and let the learner make the check")
    short = [option.letter.upper() for option in question.options
             if shown_words(option.feedback) < MIN_FEEDBACK_WORDS]
    if short and question.type != "judgement":
        problems.append(f"feedback of option {', '.join(short)} is under {MIN_FEEDBACK_WORDS} words; say why the "
                        "option is right or wrong")
    right_feedback = (question.free_text.right if question.free_text
                      else question.correct_option.feedback if question.options else "")
    if right_feedback and _overlap(_content(right_feedback), _content(question.explanation)) >= REPEATED:
        problems.append("explanation repeats the right answer's feedback; add something it does not say (a "
                        "source, a limit, a next step)")
    return problems


def item_bank_problems(content: Content) -> list[str]:
    """Every item-bank rule the content breaks, as 'quizzes/<module>.yml: location: problem'."""
    return [f"quizzes/{module.id}.yml: {problem}" for module in content.modules.values()
            for problem in module_problems(module)]
