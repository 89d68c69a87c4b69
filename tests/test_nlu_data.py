"""The evaluation splits measure generalisation only if none of their messages is also a training message.

tests/nlu/test_data.yml (held-out) and tests/nlu/safety_data.yml (safety: the person shown, friends helping,
people who shared, and near-misses) were written by other hands than data/nlu and are never trained on.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

ROOT = Path(__file__).parent.parent
HELD_OUT = ROOT / "tests/nlu/test_data.yml"
SAFETY = ROOT / "tests/nlu/safety_data.yml"
SPLITS = (HELD_OUT, SAFETY)
SUPPORT_INTENTS = ("affected", "help_friend", "shared_regret")
NEAR_MISSES = ("share_request", "check_content", "report_howto", "out_of_scope")
MIN_SAFETY_MESSAGES = 150


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def _texts(path: Path) -> Counter:
    return Counter(_normalised(example.get("text")) for example in load_data(str(path)).intent_examples)


def _intents(path: Path) -> Counter:
    return Counter(example.get("intent") for example in load_data(str(path)).intent_examples)


@pytest.mark.parametrize("split", SPLITS, ids=lambda path: path.name)
def test_no_evaluation_message_is_a_training_message(split):
    shared = set(_texts(split)) & set(_texts(ROOT / "data/nlu"))
    assert not shared, f"{split.name} messages also in data/nlu (remove them from one side): {sorted(shared)[:20]}"


@pytest.mark.parametrize("split", SPLITS, ids=lambda path: path.name)
def test_evaluation_messages_are_distinct(split):
    assert not [text for text, count in _texts(split).items() if count > 1]


def test_the_two_splits_do_not_share_messages():
    assert not set(_texts(HELD_OUT)) & set(_texts(SAFETY))


def test_splits_cover_every_intent_and_the_support_intents_well():
    held_out, safety = _intents(HELD_OUT), _intents(SAFETY)
    trained = set(_intents(ROOT / "data/nlu"))
    assert set(held_out) | set(safety) == trained
    assert held_out["affected"] >= 40 and held_out["share_request"] >= 40, held_out
    assert sum(safety.values()) >= MIN_SAFETY_MESSAGES
    assert safety["affected"] >= 60 and safety["help_friend"] >= 20 and safety["shared_regret"] >= 20, safety
    assert sum(safety[intent] for intent in NEAR_MISSES) >= 50, safety
