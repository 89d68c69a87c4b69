"""Free-text grader evaluation (`make eval-grading`): grades the labelled answers in tests/grading/ against the
content in quizzes/, writes results/grading/summary.md and prints it.

Exits 1 when precision of "right" is below 0.95 or its recall below 0.85 (or the inputs are invalid).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.learning.content import load_content  # noqa: E402  (imports after the path is set)
from bot.errors import PauseCheckError  # noqa: E402
from bot.nlu.grading_eval import evaluate, load_labelled, render_summary  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", type=Path, default=ROOT / "tests" / "grading" / "labelled_answers.yml")
    parser.add_argument("--content-dir", type=Path, default=ROOT / "quizzes")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "grading" / "summary.md")
    args = parser.parse_args(argv)
    try:
        content = load_content(args.content_dir)
        evaluation = evaluate(load_labelled(args.labelled, content), content)
    except PauseCheckError as error:
        print(error, file=sys.stderr)
        return 1
    summary = render_summary(evaluation, labelled_path=_shown(args.labelled))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(summary, encoding="utf-8")
    print(summary)
    print(f"Written to {_shown(args.out)}")
    if evaluation.shortfalls:
        print("Targets missed: " + "; ".join(evaluation.shortfalls), file=sys.stderr)
        return 1
    return 0


def _shown(path: Path) -> Path:
    """The path relative to the repository when it is inside it, so the summary reads the same on every machine."""
    path = path.resolve()
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


if __name__ == "__main__":
    sys.exit(main())
