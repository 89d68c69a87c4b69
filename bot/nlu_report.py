"""Summarises Rasa's NLU evaluation reports (intent_report.json, <extractor>_report.json) as Markdown."""
from __future__ import annotations

import json
from pathlib import Path

SUMMARY_ROWS = ("accuracy", "macro avg", "weighted avg")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _f1(row: dict | float) -> str:
    return f"{row:.3f}" if isinstance(row, float) else f"{row['f1-score']:.3f}"


def summarise(results_dir: Path) -> str:
    """RETURNS (str): Markdown with headline intent figures, per-intent F1 and entity F1 per extractor."""
    results_dir = Path(results_dir)
    intent_path = results_dir / "intent_report.json"
    if not intent_path.exists():
        raise FileNotFoundError(f"{intent_path} not found; run `make eval` (rasa test nlu) first.")
    intents = _load(intent_path)
    lines = [f"# NLU evaluation ({results_dir})", "", "| figure | value |", "| --- | --- |",
             f"| intent accuracy | {_f1(intents['accuracy'])} |",
             f"| intent macro F1 | {_f1(intents['macro avg'])} |",
             f"| intent weighted F1 | {_f1(intents['weighted avg'])} |", "",
             "## Intents", "", "| intent | precision | recall | F1 | examples |", "| --- | --- | --- | --- | --- |"]
    for name, row in sorted(intents.items()):
        if name in SUMMARY_ROWS or not isinstance(row, dict):
            continue
        lines.append(f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1-score']:.3f} | "
                     f"{row['support']} |")
    for report_path in sorted(results_dir.glob("*_report.json")):
        if report_path.name in ("intent_report.json", "response_selection_report.json"):
            continue
        extractor = report_path.name.removesuffix("_report.json")
        lines += ["", f"## Entities: {extractor}", "", "| entity | precision | recall | F1 | examples |",
                  "| --- | --- | --- | --- | --- |"]
        for name, row in sorted(_load(report_path).items()):
            if name in SUMMARY_ROWS or name == "micro avg" or not isinstance(row, dict):
                continue
            lines.append(f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1-score']:.3f} | "
                         f"{row['support']} |")
    return "\n".join(lines) + "\n"
