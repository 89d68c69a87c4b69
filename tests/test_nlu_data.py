"""The held-out NLU split measures generalisation only if no message in it is also a training message."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

ROOT = Path(__file__).parent.parent
SAFETY_INTENTS = ("affected", "share_request")


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def _texts(path: Path) -> Counter:
    return Counter(_normalised(example.get("text")) for example in load_data(str(path)).intent_examples)


def test_no_held_out_message_is_a_training_message():
    shared = set(_texts(ROOT / "tests/nlu/test_data.yml")) & set(_texts(ROOT / "data/nlu"))
    assert not shared, f"held-out messages also in data/nlu (remove them from one side): {sorted(shared)[:20]}"


def test_held_out_messages_are_distinct():
    repeated = [text for text, count in _texts(ROOT / "tests/nlu/test_data.yml").items() if count > 1]
    assert not repeated


def test_held_out_split_covers_every_intent_and_the_safety_intents_well():
    held_out = Counter(example.get("intent") for example in load_data(str(ROOT / "tests/nlu/test_data.yml")).intent_examples)
    trained = {example.get("intent") for example in load_data(str(ROOT / "data/nlu")).intent_examples}
    assert set(held_out) == trained
    assert all(held_out[intent] >= 40 for intent in SAFETY_INTENTS), held_out
