"""The project's spaCy pipeline: built from code, entity ruler from the NLU synonyms, lookup lemmas."""
from __future__ import annotations

import pytest
import spacy

from bot.config import SYNONYMS_FILE
from bot.learning.support import PLATFORMS
from bot.nlu.pipeline import build_pipeline, ruler_patterns


@pytest.fixture(scope="module")
def nlp(tmp_path_factory):
    return spacy.load(build_pipeline(SYNONYMS_FILE, tmp_path_factory.mktemp("spacy") / "pipeline"))


def test_every_canonical_value_has_patterns():
    patterns = ruler_patterns(SYNONYMS_FILE)
    assert {p["id"] for p in patterns} == set(PLATFORMS)
    assert {p["label"] for p in patterns} == {"platform"}


@pytest.mark.parametrize("text, expected", [
    ("how do i report on insta", [("insta", "platform", "instagram")]),
    ("someone leaked my pics on tiktok and fb", [("tiktok", "platform", "tiktok"), ("fb", "platform", "facebook")]),
    ("i reported it on snapchta", [("snapchta", "platform", "snapchat")]),
    # Module synonyms are ordinary verbs too; modules are DIET's job, so the ruler leaves them alone.
    ("verify this for me, im sharing it", []),
    ("report on tik-tok", [("tik-tok", "platform", "tiktok")]),
    ("what is the weather", []),
])
def test_entity_ruler(nlp, text, expected):
    assert [(ent.text, ent.label_, ent.ent_id_) for ent in nlp(text).ents] == expected


def test_lookup_lemmas_on_lowercased_text(nlp):
    # Rasa's SpacyNLP lowercases text first (case_sensitive: false); lemmas come from the saved lookup table.
    assert [token.lemma_ for token in nlp("someone leaked my pics")] == ["someone", "leak", "my", "pic"]
