"""Lesson, quiz and support content: data classes, and a loader that validates `quizzes/*.yml`.

The schema is documented in quizzes/README.md. The loader collects every problem in every file and raises one
ContentError listing them as 'file: location: message', so an author can fix them all in one pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ContentError

SUPPORT_FILE = "support.yml"
OPTION_LETTERS = "abcd"
QUESTION_TYPES = ("single_choice", "true_false", "scenario")
# Values of the NLU entities `module` and `platform`: the NLU model is trained on exactly these.
MODULE_IDS = ("verify_leaks", "resist_resharing", "reporting_tools")
PLATFORMS = (
    "x", "instagram", "facebook", "tiktok", "reddit", "youtube", "snapchat", "discord", "telegram", "whatsapp",
)
MAX_TITLE = 40
MAX_LESSON_TEXT = 700
MAX_PROMPT = 500
MAX_EXPLANATION = 500
MAX_OPTION_TEXT = 100
MAX_FEEDBACK = 300


@dataclass(frozen=True)
class Option:
    letter: str
    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    prompt: str
    options: tuple[Option, ...]
    explanation: str

    @property
    def correct_option(self) -> Option:
        return next(option for option in self.options if option.correct)

    def option(self, letter: str) -> Option | None:
        return next((option for option in self.options if option.letter == letter), None)


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

    @property
    def steps_total(self) -> int:
        """Lessons plus questions: a learner's position runs from 0 to this number (completed)."""
        return len(self.lessons) + len(self.quiz)


@dataclass(frozen=True)
class PlatformRoute:
    platform: str
    name: str
    steps: str
    help_url: str | None


@dataclass(frozen=True)
class Support:
    affected: tuple[str, ...]
    share_request: tuple[str, ...]
    check_content: tuple[str, ...]
    reporting_general: tuple[str, ...]
    platforms: dict[str, PlatformRoute]


@dataclass(frozen=True)
class Content:
    modules: dict[str, Module]  # in menu order
    support: Support

    def module(self, module_id: str) -> Module | None:
        return self.modules.get(module_id)

    def next_module_after(self, module_id: str) -> Module | None:
        ids = list(self.modules)
        index = ids.index(module_id)
        return self.modules[ids[index + 1]] if index + 1 < len(ids) else None


class _Problems:
    """Collects located problems for one file."""

    def __init__(self, file_label: str) -> None:
        self.file_label = file_label
        self.items: list[str] = []

    def add(self, location: str, message: str) -> None:
        self.items.append(f"{self.file_label}: {location}: {message}" if location else f"{self.file_label}: {message}")

    def text(self, data: dict[str, Any], key: str, location: str, *, max_length: int | None = None) -> str:
        """Returns data[key] if it is a non-empty string within max_length, else records a problem and returns ''."""
        where = f"{location}: {key}" if location else key
        if key not in data:
            self.add(location, f"missing required key `{key}`")
            return ""
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            self.add(location, f"`{key}` must be non-empty text, got {value!r}")
            return ""
        value = value.strip()
        if max_length is not None and len(value) > max_length:
            self.add(where, f"is {len(value)} characters; the limit is {max_length}, shorten it")
        return value

    def url(self, data: dict[str, Any], key: str, location: str, *, required: bool = True) -> str | None:
        if key not in data and not required:
            return None
        value = self.text(data, key, location)
        if value and (not value.startswith("https://") or any(ch.isspace() for ch in value)):
            self.add(location, f"`{key}` must be one https:// link, got {value!r}")
        return value or None

    def mapping(self, value: Any, location: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.add(location, f"must be a mapping of keys to values, got {type(value).__name__}")
            return {}
        return value

    def sequence(self, data: dict[str, Any], key: str, location: str) -> list[Any]:
        value = data.get(key)
        where = f"{location}: {key}" if location else key
        if not isinstance(value, list) or not value:
            self.add(where if key in data else location,
                     "must be a non-empty list" if key in data else f"missing required key `{key}` (a list)")
            return []
        return value

    def messages(self, data: dict[str, Any], location: str) -> tuple[str, ...]:
        items = self.sequence(data, "messages", location)
        texts = []
        for index, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                self.add(f"{location}.messages[{index}]", "must be non-empty text")
            else:
                texts.append(item.strip())
        return tuple(texts)


def _read_yaml(path: Path, problems: _Problems) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problems.add(where, f"is not valid YAML ({getattr(error, 'problem', error)})")
    except UnicodeDecodeError:
        problems.add("", "is not UTF-8 text; save it as UTF-8")
    return None


def _parse_question(raw: Any, location: str, problems: _Problems) -> Question | None:
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
    if not (question_id and prompt and explanation and options):
        return None
    return Question(id=question_id, type=question_type, prompt=prompt, options=tuple(options), explanation=explanation)


def _parse_module(path: Path, raw: Any, problems: _Problems) -> Module | None:
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
    if not (module_id and title and summary and isinstance(order, int)):
        return None
    return Module(
        id=module_id, title=title, summary=summary, order=order, lessons=tuple(lessons), quiz=tuple(questions)
    )


def _parse_support(raw: Any, problems: _Problems) -> Support | None:
    data = problems.mapping(raw, "")
    if not data:
        return None
    sections = {}
    for key in ("affected", "share_request", "check_content"):
        if key not in data:
            problems.add("", f"missing required key `{key}`")
            continue
        sections[key] = problems.messages(problems.mapping(data[key], key), key)
    reporting = problems.mapping(data.get("reporting", {}), "reporting")
    general = problems.messages(problems.mapping(reporting.get("general", {}), "reporting.general"),
                                "reporting.general")
    raw_platforms = problems.mapping(reporting.get("platforms", {}), "reporting.platforms")
    platforms = {}
    for platform in PLATFORMS:
        location = f"reporting.platforms.{platform}"
        if platform not in raw_platforms:
            problems.add("reporting.platforms", f"missing platform `{platform}`")
            continue
        entry = problems.mapping(raw_platforms[platform], location)
        name = problems.text(entry, "name", location)
        steps = problems.text(entry, "steps", location, max_length=MAX_LESSON_TEXT)
        help_url = problems.url(entry, "help_url", location, required=False)
        platforms[platform] = PlatformRoute(platform=platform, name=name, steps=steps, help_url=help_url)
    for unknown in sorted(set(raw_platforms) - set(PLATFORMS)):
        problems.add("reporting.platforms", f"unknown platform `{unknown}`; platforms: {', '.join(PLATFORMS)}")
    if len(sections) != 3:
        return None
    return Support(
        affected=sections["affected"],
        share_request=sections["share_request"],
        check_content=sections["check_content"],
        reporting_general=general,
        platforms=platforms,
    )


def _check_unique_ids(modules: list[tuple[Path, Module]], problems: list[str]) -> None:
    seen: dict[str, str] = {}
    for path, module in modules:
        for item_id in [lesson.id for lesson in module.lessons] + [question.id for question in module.quiz]:
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

    directory (Path): the folder holding `<module id>.yml` files and `support.yml`.
    RETURNS (Content): modules in menu order and the support texts.
    Raises ContentError listing every problem found.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ContentError([f"{directory}: content folder not found; set PAUSECHECK_CONTENT_DIR to the quizzes folder"])
    problems: list[str] = []
    modules: list[tuple[Path, Module]] = []
    support: Support | None = None
    module_paths = sorted(path for path in directory.glob("*.yml") if path.name != SUPPORT_FILE)
    if not module_paths:
        problems.append(f"{directory}: no module files (*.yml) found")
    for path in module_paths:
        file_problems = _Problems(f"{directory.name}/{path.name}")
        raw = _read_yaml(path, file_problems)
        module = _parse_module(path, raw, file_problems) if not file_problems.items else None
        problems.extend(file_problems.items)
        if module is not None:
            modules.append((path, module))
    support_path = directory / SUPPORT_FILE
    support_problems = _Problems(f"{directory.name}/{SUPPORT_FILE}")
    if not support_path.is_file():
        support_problems.add("", "file not found; it holds the support answers (see quizzes/README.md)")
    else:
        raw = _read_yaml(support_path, support_problems)
        if not support_problems.items:
            support = _parse_support(raw, support_problems)
    problems.extend(support_problems.items)
    _check_unique_ids(modules, problems)
    if problems or support is None:
        raise ContentError(problems)
    ordered = sorted((module for _, module in modules), key=lambda module: module.order)
    return Content(modules={module.id: module for module in ordered}, support=support)
