"""Summarises an NLU evaluation run (scripts/nlu_eval.py) of two configurations, ours and Rasa's default, as Markdown.

Reads, per configuration, Rasa's reports on the held-out split, the safety split and cross-validation
(intent_report.json, intent_errors.json, <extractor>_report.json), the harness's predictions.json (one parse per
message, timed on the held-out split, with whether the safety net's cues fire) and meta.json.
Plain Python: no Rasa import, so the figures can be recomputed and tested without a model.
"""
from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path
from typing import Iterable

from bot.errors import PauseCheckError

CONFIG_NAMES = ("ours", "default")
SAFETY_INTENTS = ("affected", "help_friend", "shared_regret", "share_request")
# The intents that lead to support: a message of one read as another still reaches support, one tap from its role.
SUPPORT_FAMILY = ("affected", "help_friend", "shared_regret")
SPLITS = ("heldout", "safety")  # evaluated splits; "cv" is cross-validation
ENTITIES = ("platform", "module", "option", "join_code")
SUMMARY_ROWS = ("accuracy", "macro avg", "weighted avg", "micro avg")
# Candidate FallbackClassifier settings shown in the summary, to choose them from the numbers.
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
AMBIGUITY_THRESHOLDS = (0.0, 0.05, 0.1)
# `make eval-ci` fails below these figures of the bot's model (the `rasa train` model eval-ci reuses). Measured on 30
# Nov 2026 (`scripts/nlu_eval.py --folds 0 --model ours=models/pause_check.tar.gz`): held-out macro F1 0.958, accuracy
# 0.957, affected recall 0.979 (47 of 48) and precision 0.959, share_request recall 1.000, platform 1.000, module
# 0.941, option 0.935; safety split affected recall 1.000 (101 of 101) and precision 0.981, help_friend recall 1.000,
# shared_regret recall 0.962, support (any role) recall 1.000. Floors sit two to four messages below, so retraining
# noise is not a failure but a real regression is (training with the same seed gave the same model here and in CI).
CI_FLOORS = {
    "heldout": {"intent macro F1": 0.93, "intent accuracy": 0.93, "affected recall": 0.93, "affected precision": 0.91,
                "share_request recall": 0.93, "platform F1": 0.97, "module F1": 0.88, "option F1": 0.90},
    "safety": {"affected recall": 0.96, "affected precision": 0.94, "help_friend recall": 0.90,
               "shared_regret recall": 0.88, "support (any role) recall": 0.97},
}


class ResultsError(PauseCheckError, FileNotFoundError):
    """An evaluation report the summary needs is missing."""


def _load(path: Path) -> dict | list:
    if not path.exists():
        raise ResultsError(f"{path} not found; run `make eval` (or scripts/nlu_eval.py) first.")
    return json.loads(path.read_text(encoding="utf-8"))


def _load_split(split_dir: Path) -> dict:
    return {"intents": _load(split_dir / "intent_report.json"), "errors": _load(split_dir / "intent_errors.json"),
            "extractors": {path.name.removesuffix("_report.json"): _load(path)
                           for path in sorted(split_dir.glob("*_report.json"))
                           if path.name not in ("intent_report.json", "response_selection_report.json")}}


def load_results(out_dir: Path, *, names: Iterable[str] | None = None) -> dict[str, dict]:
    """RETURNS (dict): per configuration, its meta, held-out reports and predictions, and cross-validation reports if
    run. names: the configurations to load; by default ours and, if it was evaluated, default.
    """
    results = {}
    for name in names or CONFIG_NAMES:
        run_dir = Path(out_dir) / name
        if names is None and name != "ours" and not run_dir.is_dir():
            continue
        run = {"meta": _load(run_dir / "meta.json")}
        for split_name in SPLITS:
            if split_name == "heldout" or (run_dir / split_name).is_dir():
                run[split_name] = _load_split(run_dir / split_name)
                run[split_name]["predictions"] = _load(run_dir / split_name / "predictions.json")
        if (run_dir / "cv").is_dir():
            run["cv"] = _load_split(run_dir / "cv")
        results[name] = run
    return results


def safety(split: dict, intent: str) -> dict[str, float]:
    """RETURNS (dict): recall, precision and false-positive rate (share of other messages read as `intent`)."""
    report = split["intents"]
    row = report.get(intent, {"recall": 0.0, "precision": 0.0, "support": 0})
    others = report["weighted avg"]["support"] - row["support"]
    false_positives = sum(error["intent_prediction"]["name"] == intent for error in split["errors"])
    return {"recall": row["recall"], "precision": row["precision"], "fp_rate": false_positives / others,
            "false_positives": false_positives, "others": others}


def support_routing(predictions: list[dict]) -> dict[str, float]:
    """RETURNS (dict): recall and precision of reaching support at all: a message of SUPPORT_FAMILY read as any
    intent of it (the friend read as the person shown still gets support, with a button to switch)."""
    expected = [p for p in predictions if p["intent"] in SUPPORT_FAMILY]
    predicted = [p for p in predictions if p["predicted"] in SUPPORT_FAMILY]
    return {"recall": sum(p["predicted"] in SUPPORT_FAMILY for p in expected) / max(len(expected), 1),
            "precision": sum(p["intent"] in SUPPORT_FAMILY for p in predicted) / max(len(predicted), 1)}


def safety_net(predictions: list[dict]) -> dict[str, int]:
    """What the input channel's safety net does on a split: it adds a "Get help" button when the cues fire
    (bot.learning.situation) on a message NLU read outside SUPPORT_FAMILY.

    RETURNS (dict): affected messages NLU missed (`missed`), of them the net caught (`caught`); other messages
    (`others`), and those it would add the button to needlessly (`false_alarms`).
    """
    missed = [p for p in predictions if p["intent"] == "affected" and p["predicted"] not in SUPPORT_FAMILY]
    others = [p for p in predictions if p["intent"] not in SUPPORT_FAMILY]
    return {"missed": len(missed), "caught": sum(p["safety_cues"] for p in missed), "others": len(others),
            "false_alarms": sum(p["safety_cues"] and p["predicted"] not in SUPPORT_FAMILY for p in others)}


def _f1(true_positives: int, predicted: int, expected: int) -> float:
    return 2 * true_positives / (predicted + expected) if predicted + expected else 0.0


def entity_f1(predictions: list[dict], *, extractor: str | None = None) -> dict[str, float]:
    """Entity-level F1 per entity: a prediction counts when its label, start and end match an annotation.

    Scores what the bot receives, so the same span from two extractors counts once right and once wrong.
    extractor (str): score only that extractor's predictions.
    RETURNS (dict): entity -> F1, for every entity annotated or predicted.
    """
    counts: dict[str, Counter] = {}
    for message in predictions:
        expected = Counter((e["entity"], e["start"], e["end"]) for e in message["entities"])
        predicted = Counter((e["entity"], e["start"], e["end"]) for e in message["predicted_entities"]
                            if extractor is None or e["extractor"] == extractor)
        for (label, *_), count in expected.items():
            counts.setdefault(label, Counter())["expected"] += count
        for key, count in predicted.items():
            label_counts = counts.setdefault(key[0], Counter())
            label_counts["predicted"] += count
            label_counts["tp"] += min(count, expected[key])
    return {label: _f1(c["tp"], c["predicted"], c["expected"]) for label, c in sorted(counts.items())}


def _cv_entity_f1(split: dict) -> dict[str, float]:
    # Rasa scores each extractor against every annotation; an entity's figure is its best extractor's.
    best: dict[str, float] = {}
    for report in split["extractors"].values():
        for label, row in report.items():
            if label not in SUMMARY_ROWS and isinstance(row, dict):
                best[label] = max(best.get(label, 0.0), row["f1-score"])
    return best


def figures(run: dict, split_name: str) -> dict[str, float]:
    """RETURNS (dict): the headline figures of one configuration on "heldout", "safety" or "cv", by name (an intent
    the split has no message of gets no figures)."""
    split = run[split_name]
    found = {"intent macro F1": split["intents"]["macro avg"]["f1-score"],
             "intent accuracy": split["intents"]["accuracy"]}
    for intent in SAFETY_INTENTS:
        if intent not in split["intents"]:
            continue
        measured = safety(split, intent)
        for key, label in (("recall", "recall"), ("precision", "precision"), ("fp_rate", "false-positive rate")):
            found[f"{intent} {label}"] = measured[key]
    if "predictions" in split:
        routing = support_routing(split["predictions"])
        found["support (any role) recall"] = routing["recall"]
        found["support (any role) precision"] = routing["precision"]
    if split_name == "safety":
        return found
    entities = entity_f1(split["predictions"]) if split_name == "heldout" else _cv_entity_f1(split)
    found.update({f"{label} F1": entities.get(label, 0.0) for label in ENTITIES})
    if split_name == "heldout":
        if run["meta"].get("train_seconds") is not None:
            found["training time (s)"] = run["meta"]["train_seconds"]
        found["median parse time (ms)"] = statistics.median(p["parse_ms"] for p in split["predictions"])
    return found


def headline_ratios(results: dict[str, dict]) -> dict[str, str]:
    """RETURNS (dict): held-out figure -> "ours / default" ratio, formatted (n/a when default's figure is 0);
    empty when the default pipeline was not evaluated.
    """
    if "default" not in results:
        return {}
    ours, default = figures(results["ours"], "heldout"), figures(results["default"], "heldout")
    return {name: f"{value / default[name]:.3f}" if default.get(name) else "n/a"
            for name, value in ours.items() if name in default}


def check_floors(run: dict, floors: dict[str, dict[str, float]]) -> list[str]:
    """RETURNS (list): one line per figure of `run` below its floor (floors per split); empty when none regressed."""
    problems = []
    for split_name, split_floors in floors.items():
        found = figures(run, split_name)
        problems += [f"{name} ({split_name}) is {found[name]:.3f}, below the floor {floor:.2f} "
                     "(bot.nlu.report.CI_FLOORS)" for name, floor in split_floors.items() if found[name] < floor]
    return problems


def fallback_table(predictions: list[dict]) -> list[dict]:
    """What each FallbackClassifier setting would do on the held-out messages (classifier output, fallback undone).

    RETURNS (list): per (threshold, ambiguity): share of messages sent to fallback, share of wrong intents caught,
    share of right intents lost, and `affected` messages lost (sent to fallback or misread) out of all of them.
    """
    rows = []
    affected = [p for p in predictions if p["intent"] == "affected"]
    for threshold in THRESHOLDS:
        for ambiguity in AMBIGUITY_THRESHOLDS:
            def falls_back(p: dict) -> bool:
                top, second = p["ranking"][0][1], p["ranking"][1][1] if len(p["ranking"]) > 1 else 0.0
                return top < threshold or top - second < ambiguity

            wrong = [p for p in predictions if p["predicted"] != p["intent"]]
            right = [p for p in predictions if p["predicted"] == p["intent"]]
            rows.append({"threshold": threshold, "ambiguity": ambiguity,
                         "fallback": sum(map(falls_back, predictions)) / len(predictions),
                         "wrong caught": sum(map(falls_back, wrong)) / max(len(wrong), 1),
                         "right lost": sum(map(falls_back, right)) / max(len(right), 1),
                         "affected lost": sum(falls_back(p) or p["predicted"] != "affected" for p in affected),
                         "affected": len(affected)})
    return rows


def _confidence_rows(predictions: list[dict]) -> list[str]:
    lines = []
    for label, chosen in (("right", [p for p in predictions if p["predicted"] == p["intent"]]),
                          ("wrong", [p for p in predictions if p["predicted"] != p["intent"]])):
        confidences = sorted(p["ranking"][0][1] for p in chosen)
        if not confidences:
            continue
        quantile = lambda q: confidences[min(int(q * len(confidences)), len(confidences) - 1)]  # noqa: E731
        lines.append(f"| {label} | {len(confidences)} | {quantile(0.05):.2f} | {quantile(0.25):.2f} | "
                     f"{quantile(0.5):.2f} | {sum(c < 0.5 for c in confidences)} |")
    return lines


def _value(name: str, value: float) -> str:
    return f"{value:.0f}" if "(s)" in name else f"{value:.1f}" if "(ms)" in name else f"{value:.3f}"


def _comparison(results: dict[str, dict], split_name: str) -> list[str]:
    ours = figures(results["ours"], split_name)
    default = figures(results["default"], split_name) if "default" in results else {}
    lines = ["| figure | ours | default | ours / default |", "| --- | --- | --- | --- |"]
    for name, value in ours.items():
        other = default.get(name)
        ratio = f"{value / other:.3f}" if other else "n/a"
        lines.append(f"| {name} | {_value(name, value)} | "
                     f"{_value(name, other) if other is not None else '-'} | {ratio} |")
    return lines


def _per_intent(results: dict[str, dict], split_name: str) -> list[str]:
    reports = {name: run[split_name]["intents"] for name, run in results.items()}
    intents = sorted(k for k, v in reports["ours"].items() if k not in SUMMARY_ROWS and isinstance(v, dict))
    lines = ["| intent | examples | ours F1 | default F1 | ours confused with |", "| --- | --- | --- | --- | --- |"]
    for intent in intents:
        row, other = reports["ours"][intent], reports.get("default", {}).get(intent)
        other_f1 = f"{other['f1-score']:.3f}" if other else "-"
        confused = ", ".join(f"{k} ({v})" for k, v in row.get("confused_with", {}).items())
        lines.append(f"| {intent} | {row['support']} | {row['f1-score']:.3f} | {other_f1} | {confused} |")
    return lines


def _safety(results: dict[str, dict], split_name: str) -> list[str]:
    lines = ["| config | intent | recall | precision | others misread as it |", "| --- | --- | --- | --- | --- |"]
    for name, run in results.items():
        for intent in SAFETY_INTENTS:
            if intent not in run[split_name]["intents"]:
                continue
            s = safety(run[split_name], intent)
            lines.append(f"| {name} | {intent} | {s['recall']:.3f} | {s['precision']:.3f} | "
                         f"{s['false_positives']} of {s['others']} ({s['fp_rate']:.2%}) |")
        if "predictions" in run[split_name]:
            routing = support_routing(run[split_name]["predictions"])
            lines.append(f"| {name} | support, any role | {routing['recall']:.3f} | {routing['precision']:.3f} | - |")
    return lines


def _safety_net(results: dict[str, dict]) -> list[str]:
    lines = ["| config | split | `affected` missed by NLU | caught by the net | other messages | false alarms |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, run in results.items():
        for split_name in SPLITS:
            if split_name in run:
                net = safety_net(run[split_name]["predictions"])
                lines.append(f"| {name} | {split_name} | {net['missed']} | {net['caught']} | {net['others']} | "
                             f"{net['false_alarms']} ({net['false_alarms'] / max(net['others'], 1):.1%}) |")
    return lines


def _extractors(results: dict[str, dict]) -> list[str]:
    lines = ["| config | extractor | " + " | ".join(f"{e} F1" for e in ENTITIES) + " |",
             "| --- | --- |" + " --- |" * len(ENTITIES)]
    for name, run in results.items():
        predictions = run["heldout"]["predictions"]
        extractors = sorted({e["extractor"] for p in predictions for e in p["predicted_entities"]})
        for extractor in [None, *extractors]:
            scores = entity_f1(predictions, extractor=extractor)
            lines.append(f"| {name} | {extractor or 'all (what the bot receives)'} | "
                         + " | ".join(f"{scores.get(e, 0.0):.3f}" for e in ENTITIES) + " |")
    return lines


def summarise(results: dict[str, dict]) -> str:
    """RETURNS (str): the Markdown summary of a two-configuration evaluation run (see load_results)."""
    configs = ", ".join(f"{name} = `{run['meta']['config']}`" for name, run in results.items())
    lines = ["# NLU evaluation: ours vs Rasa's default pipeline", "",
             f"{configs}; trained on `data/nlu`, "
             "held-out split `tests/nlu/test_data.yml` (never trained on). Intent figures score the classifier "
             "with the FallbackClassifier undone, as Rasa does; the fallback is chosen in its own section.", "",
             "## Held-out split", "", *_comparison(results, "heldout"), "",
             "Entity F1 is entity-level on what the bot receives (label, start and end must match; a duplicate "
             "from a second extractor counts as a false positive). Parse time: median over the held-out messages of "
             "each message's fastest of 3 parses; the models are loaded in one process and take turns on each "
             "message, so both are timed under the same load.", "",
             "### Safety-critical intents (held-out)", "", *_safety(results, "heldout"), "",
             "### Per intent (held-out)", "", *_per_intent(results, "heldout"), "",
             "### Entities by extractor (held-out)", "", *_extractors(results), "",
             "### Confusion matrices (held-out)", "",
             *[f"- {name}: [{name}/heldout/intent_confusion_matrix.png]({name}/heldout/intent_confusion_matrix.png)"
               for name in results], ""]
    if all("safety" in run for run in results.values()):
        lines += ["## Safety split", "",
                  "`tests/nlu/safety_data.yml`: the person shown, friends and adults helping, people who shared, and "
                  "near-misses (checking a leak, asking for it, reporting in general, ordinary photo talk), written "
                  "by a different hand than the training data and never trained on.", "",
                  *_comparison(results, "safety"), "", "### Safety-critical intents (safety split)", "",
                  *_safety(results, "safety"), "", "### Per intent (safety split)", "", *_per_intent(results, "safety"),
                  ""]
    lines += ["## Safety net", "",
              "The input channel adds \"Is this happening to you? Get help\" when a message has safety cues "
              "(first person and images with leaked/posted/shared, threats, blackmail or deepfakes; bot.learning.situation) "
              "but NLU read it outside support. Caught: `affected` messages NLU missed that get the button. False "
              "alarms: other messages that would get it.", "", *_safety_net(results), ""]
    predictions = results["ours"]["heldout"]["predictions"]
    lines += ["## Fallback thresholds (ours, held-out)", "",
              "Top intent confidence of right and wrong predictions:", "",
              "| predictions | count | 5th pct | 25th pct | median | below 0.5 |", "| --- | --- | --- | --- | --- | --- |",
              *_confidence_rows(predictions), "",
              "What each FallbackClassifier setting would do (a message sent to fallback gets \"I didn't understand\" "
              "and the menu; for `affected` that is a miss):", "",
              "| threshold | ambiguity | sent to fallback | wrong caught | right lost | affected lost |",
              "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {r['threshold']:.2f} | {r['ambiguity']:.2f} | {r['fallback']:.1%} | {r['wrong caught']:.1%} | "
              f"{r['right lost']:.1%} | {r['affected lost']} of {r['affected']} |" for r in fallback_table(predictions)]
    if all("cv" in run for run in results.values()):
        times = ", ".join(f"{name} {run['meta']['cv_seconds']:.0f} s" for name, run in results.items())
        lines += ["", f"## {results['ours']['meta']['cv_folds']}-fold cross-validation on data/nlu", "",
                  f"Time: {times}. Entity F1 "
                  "is Rasa's token-level report of the best extractor for each entity.", "",
                  *_comparison(results, "cv"), "", "### Safety-critical intents (CV)", "", *_safety(results, "cv"),
                  "", "### Per intent (CV)", "", *_per_intent(results, "cv")]
    return "\n".join(lines) + "\n"
