"""The grader's evaluation (make eval-grading), on tests/fixtures/grading: 7 labelled answers, one misgraded (a
partly right answer about metadata the fixture's phrases don't cover)."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.learning.content import Content, load_content
from bot.errors import LabelledSetError
from bot.nlu.grading_eval import Evaluation, GradedAnswer, LabelledAnswer, evaluate, load_labelled, render_summary
from scripts.eval_grading import main

FIXTURE = Path(__file__).parent / "fixtures" / "grading"


@pytest.fixture(scope="module")
def grading_content() -> Content:
    return load_content(FIXTURE / "content")


@pytest.fixture(scope="module")
def evaluation(grading_content) -> Evaluation:
    return evaluate(load_labelled(FIXTURE / "labelled_answers.yml", grading_content), grading_content)


def made_up(*pairs: tuple[str, str]) -> Evaluation:
    """An evaluation with the given (label, grade) pairs."""
    return Evaluation(tuple(GradedAnswer(LabelledAnswer("q", f"answer {index}", label), status, 0.1)
                            for index, (label, status) in enumerate(pairs)))


def test_precision_and_recall_on_hand_counted_grades():
    result = made_up(("right", "right"), ("right", "partial"), ("partial", "right"), ("wrong", "wrong"),
                     ("partial", "partial"), ("right", "right"))
    assert result.precision("right") == 2 / 3 and result.recall("right") == 2 / 3
    assert result.precision("partial") == 1 / 2 and result.recall("partial") == 1 / 2
    assert result.count("partial", "right") == 1 and len(result.misgraded) == 2
    assert made_up(("wrong", "wrong")).precision("right") is None


def test_targets():
    assert made_up(*[("right", "right")] * 20).shortfalls == ()
    missed = made_up(*[("right", "right")] * 18, ("wrong", "right"), ("right", "partial"), ("right", "wrong"),
                     ("right", "wrong"))
    assert missed.shortfalls == ("precision of right is 0.947, target 0.95",)  # recall 18/21 = 0.857 is enough
    assert made_up(("right", "partial")).shortfalls == ("precision of right is n/a, target 0.95",
                                                        "recall of right is 0.000, target 0.85")


def test_the_fixture_set_is_graded(evaluation):
    assert len(evaluation.graded) == 7
    assert [(item.labelled.question_id, item.labelled.label, item.status) for item in evaluation.misgraded] == [
        ("g_old_photo", "partial", "wrong")]
    assert evaluation.precision("right") == 1.0 and evaluation.recall("right") == 1.0


def test_the_summary_lists_figures_confusion_and_misgraded_answers(evaluation):
    summary = render_summary(evaluation, labelled_path=Path("tests/fixtures/grading/labelled_answers.yml"))
    assert "| right | 1.000 | 1.000 | precision ≥ 0.95, recall ≥ 0.85 |" in summary
    assert "| partial | 1.000 | 0.500 | — |" in summary
    assert "| partial | 0 | 1 | 1 |" in summary  # labelled partial: graded right 0, partial 1, wrong 1
    assert "| g_old_photo | partial | wrong | look at the image's date \\| check metadata |" in summary
    assert "Result: targets met." in summary


def test_labelled_set_problems_are_listed_at_once(tmp_path, grading_content):
    path = tmp_path / "labelled.yml"
    path.write_text("questions:\n  g_first_step:\n    - {answer: stop, label: correct}\n    - {label: right}\n"
                    "  nope: [{answer: x, label: right}]\n", encoding="utf-8")
    with pytest.raises(LabelledSetError) as error:
        load_labelled(path, grading_content)
    assert error.value.problems == [
        "labelled.yml: g_first_step[0]: needs `answer` (text) and `label` (right, partial, wrong), "
        "got {'answer': 'stop', 'label': 'correct'}",
        "labelled.yml: g_first_step[1]: needs `answer` (text) and `label` (right, partial, wrong), "
        "got {'label': 'right'}",
        "labelled.yml: nope: not a free_text question in the content; free_text questions: g_adult_hashing, "
        "g_first_step, g_old_photo, g_sent_a_leak",
    ]


def test_the_script_writes_the_summary_and_fails_below_target(tmp_path, capsys):
    out = tmp_path / "summary.md"
    args = ["--labelled", str(FIXTURE / "labelled_answers.yml"), "--content-dir", str(FIXTURE / "content"),
            "--out", str(out)]
    assert main(args) == 0 and "Result: targets met." in out.read_text(encoding="utf-8")
    failing = tmp_path / "failing.yml"
    failing.write_text("questions:\n  g_first_step:\n    - {answer: stop, label: wrong}\n", encoding="utf-8")
    assert main(["--labelled", str(failing), *args[2:]]) == 1
    assert "Targets missed: precision of right is 0.000, target 0.95" in capsys.readouterr().err


def test_the_script_names_a_missing_labelled_set(tmp_path, capsys):
    assert main(["--labelled", str(tmp_path / "none.yml"), "--content-dir", str(FIXTURE / "content")]) == 1
    assert f"{tmp_path / 'none.yml'}: file not found" in capsys.readouterr().err
