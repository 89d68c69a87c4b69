"""NLU evaluation harness (`make eval`, `make eval-ci`): our config.yml and Rasa's default pipeline, side by side.

For each configuration: train on data/nlu (timed), evaluate on the held-out split tests/nlu/test_data.yml and on the
safety split tests/nlu/safety_data.yml with Rasa's evaluation (reports, errors, confusion matrix) and keep every
message's prediction (predictions.json, with whether the safety net's cues fire on it). With --folds N, also Rasa's
N-fold cross-validation on data/nlu. Then all models are loaded in one process and time the parse of every held-out
message, interleaved. Finally writes summary.md with bot.nlu.report and prints the ours/default ratios.

Results: OUT/<config>/heldout/, OUT/<config>/safety/, OUT/<config>/cv/, OUT/<config>/meta.json, OUT/summary.md.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.nlu.report import CI_FLOORS, check_floors, headline_ratios, load_results, summarise  # noqa: E402

CONFIGS = {"ours": ROOT / "config.yml", "default": ROOT / "tests/nlu/config_default.yml"}
TRAIN_DATA = ROOT / "data/nlu"
TEST_DATA = ROOT / "tests/nlu/test_data.yml"
SPLITS = {"heldout": TEST_DATA, "safety": ROOT / "tests/nlu/safety_data.yml"}
WARM_UP_PARSES = 5  # the first parses build TensorFlow graphs; they are not what a learner waits for
TIMING_ROUNDS = 3


def _rasa(*args: str) -> float:
    """Runs one `rasa` command next to this Python; RETURNS (float): its wall-clock seconds."""
    started = time.monotonic()
    subprocess.run([str(Path(sys.executable).parent / "rasa"), *args], check=True, cwd=ROOT,
                   env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    return time.monotonic() - started


def train(config: Path, model_dir: Path, name: str) -> Path:
    """RETURNS (Path): the trained NLU model; its training time goes to a .json file beside it."""
    seconds = _rasa("train", "nlu", "--config", str(config), "--nlu", str(TRAIN_DATA), "--out", str(model_dir),
                    "--fixed-model-name", name)
    model = model_dir / f"{name}.tar.gz"
    _training_record(model).write_text(json.dumps({"train_seconds": seconds}), encoding="utf-8")
    return model


def _training_record(model: Path) -> Path:
    return model.with_name(model.name.removesuffix(".tar.gz") + ".json")


def train_seconds(model: Path) -> float | None:
    """RETURNS: how long `model` took to train, when this harness trained it (so a reused model keeps its figure)."""
    record = _training_record(model)
    return json.loads(record.read_text(encoding="utf-8"))["train_seconds"] if record.is_file() else None


def _configure_rasa_logging() -> None:
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # As the `rasa` command does: Rasa's info logs, without a debug line per parsed message.
    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)


def _held_out_texts() -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [example.get("text") for example in load_data(str(TEST_DATA)).intent_examples]


async def _evaluate(model: Path, split: Path, out_dir: Path) -> list[dict]:
    from rasa.core.agent import Agent
    from rasa.nlu.classifiers.fallback_classifier import is_fallback_classifier_prediction, undo_fallback_prediction
    from rasa.nlu.test import run_evaluation
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.learning.situation import safety_cues

    _configure_rasa_logging()
    agent = Agent.load(str(model))
    await run_evaluation(str(split), agent.processor, output_directory=str(out_dir), errors=True)
    predictions = []
    for example in load_data(str(split)).intent_examples:
        parsed = await agent.parse_message(example.get("text"))
        # Rasa's reports score the classifier with the fallback undone; keep both so thresholds can be chosen.
        classified = undo_fallback_prediction(parsed) if is_fallback_classifier_prediction(parsed) else parsed
        predictions.append({
            "text": example.get("text"), "intent": example.get("intent"),
            "predicted": classified["intent"]["name"], "fallback": is_fallback_classifier_prediction(parsed),
            "safety_cues": safety_cues(example.get("text")).about_the_writer,
            "ranking": [[row["name"], row["confidence"]] for row in classified.get("intent_ranking", [])[:3]],
            "entities": [{key: entity[key] for key in ("entity", "start", "end", "value")}
                         for entity in example.get("entities", [])],
            "predicted_entities": [{key: entity.get(key) for key in ("entity", "start", "end", "value", "extractor")}
                                   for entity in parsed.get("entities", [])]})
    return predictions


def evaluate_split(model: Path, split: Path, out_dir: Path) -> None:
    """Writes Rasa's reports on one split and predictions.json (every message's prediction) to out_dir."""
    predictions = asyncio.run(_evaluate(model, split, out_dir))
    (out_dir / "predictions.json").write_text(json.dumps(predictions, indent=1), encoding="utf-8")


async def _time_parses(models: dict[str, Path], texts: list[str]) -> dict[str, list[float]]:
    from rasa.core.agent import Agent

    _configure_rasa_logging()
    agents = {name: Agent.load(str(model)) for name, model in models.items()}
    for agent in agents.values():
        for text in texts[:WARM_UP_PARSES]:
            await agent.parse_message(text)
    timings: dict[str, list[list[float]]] = {name: [[] for _ in texts] for name in agents}
    order = list(agents)
    for _ in range(TIMING_ROUNDS):
        for index, text in enumerate(texts):
            order.reverse()  # alternate which model goes first, so neither always runs on a warmer cache
            for name in order:
                started = time.perf_counter()
                await agents[name].parse_message(text)
                timings[name][index].append((time.perf_counter() - started) * 1000)
    return {name: [min(rounds) for rounds in per_text] for name, per_text in timings.items()}


def time_parses(models: dict[str, Path], out_dir: Path) -> None:
    """Adds each held-out message's parse time (ms) to every configuration's predictions.json.

    All models are loaded in one process and parse the same message in turn, TIMING_ROUNDS times; a message's time is
    the fastest of its rounds. Interleaving keeps the comparison fair when the machine's load changes during the run.
    """
    timings = asyncio.run(_time_parses(models, _held_out_texts()))
    for name, parse_ms in timings.items():
        path = out_dir / name / "heldout" / "predictions.json"
        predictions = json.loads(path.read_text(encoding="utf-8"))
        for prediction, milliseconds in zip(predictions, parse_ms, strict=True):
            prediction["parse_ms"] = milliseconds
        path.write_text(json.dumps(predictions, indent=1), encoding="utf-8")


def cross_validate(config: Path, folds: int, out_dir: Path) -> float:
    """RETURNS (float): seconds for Rasa's `folds`-fold cross-validation of `config` on data/nlu."""
    return _rasa("test", "nlu", "--nlu", str(TRAIN_DATA), "--config", str(config), "--cross-validation",
                 "--folds", str(folds), "--out", str(out_dir))


def _model_option(value: str) -> tuple[str, Path]:
    name, _, path = value.partition("=")
    if name not in CONFIGS or not path:
        raise argparse.ArgumentTypeError(f"expected CONFIG=PATH with CONFIG one of {', '.join(CONFIGS)}, got {value!r}")
    if not Path(path).is_file():
        raise argparse.ArgumentTypeError(f"no model at {path}; train it first (make setup trains ours)")
    return name, Path(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "results/nlu-eval", help="Results folder.")
    parser.add_argument("--folds", type=int, default=5, help="Cross-validation folds; 0 skips cross-validation.")
    parser.add_argument("--model", type=_model_option, action="append", default=[], metavar="CONFIG=PATH",
                        help="Evaluate this trained model instead of training CONFIG (e.g. ours=models/x.tar.gz).")
    parser.add_argument("--skip-default", action="store_true",
                        help="Evaluate ours only (the summary then has no default column or ratios).")
    parser.add_argument("--check", action="store_true",
                        help="Exit 1 if a figure of ours is below its floor in bot.nlu.report.CI_FLOORS.")
    args = parser.parse_args()
    if args.folds == 1 or args.folds < 0:
        parser.error("--folds must be 0 (no cross-validation) or at least 2")
    from channels import rasa_compat  # imports Rasa: after the options, so --help stays quick

    rasa_compat.check()  # the Rasa functions this harness imports are undocumented; a moved one is named here
    reused, names = dict(args.model), ["ours"] if args.skip_default else list(CONFIGS)
    models: dict[str, Path] = {}
    for name in names:
        config, run_dir = CONFIGS[name], args.out / name
        run_dir.mkdir(parents=True, exist_ok=True)
        meta = {"config": str(config.relative_to(ROOT))}
        model = models[name] = reused[name] if name in reused else train(config, args.out / "models", name)
        meta["model"], meta["train_seconds"] = str(model), train_seconds(model)
        for split_name, split in SPLITS.items():
            evaluate_split(model, split, run_dir / split_name)
        if args.folds:
            meta["cv_folds"], meta["cv_seconds"] = args.folds, cross_validate(config, args.folds, run_dir / "cv")
        (run_dir / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    time_parses(models, args.out)
    results = load_results(args.out, names=names)
    (args.out / "summary.md").write_text(summarise(results), encoding="utf-8")
    print(f"Summary: {args.out / 'summary.md'}\nours / default:")
    for figure, ratio in headline_ratios(results).items():
        print(f"  {figure:<32} {ratio}")
    problems = check_floors(results["ours"], CI_FLOORS) if args.check else []
    for problem in problems:
        print(f"NLU regression: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
