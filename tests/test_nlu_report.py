"""NLU summary figures from a tiny evaluation run written by hand (no model needed)."""
from __future__ import annotations

import json

import pytest

from bot.nlu.report import (ResultsError, check_floors, entity_f1, fallback_table, figures, load_results,
                            safety_net, summarise, support_routing)


def _row(precision: float, recall: float, support: int) -> dict:
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1-score": f1, "support": support}


def _prediction(text: str, intent: str, predicted: str, confidence: float, *, entities=(), predicted_entities=()):
    return {"text": text, "intent": intent, "predicted": predicted, "fallback": False,
            "ranking": [[predicted, confidence], ["other", 1 - confidence]], "entities": list(entities),
            "predicted_entities": list(predicted_entities), "parse_ms": 10.0, "safety_cues": False}


TIKTOK = {"entity": "platform", "start": 10, "end": 16, "value": "tiktok"}
PREDICTIONS = [
    _prediction("report on tiktok", "report_platform", "report_platform", 0.95, entities=[TIKTOK],
                predicted_entities=[{**TIKTOK, "extractor": "DIETClassifier"},
                                    {**TIKTOK, "extractor": "SpacyEntityExtractor"}]),
    _prediction("they leaked my pics", "affected", "affected", 0.9),
    _prediction("i reported my friend's post", "report_platform", "affected", 0.55),
]


@pytest.fixture
def run_dir(tmp_path):
    heldout = tmp_path / "ours" / "heldout"
    heldout.mkdir(parents=True)
    report = {"affected": _row(0.5, 1.0, 1), "report_platform": _row(1.0, 0.5, 2), "accuracy": 2 / 3,
              "macro avg": _row(0.75, 0.75, 3), "weighted avg": _row(0.83, 0.67, 3)}
    errors = [{"text": "i reported my friend's post", "intent": "report_platform",
               "intent_prediction": {"name": "affected", "confidence": 0.55}}]
    for name, content in (("intent_report.json", report), ("intent_errors.json", errors),
                          ("predictions.json", PREDICTIONS), ("DIETClassifier_report.json", {})):
        (heldout / name).write_text(json.dumps(content))
    (tmp_path / "ours" / "meta.json").write_text(json.dumps({"config": "config.yml", "train_seconds": 60.0}))
    return tmp_path


def test_duplicate_entities_from_two_extractors_count_as_a_false_positive():
    assert entity_f1(PREDICTIONS) == {"platform": pytest.approx(2 / 3)}
    assert entity_f1(PREDICTIONS, extractor="DIETClassifier") == {"platform": 1.0}


def test_safety_figures_count_other_messages_misread_as_affected(run_dir):
    found = figures(load_results(run_dir)["ours"], "heldout")
    assert found["affected recall"] == 1.0
    assert found["affected false-positive rate"] == 0.5  # 1 of the 2 other messages
    assert found["median parse time (ms)"] == 10.0


def test_check_floors_names_every_regressed_figure(run_dir):
    problems = check_floors(load_results(run_dir)["ours"], {"heldout": {"affected recall": 0.9,
                                                                        "affected precision": 0.9,
                                                                        "intent accuracy": 0.9}})
    assert problems == ["affected precision (heldout) is 0.500, below the floor 0.90 (bot.nlu.report.CI_FLOORS)",
                        "intent accuracy (heldout) is 0.667, below the floor 0.90 (bot.nlu.report.CI_FLOORS)"]


def test_safety_net_counts_catches_and_false_alarms():
    predictions = [
        {"intent": "affected", "predicted": "out_of_scope", "safety_cues": True},  # missed by NLU, caught
        {"intent": "affected", "predicted": "check_content", "safety_cues": False},  # missed, not caught
        {"intent": "affected", "predicted": "help_friend", "safety_cues": True},  # still support: not missed
        {"intent": "out_of_scope", "predicted": "out_of_scope", "safety_cues": True},  # a false alarm
        {"intent": "share_request", "predicted": "affected", "safety_cues": True},  # support already: no button
        {"intent": "check_content", "predicted": "check_content", "safety_cues": False},
    ]
    assert safety_net(predictions) == {"missed": 2, "caught": 1, "others": 3, "false_alarms": 1}
    assert support_routing(predictions) == {"recall": 1 / 3, "precision": 1 / 2}


def test_fallback_table_counts_affected_lost_to_the_threshold():
    row = next(r for r in fallback_table(PREDICTIONS) if r["threshold"] == 0.6 and r["ambiguity"] == 0.0)
    assert (row["wrong caught"], row["affected lost"], row["affected"]) == (1.0, 0, 1)


def test_summary_without_the_default_pipeline_still_renders(run_dir):
    assert "| intent macro F1 | 0.750 | - | n/a |" in summarise(load_results(run_dir))


def test_missing_reports_say_how_to_produce_them(tmp_path):
    with pytest.raises(ResultsError, match="run `make eval`"):
        load_results(tmp_path)
