"""NLU evaluation harness (`make eval`, `make eval-ci`): our config.yml and Rasa's default pipeline, side by side.

For each configuration: train on data/nlu (timed), evaluate on the held-out split tests/nlu/test_data.yml with Rasa's
evaluation (reports, errors, confusion matrix), then load the model in-process and parse every held-out message once,
timing each parse (predictions.json). With --folds N, also Rasa's N-fold cross-validation on data/nlu. Finally writes
summary.md with bot.nlu_report and prints the ours/default ratios.

Results: OUT/<config>/heldout/, OUT/<config>/cv/, OUT/<config>/meta.json, OUT/summary.md.
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

from bot.nlu_report import CI_FLOORS, check_floors, headline_ratios, load_results, summarise  # noqa: E402

CONFIGS = {"ours": ROOT / "config.yml", "default": ROOT / "tests/nlu/config_default.yml"}
TRAIN_DATA = ROOT / "data/nlu"
TEST_DATA = ROOT / "tests/nlu/test_data.yml"
WARM_UP_PARSES = 5  # the first parses build TensorFlow graphs; they are not what a learner waits for


def _rasa(*args: str) -> float:
    """Runs one `rasa` command next to this Python; RETURNS (float): its wall-clock seconds."""
    started = time.monotonic()
    subprocess.run([str(Path(sys.executable).parent / "rasa"), *args], check=True, cwd=ROOT,
                   env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    return time.monotonic() - started


def train(config: Path, model_dir: Path, name: str) -> tuple[Path, float]:
    """RETURNS (tuple): the trained NLU model and the training time in seconds."""
    seconds = _rasa("train", "nlu", "--config", str(config), "--nlu", str(TRAIN_DATA), "--out", str(model_dir),
                    "--fixed-model-name", name)
    return model_dir / f"{name}.tar.gz", seconds


async def _evaluate(model: Path, out_dir: Path) -> list[dict]:
    from rasa.core.agent import Agent
    from rasa.nlu.classifiers.fallback_classifier import is_fallback_classifier_prediction, undo_fallback_prediction
    from rasa.nlu.test import run_evaluation
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # As the `rasa` command does: Rasa's info logs, without a debug line per parsed message.
    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)
    agent = Agent.load(str(model))
    await run_evaluation(str(TEST_DATA), agent.processor, output_directory=str(out_dir), errors=True)
    examples = load_data(str(TEST_DATA)).intent_examples
    for example in examples[:WARM_UP_PARSES]:
        await agent.parse_message(example.get("text"))
    predictions = []
    for example in examples:
        started = time.perf_counter()
        parsed = await agent.parse_message(example.get("text"))
        parse_ms = (time.perf_counter() - started) * 1000
        # Rasa's reports score the classifier with the fallback undone; keep both so thresholds can be chosen.
        classified = undo_fallback_prediction(parsed) if is_fallback_classifier_prediction(parsed) else parsed
        predictions.append({
            "text": example.get("text"), "intent": example.get("intent"),
            "predicted": classified["intent"]["name"], "fallback": is_fallback_classifier_prediction(parsed),
            "ranking": [[row["name"], row["confidence"]] for row in classified.get("intent_ranking", [])[:3]],
            "entities": [{key: entity[key] for key in ("entity", "start", "end", "value")}
                         for entity in example.get("entities", [])],
            "predicted_entities": [{key: entity.get(key) for key in ("entity", "start", "end", "value", "extractor")}
                                   for entity in parsed.get("entities", [])],
            "parse_ms": parse_ms})
    return predictions


def evaluate_heldout(model: Path, out_dir: Path) -> None:
    """Writes Rasa's held-out reports and predictions.json (one timed parse per message) to out_dir."""
    predictions = asyncio.run(_evaluate(model, out_dir))
    (out_dir / "predictions.json").write_text(json.dumps(predictions, indent=1), encoding="utf-8")


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
                        help="Exit 1 if a held-out figure of ours is below its floor in bot.nlu_report.CI_FLOORS.")
    args = parser.parse_args()
    if args.folds == 1 or args.folds < 0:
        parser.error("--folds must be 0 (no cross-validation) or at least 2")
    reused, names = dict(args.model), ["ours"] if args.skip_default else list(CONFIGS)
    for name in names:
        config, run_dir = CONFIGS[name], args.out / name
        run_dir.mkdir(parents=True, exist_ok=True)
        meta = {"config": str(config.relative_to(ROOT))}
        if name in reused:
            model, meta["model"] = reused[name], str(reused[name])
        else:
            model, meta["train_seconds"] = train(config, args.out / "models", name)
        evaluate_heldout(model, run_dir / "heldout")
        if args.folds:
            meta["cv_folds"], meta["cv_seconds"] = args.folds, cross_validate(config, args.folds, run_dir / "cv")
        (run_dir / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
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
