"""Builds the project's own spaCy pipeline, which Rasa's SpacyNLP loads by path.

No pretrained model can be downloaded here, so the pipeline is made from code: a blank English tokenizer, an entity
ruler whose patterns come from the NLU synonyms of platforms, and a lookup lemmatizer whose tables come from
spacy-lookups-data at build time and are saved with the pipeline (nothing is fetched at run time).

The ruler is the only platform extractor (DIET is not trained on platforms); modules are left to DIET, because module
synonyms such as "sharing" or "verify" are also ordinary verbs, which a ruler tags everywhere (see `make eval`).
"""
from __future__ import annotations

from pathlib import Path

import spacy
import yaml

from bot.learning.support import PLATFORMS


def ruler_patterns(synonyms_file: Path) -> list[dict]:
    """Entity-ruler patterns, one per surface form of a platform in the synonyms file, labelled `platform`.

    The synonyms file is the single list of surface forms: Rasa's EntitySynonymMapper maps the same forms to
    canonical values, so the ruler and the mapper can never disagree.
    """
    data = yaml.safe_load(Path(synonyms_file).read_text(encoding="utf-8"))
    tokenizer = spacy.blank("en").tokenizer
    patterns = []
    for block in data.get("nlu", []):
        canonical = block.get("synonym")
        if canonical not in PLATFORMS:
            continue
        forms = {canonical.replace("_", " ")}
        forms.update(line.strip()[2:].strip() for line in block["examples"].splitlines() if line.strip().startswith("- "))
        for form in sorted(forms):
            # Split each form the way spaCy will split the message ("don't" -> "do", "n't"), so every form matches.
            tokens = [token.text for token in tokenizer(form.lower())]
            patterns.append({"label": "platform", "pattern": [{"LOWER": token} for token in tokens], "id": canonical})
    return patterns


def build_pipeline(synonyms_file: Path, output_dir: Path) -> Path:
    """Builds and saves the pipeline. RETURNS (Path): output_dir, ready for SpacyNLP's `model` setting."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma lookup table from spacy-lookups-data; also empties the ruler
    ruler.add_patterns(ruler_patterns(synonyms_file))
    nlp.meta["name"] = "pause_check_en"
    nlp.meta["description"] = "Blank English + entity ruler (platforms) + lookup lemmatizer"
    output_dir = Path(output_dir)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output_dir)
    return output_dir
