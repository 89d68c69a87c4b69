"""Measures the free-text grader (bot.learning.grading) on a labelled set of typed answers (`make eval-grading`).

The labelled set is YAML: `questions: {<question id>: [{answer: "...", label: right|partial|wrong}, ...]}`.
Precision of a grade: of the answers given that grade, the share labelled so. Recall: of the answers labelled so,
the share given that grade. The issue's targets apply to "right", because a wrong answer graded right is the
mistake that teaches a learner something false.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

import yaml

from bot.learning.content import Content, Question
from bot.errors import LabelledSetError
from bot.learning.grading import Status, grade
from bot.learning.lemmas import warm_up

if TYPE_CHECKING:
    from spacy.language import Language

STATUSES: tuple[Status, ...] = get_args(Status)
TARGET_PRECISION = 0.95
TARGET_RECALL = 0.85


@dataclass(frozen=True)
class LabelledAnswer:
    question_id: str
    answer: str
    label: Status


@dataclass(frozen=True)
class GradedAnswer:
    labelled: LabelledAnswer
    status: Status
    milliseconds: float


@dataclass(frozen=True)
class Evaluation:
    graded: tuple[GradedAnswer, ...]

    def precision(self, status: Status) -> float | None:
        """Of the answers graded `status`, the share labelled so; None when none was graded so."""
        given = [item for item in self.graded if item.status == status]
        return sum(item.labelled.label == status for item in given) / len(given) if given else None

    def recall(self, status: Status) -> float | None:
        """Of the answers labelled `status`, the share graded so; None when none is labelled so."""
        labelled = [item for item in self.graded if item.labelled.label == status]
        return sum(item.status == status for item in labelled) / len(labelled) if labelled else None

    def count(self, label: Status, status: Status) -> int:
        return sum(item.labelled.label == label and item.status == status for item in self.graded)

    @property
    def misgraded(self) -> tuple[GradedAnswer, ...]:
        return tuple(item for item in self.graded if item.status != item.labelled.label)

    @property
    def shortfalls(self) -> tuple[str, ...]:
        """The targets missed, in words; empty when both are met."""
        precision, recall = self.precision("right"), self.recall("right")
        missed = []
        if precision is None or precision < TARGET_PRECISION:
            missed.append(f"precision of right is {_figure(precision)}, target {TARGET_PRECISION:.2f}")
        if recall is None or recall < TARGET_RECALL:
            missed.append(f"recall of right is {_figure(recall)}, target {TARGET_RECALL:.2f}")
        return tuple(missed)


def load_labelled(path: Path, content: Content) -> tuple[LabelledAnswer, ...]:
    """Reads the labelled set; raises LabelledSetError listing every problem (unknown ids, bad labels)."""
    path = Path(path)
    if not path.is_file():
        raise LabelledSetError([f"{path}: file not found"])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise LabelledSetError([f"{path}: not valid YAML: {error}"]) from error
    questions = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(questions, dict) or not questions:
        raise LabelledSetError([f"{path}: needs a `questions` mapping of question id to a list of answers"])
    known = _free_text_questions(content)
    problems, answers = [], []
    for question_id, items in questions.items():
        if question_id not in known:
            problems.append(f"{path.name}: {question_id}: not a free_text question in the content; "
                            f"free_text questions: {', '.join(sorted(known)) or 'none'}")
            continue
        for index, item in enumerate(items if isinstance(items, list) else [items]):
            answer, label = _answer_and_label(item)
            if answer is None or label not in STATUSES:
                problems.append(f"{path.name}: {question_id}[{index}]: needs `answer` (text) and `label` "
                                f"({', '.join(STATUSES)}), got {item!r}")
            else:
                answers.append(LabelledAnswer(question_id, answer, label))
    if problems:
        raise LabelledSetError(problems)
    return tuple(answers)


def evaluate(labelled: tuple[LabelledAnswer, ...], content: Content, *, nlp: "Language | None" = None
             ) -> Evaluation:
    """Grades every labelled answer, timing each grade (the pipeline is loaded and each question read first)."""
    questions = _free_text_questions(content)
    warm_up(nlp=nlp)
    for question, synonyms in questions.values():
        grade(question, synonyms, "", nlp=nlp)
    graded = []
    for item in labelled:
        question, synonyms = questions[item.question_id]
        started = time.perf_counter()
        status = grade(question, synonyms, item.answer, nlp=nlp).status
        graded.append(GradedAnswer(item, status, (time.perf_counter() - started) * 1000))
    return Evaluation(tuple(graded))


def render_summary(evaluation: Evaluation, *, labelled_path: Path) -> str:
    """RETURNS (str): Markdown with precision and recall, the confusion table, timings and every misgraded answer."""
    times = sorted(item.milliseconds for item in evaluation.graded)
    lines = [f"# Free-text grading: {len(evaluation.graded)} labelled answers ({labelled_path})", "",
             "| grade | precision | recall | target |", "| --- | --- | --- | --- |"]
    for status in ("right", "partial"):
        target = f"precision ≥ {TARGET_PRECISION}, recall ≥ {TARGET_RECALL}" if status == "right" else "—"
        lines.append(f"| {status} | {_figure(evaluation.precision(status))} | {_figure(evaluation.recall(status))} "
                     f"| {target} |")
    lines += ["", "Result: " + ("targets met." if not evaluation.shortfalls
                                else "TARGETS MISSED: " + "; ".join(evaluation.shortfalls) + "."), "",
              "## Confusion (rows: label, columns: grade)", "", "| label \\ grade | " + " | ".join(STATUSES) + " |",
              "| --- |" + " --- |" * len(STATUSES)]
    for label in STATUSES:
        lines.append(f"| {label} | " + " | ".join(str(evaluation.count(label, status)) for status in STATUSES) + " |")
    if times:
        lines += ["", f"Time per answer after loading: median {statistics.median(times):.2f} ms, "
                      f"95th percentile {times[int(0.95 * (len(times) - 1))]:.2f} ms, slowest {times[-1]:.2f} ms."]
    lines += ["", f"## Misgraded answers ({len(evaluation.misgraded)})", ""]
    if evaluation.misgraded:
        lines += ["| question | label | grade | answer |", "| --- | --- | --- | --- |"]
        lines += [f"| {item.labelled.question_id} | {item.labelled.label} | {item.status} | "
                  f"{_cell(item.labelled.answer)} |" for item in evaluation.misgraded]
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def _free_text_questions(content: Content) -> dict[str, tuple[Question, dict[str, tuple[str, ...]]]]:
    """Every free_text question (quiz and checks) by id, with its module's synonyms."""
    return {question.id: (question, module.synonyms) for module in content.modules.values()
            for question in module.quiz + module.pre_check + module.post_check if question.free_text is not None}


def _answer_and_label(item: Any) -> tuple[str | None, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("answer"), str):
        return None, None
    return item["answer"], item.get("label")


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "(empty)"
