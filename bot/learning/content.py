"""Lesson, quiz and support content: data classes, and a loader that validates `quizzes/*.yml`.

The schema is documented in quizzes/README.md. The loader collects every problem in every file and raises one
ContentError listing them as 'file: location: message', so an author can fix them all in one pass.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, TypeVar

from bot.errors import ContentError
from bot.learning.free_text import FreeText, parse_free_text
from bot.learning.practice import TRUTHS, Practice, parse_practice, says_fabricated
from bot.learning.support import Support, parse_support
from bot.learning.validation import MAX_FEEDBACK, Problems, read_yaml
from bot.learning.wording import Wording, parse_wording

SUPPORT_FILE = "support.yml"
WORDING_FILE = "wording.yml"
OPTION_LETTERS = "abcd"
CHOICE_TYPES = ("single_choice", "true_false", "scenario")
QUESTION_TYPES = (*CHOICE_TYPES, "judgement", "free_text", "practice")
# A judgement item's two buttons; B is the "signal" (a fabricated or misleading post) in signal-detection terms.
JUDGEMENT_OPTIONS = {"genuine": "Likely genuine", "fabricated": "Likely fabricated or misleading"}
SAID_FABRICATED = "b"  # the letter of "Likely fabricated or misleading"
CHECK_ITEMS = (3, 4)  # how many items a pre- or post-check has
# Values of the NLU entity `module`: the NLU model is trained on exactly these
# (platforms: bot.learning.support.PLATFORMS).
MODULE_IDS = ("verify_leaks", "resist_resharing", "reporting_tools")
MAX_TITLE = 40
MAX_LESSON_TEXT = 700
MAX_PROMPT = 500
MAX_EXPLANATION = 500
MAX_OPTION_TEXT = 100
Parsed = TypeVar("Parsed")


@dataclass(frozen=True)
class Option:
    letter: str
    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Question:
    """A quiz question or check item. Choice and judgement questions have options; free_text ones have
    `free_text` instead; practice posts have `practice`, and their decisions as options. Judgement items and
    practice posts also have `truth`; check items have `skill`."""

    id: str
    type: str
    prompt: str
    options: tuple[Option, ...]
    explanation: str
    truth: str | None = None  # judgement items and practice posts: "genuine" or "fabricated"
    skill: str | None = None  # required on check items
    free_text: FreeText | None = None
    practice: Practice | None = None  # practice posts: their options are the decisions

    @property
    def correct_option(self) -> Option:
        return next(option for option in self.options if option.correct)

    def option(self, letter: str) -> Option | None:
        return next((option for option in self.options if option.letter == letter), None)

    def says_fabricated(self, letter: str) -> bool:
        """Whether choosing `letter` calls a judgement item or practice post fabricated (for discernment)."""
        if self.practice is not None:
            return says_fabricated(self.practice.decisions[OPTION_LETTERS.index(letter)].kind)
        return letter == SAID_FABRICATED


@dataclass(frozen=True)
class Lesson:
    id: str
    text: str
    source: str


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    summary: str
    order: int
    lessons: tuple[Lesson, ...]
    quiz: tuple[Question, ...]
    pre_check: tuple[Question, ...] = ()
    post_check: tuple[Question, ...] = ()
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # for free_text grading

    def plan(self, attempt: int) -> "AttemptPlan":
        """The steps of an attempt: the pre-check only in the first (a retake would measure memory of it)."""
        return AttemptPlan(self.pre_check if attempt == 1 else (), self.lessons, self.quiz, self.post_check)

    @property
    def judgement_items(self) -> tuple[Question, ...]:
        return tuple(question for question in self.quiz if question.type == "judgement")

    @property
    def discernment_items(self) -> tuple[Question, ...]:
        """Quiz items with a truth (judgement items, practice posts): what discernment (d′, bias) is computed from."""
        return tuple(question for question in self.quiz if question.truth is not None)

    @property
    def practice_posts(self) -> tuple[Question, ...]:
        return tuple(question for question in self.quiz if question.practice is not None)


StepKind = Literal["pre", "lesson", "quiz", "post"]


@dataclass(frozen=True)
class AttemptPlan:
    """One attempt at a module as a sequence of steps: pre-check, lessons, quiz, post-check. A learner's stored
    position indexes this sequence; `total` means the attempt is completed."""

    pre_check: tuple[Question, ...]
    lessons: tuple[Lesson, ...]
    quiz: tuple[Question, ...]
    post_check: tuple[Question, ...]

    @property
    def total(self) -> int:
        return len(self.pre_check) + len(self.lessons) + len(self.quiz) + len(self.post_check)

    @property
    def quiz_start(self) -> int:
        return len(self.pre_check) + len(self.lessons)

    def step(self, position: int) -> tuple[StepKind, int, Lesson | Question] | None:
        """(kind, index within that part, item) at `position`, or None at or past the end."""
        for kind, items in (("pre", self.pre_check), ("lesson", self.lessons), ("quiz", self.quiz),
                            ("post", self.post_check)):
            if position < len(items):
                return kind, position, items[position]
            position -= len(items)
        return None


@dataclass(frozen=True)
class Content:
    modules: dict[str, Module]  # in menu order
    support: Support
    wording: Wording

    def module(self, module_id: str) -> Module | None:
        return self.modules.get(module_id)

    def next_module_after(self, module_id: str) -> Module | None:
        ids = list(self.modules)
        index = ids.index(module_id)
        return self.modules[ids[index + 1]] if index + 1 < len(ids) else None


def _parse_question(raw: Any, location: str, problems: Problems, *, check: bool = False) -> Question | None:
    """A quiz question, or (check=True) a pre/post check item, which also needs a `skill`."""
    data = problems.mapping(raw, location)
    if not data:
        return None
    question_id = problems.text(data, "id", location)
    if question_id:
        location = f"{location} ({question_id})"
    question_type = problems.text(data, "type", location)
    if question_type and question_type not in QUESTION_TYPES:
        problems.add(location, f"`type` is {question_type!r}; use one of: {', '.join(QUESTION_TYPES)}")
    prompt = problems.text(data, "prompt", location, max_length=MAX_PROMPT)
    explanation = problems.text(data, "explanation", location, max_length=MAX_EXPLANATION)
    skill = problems.text(data, "skill", location) if check or "skill" in data else None
    truth, free_text, options, practice = None, None, (), None
    if question_type == "judgement":
        truth, options = _parse_judgement(data, location, problems)
    elif question_type == "free_text":
        free_text = parse_free_text(data, location, problems)
    elif question_type == "practice":
        if check:
            problems.add(location, "a practice post belongs in the quiz, not in a check")
        truth = _truth(data, location, problems)
        practice = parse_practice(data, location, truth, problems)
        options = tuple(Option(letter=letter, text=decision.label, correct=decision.correct, feedback=decision.feedback)
                        for letter, decision in zip(OPTION_LETTERS, practice.decisions)) if practice else ()
    else:
        options = _parse_options(data, location, question_type, problems)
    complete = free_text is not None if question_type == "free_text" else bool(options)
    if not (question_id and prompt and explanation and complete) or (check and not skill):
        return None
    return Question(id=question_id, type=question_type, prompt=prompt, options=options, explanation=explanation,
                    truth=truth, skill=skill, free_text=free_text, practice=practice)


def _parse_options(data: dict[str, Any], location: str, question_type: str, problems: Problems
                   ) -> tuple[Option, ...]:
    raw_options = problems.sequence(data, "options", location)
    if raw_options and not 2 <= len(raw_options) <= len(OPTION_LETTERS):
        problems.add(f"{location}: options", f"has {len(raw_options)} options; a question needs 2 to 4")
    options = []
    for letter, raw_option in zip(OPTION_LETTERS, raw_options):
        option_location = f"{location}: options[{OPTION_LETTERS.index(letter)}]"
        option_data = problems.mapping(raw_option, option_location)
        if not option_data:
            continue
        text = problems.text(option_data, "text", option_location, max_length=MAX_OPTION_TEXT)
        feedback = problems.text(option_data, "feedback", option_location, max_length=MAX_FEEDBACK)
        correct = option_data.get("correct")
        if not isinstance(correct, bool):
            problems.add(option_location, f"`correct` must be true or false, got {correct!r}")
        options.append(Option(letter=letter, text=text, correct=correct is True, feedback=feedback))
    if options:
        correct_count = sum(option.correct for option in options)
        if correct_count != 1:
            problems.add(f"{location}: options", f"exactly one option must have `correct: true`, found {correct_count}")
        texts = [option.text.lower() for option in options]
        if len(set(texts)) != len(texts):
            problems.add(f"{location}: options", "two options have the same text; learners could not tell them apart")
        if question_type == "true_false" and sorted(texts) != ["false", "true"]:
            problems.add(f"{location}: options", "a true_false question has exactly two options, `True` and `False`")
    return tuple(options)


def _parse_judgement(data: dict[str, Any], location: str, problems: Problems) -> tuple[str | None, tuple[Option, ...]]:
    """A judgement item becomes two fixed options: A "Likely genuine", B "Likely fabricated or misleading"."""
    if "options" in data:
        problems.add(location, "a judgement item has no `options`: its buttons are always "
                               f"{' and '.join(repr(text) for text in JUDGEMENT_OPTIONS.values())}")
    truth = _truth(data, location, problems)
    feedback = problems.feedback(data, ("right", "wrong"), location)
    if truth is None or not feedback or not all(feedback.values()):
        return None, ()
    options = tuple(
        Option(letter=letter, text=JUDGEMENT_OPTIONS[judged], correct=judged == truth,
               feedback=feedback["right" if judged == truth else "wrong"])
        for letter, judged in zip(OPTION_LETTERS, TRUTHS)
    )
    return truth, options


def _truth(data: dict[str, Any], location: str, problems: Problems) -> str | None:
    truth = data.get("truth")
    if truth not in TRUTHS:
        problems.add(location, f"`truth` must be `genuine` or `fabricated`, got {truth!r}")
        return None
    return truth


def _parse_check(data: dict[str, Any], key: str, problems: Problems) -> tuple[Question, ...]:
    if key not in data:
        return ()
    items = tuple(
        question for index, raw in enumerate(problems.sequence(data, key, ""))
        if (question := _parse_question(raw, f"{key}[{index}]", problems, check=True)) is not None
    )
    if key in data and isinstance(data[key], list) and len(data[key]) not in CHECK_ITEMS:
        problems.add(key, f"has {len(data[key])} items; a check has {' or '.join(map(str, CHECK_ITEMS))}")
    return items


def _parse_synonyms(data: dict[str, Any], problems: Problems) -> dict[str, tuple[str, ...]]:
    raw = problems.mapping(data.get("synonyms", {}), "synonyms")
    synonyms = {}
    for word, alternatives in raw.items():
        if not isinstance(word, str) or not isinstance(alternatives, list) or not alternatives or not all(
                isinstance(alternative, str) and alternative.strip() for alternative in alternatives):
            problems.add(f"synonyms: {word}", "must map a word to a non-empty list of words, e.g. pause: [stop, wait]")
            continue
        synonyms[word.strip().lower()] = tuple(alternative.strip().lower() for alternative in alternatives)
    return synonyms


def _parse_module(path: Path, raw: Any, problems: Problems) -> Module | None:
    data = problems.mapping(raw, "")
    if not data:
        return None
    module_id = problems.text(data, "id", "")
    if module_id and module_id != path.stem:
        problems.add("id", f"is {module_id!r} but the file is {path.name}; the file name must be `<id>.yml`")
    title = problems.text(data, "title", "", max_length=MAX_TITLE)
    summary = problems.text(data, "summary", "")
    order = data.get("order")
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        problems.add("order", f"must be a whole number from 1 (menu position), got {order!r}")
    lessons = []
    for index, raw_lesson in enumerate(problems.sequence(data, "lessons", "")):
        location = f"lessons[{index}]"
        lesson_data = problems.mapping(raw_lesson, location)
        if not lesson_data:
            continue
        lesson_id = problems.text(lesson_data, "id", location)
        if lesson_id:
            location = f"{location} ({lesson_id})"
        text = problems.text(lesson_data, "text", location, max_length=MAX_LESSON_TEXT)
        source = problems.url(lesson_data, "source", location)
        if lesson_id and text and source:
            lessons.append(Lesson(id=lesson_id, text=text, source=source))
    questions = [
        question
        for index, raw_question in enumerate(problems.sequence(data, "quiz", ""))
        if (question := _parse_question(raw_question, f"quiz[{index}]", problems)) is not None
    ]
    pre_check = _parse_check(data, "pre_check", problems)
    post_check = _parse_check(data, "post_check", problems)
    if len(pre_check) == len(data.get("pre_check") or []) and len(post_check) == len(data.get("post_check") or []):
        _check_parallel(pre_check, post_check, problems)
    judgements = [question.truth for question in questions if question.type == "judgement"]
    if judgements.count("genuine") != judgements.count("fabricated"):
        problems.add("quiz", f"has {judgements.count('genuine')} genuine and {judgements.count('fabricated')} "
                             "fabricated judgement items; they come in matched pairs, as many of each")
    synonyms = _parse_synonyms(data, problems)
    if not (module_id and title and summary and isinstance(order, int)):
        return None
    return Module(
        id=module_id, title=title, summary=summary, order=order, lessons=tuple(lessons), quiz=tuple(questions),
        pre_check=pre_check, post_check=post_check, synonyms=synonyms,
    )


def _check_parallel(pre_check: tuple[Question, ...], post_check: tuple[Question, ...], problems: Problems) -> None:
    """The post-check must test the same skills as the pre-check, item by item, with different questions."""
    if len(pre_check) != len(post_check):
        problems.add("post_check", f"has {len(post_check)} items but pre_check has {len(pre_check)}; "
                                   "item n of each tests the same skill")
        return
    for index, (before, after) in enumerate(zip(pre_check, post_check)):
        if before.skill != after.skill:
            problems.add(f"post_check[{index}] ({after.id})",
                         f"tests skill {after.skill!r} but pre_check[{index}] tests {before.skill!r}")
        if before.prompt.lower() == after.prompt.lower():
            problems.add(f"post_check[{index}] ({after.id})",
                         "repeats the pre-check question; use a different scenario for the same skill")


def _check_unique_ids(modules: list[tuple[Path, Module]], problems: list[str]) -> None:
    seen: dict[str, str] = {}
    for path, module in modules:
        questions = module.quiz + module.pre_check + module.post_check
        for item_id in [lesson.id for lesson in module.lessons] + [question.id for question in questions]:
            if item_id in seen:
                problems.append(f"{path.name}: {item_id}: id is already used in {seen[item_id]}; ids must be unique")
            else:
                seen[item_id] = path.name
    orders: dict[int, str] = {}
    for path, module in modules:
        if module.order in orders:
            problems.append(f"{path.name}: order: {module.order} is already used by {orders[module.order]}")
        orders[module.order] = path.name


def load_content(directory: Path) -> Content:
    """Loads and validates every content file in `directory`.

    directory (Path): the folder holding `<module id>.yml` files, `support.yml` and `wording.yml`.
    RETURNS (Content): modules in menu order, the support texts and the chat's wording.
    Raises ContentError listing every problem found.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ContentError([f"{directory}: content folder not found; set PAUSECHECK_CONTENT_DIR to the quizzes folder"])
    problems: list[str] = []
    modules: list[tuple[Path, Module]] = []
    module_paths = sorted(path for path in directory.glob("*.yml") if path.name not in (SUPPORT_FILE, WORDING_FILE))
    if not module_paths:
        problems.append(f"{directory}: no module files (*.yml) found")
    for path in module_paths:
        file_problems = Problems(f"{directory.name}/{path.name}")
        raw = read_yaml(path, file_problems)
        module = _parse_module(path, raw, file_problems) if not file_problems.items else None
        problems.extend(file_problems.items)
        if module is not None:
            modules.append((path, module))
    module_ids = tuple(module.id for _, module in modules)
    support = _load_file(directory, SUPPORT_FILE, "the support answers", problems,
                         lambda raw, found: parse_support(raw, found, module_ids=module_ids))
    wording = _load_file(directory, WORDING_FILE, "the chat's button titles and phrases", problems, parse_wording)
    _check_unique_ids(modules, problems)
    if problems or support is None or wording is None:
        raise ContentError(problems, directory)
    ordered = sorted((module for _, module in modules), key=lambda module: module.order)
    return Content(modules={module.id: module for module in ordered}, support=support, wording=wording)


def _load_file(directory: Path, name: str, holds: str, problems: list[str],
               parse: Callable[[Any, Problems], Parsed | None]) -> Parsed | None:
    """One of the content folder's other files (not a module), parsed; its problems are added to `problems`."""
    path, file_problems = directory / name, Problems(f"{directory.name}/{name}")
    parsed = None
    if not path.is_file():
        file_problems.add("", f"file not found; it holds {holds} (see quizzes/README.md)")
    else:
        raw = read_yaml(path, file_problems)
        if not file_problems.items:
            parsed = parse(raw, file_problems)
    problems.extend(file_problems.items)
    return parsed
