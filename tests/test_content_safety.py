"""Safety rules for every text a learner reads (quizzes/*.yml): links and phone numbers come from the fact sheet,
never a look-alike site; and no text tells a bystander to screenshot, save, download, forward or keep an intimate
image (only the adult shown may keep copies of their own)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from tests.conftest import SHIPPED_CONTENT

FACT_SHEET = Path(__file__).parent.parent.parent / "shared" / "content-facts.md"
LOOK_ALIKES = ("takeitdown.help",)  # fact sheet M3.42: link only takeitdown.ncmec.org
LINK = re.compile(r"https?://[^\s)\"'>\]]+")
PHONE = re.compile(r"(?<![\w/.=-])\d[\d.-]*(?: \d[\d.-]*)*\d(?![\w/])")  # digit groups: "0345 6000 459"
VANITY_PHONE = re.compile(r"\b\d{3,4}[ -][A-Z]{4,}\b|\b1-800-[A-Z-]{4,}\b")  # "0508 NETSAFE", "1-800-THE-LOST"
MIN_PHONE_DIGITS = 7


@pytest.fixture(scope="module")
def fact_sheet() -> str:
    if not FACT_SHEET.exists():
        pytest.skip("../shared/content-facts.md is not beside this checkout")
    return FACT_SHEET.read_text(encoding="utf-8")


def shipped_texts() -> Iterator[tuple[str, str]]:
    for path in sorted(SHIPPED_CONTENT.glob("*.yml")):
        yield path.name, path.read_text(encoding="utf-8")


def test_links_come_from_the_fact_sheet(fact_sheet):
    for name, text in shipped_texts():
        for url in LINK.findall(text):
            assert url.rstrip(".,") in fact_sheet, f"{name}: {url} is not in content-facts.md"


def test_no_look_alike_sites():
    for name, text in shipped_texts():
        for look_alike in LOOK_ALIKES:
            assert look_alike not in text, f"{name} mentions {look_alike}; link only the official site"


def test_phone_numbers_come_from_the_fact_sheet(fact_sheet):
    sheet_numbers = {re.sub(r"\D", "", number) for number in PHONE.findall(fact_sheet)}
    found = 0
    for name, text in shipped_texts():
        for number in PHONE.findall(LINK.sub(" ", text)):
            digits = re.sub(r"\D", "", number)
            if len(digits) >= MIN_PHONE_DIGITS:
                found += 1
                assert digits in sheet_numbers, f"{name}: phone number {number.strip()} is not in content-facts.md"
        for number in VANITY_PHONE.findall(text):
            assert number in fact_sheet, f"{name}: {number} is not in content-facts.md"
    assert found >= 10  # the support answers name helplines: the pattern still finds them


# Copying an intimate image. A sentence is advice to copy when it tells someone to screenshot, save, download,
# forward or keep a copy; it is allowed when negated ("don't", "never"), when it is about one's own images ("of
# you", "18+ in them") or only about messages and accounts, when it is a wrong option or a near-miss phrase (wrong on
# purpose: their feedback says why), or when it is a line for the adult shown (support.yml, person_shown, adult).

_VERB = r"(?:screenshot|save|download|forward|keep a copy|keep copies|keep screenshots|copy)"
_ADVICE = (
    re.compile(rf"^(?:[-*•\d.)\s]|\*\*)*{_VERB}\b", re.I),  # an instruction
    re.compile(rf"\b(?:you|they|she|he|we|i|friends?|parents?|teachers?) (?:can|could|should|may|might|must|need to|"
               rf"have to|will) (?:also |first )?{_VERB}\b", re.I),
    re.compile(rf"\b{_VERB}\s+(?:it|them|the (?:image|photo|pic|picture|video|post|file|clip|nude)s?)\b", re.I),
)
_NEGATED = re.compile(r"\b(?:don'?t|do not|never|not|no|without|nobody|avoid|isn'?t)\b|n't\b", re.I)
_OWN_IMAGES = re.compile(r"\b(?:of you|your own|her own|his own|their own|18\+ in them|18 or older in the images|"
                         r"adult shown|images of you)\b", re.I)
_NOT_AN_IMAGE = re.compile(r"\b(?:messages?|chats?|account|usernames?)\b", re.I)
_AN_IMAGE = re.compile(r"\b(?:image|photo|pic|picture|video|post|nude|file|clip)s?\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def _texts(node: Any, path: str, *, wrong_option: bool = False) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        wrong = node.get("correct") is False
        for key, value in node.items():
            if key not in ("near_misses", "skill", "synonyms", "id") and not (wrong and key == "text"):
                yield from _texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _texts(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


def copy_advice(data: Any, name: str) -> list[str]:
    """Sentences in a content file's data that tell someone other than the adult shown to copy an image."""
    found = []
    for path, text in _texts(data, name):
        if ".person_shown." in path and (path.endswith(".adult") or ".adult." in path):
            continue
        for sentence in _SENTENCE_END.split(text):
            only_messages = _NOT_AN_IMAGE.search(sentence) and not _AN_IMAGE.search(sentence)
            if not any(pattern.search(sentence) for pattern in _ADVICE) or _NEGATED.search(sentence) \
                    or _OWN_IMAGES.search(sentence) or only_messages:
                continue
            found.append(f"{path}: {sentence.strip()}")
    return found


def test_no_text_tells_a_bystander_to_copy_an_image():
    advice = [line for path in sorted(SHIPPED_CONTENT.glob("*.yml"))
              for line in copy_advice(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)]
    assert advice == []


@pytest.mark.parametrize("text, flagged", [
    ("Screenshot the post as evidence, then report it.", True),
    ("Your friend should save the photo in case it's deleted.", True),
    ("Keep a copy for the police.", True),
    ("Don't screenshot or save it; note the link.", False),
    ("Screenshot the messages and the account name.", False),
    ("Images of you (18+ in them): screenshot the post with its URL.", False),
])
def test_the_copy_check_tells_advice_from_warnings(text, flagged):
    assert bool(copy_advice({"helping_someone": {"messages": [text]}}, "support.yml")) is flagged


def test_wrong_options_may_state_the_mistake():
    question = {"options": [{"text": "Screenshot it so there's proof", "correct": False, "feedback": "Never do."},
                            {"text": "Note the link", "correct": True, "feedback": "Right."}]}
    assert copy_advice({"quiz": [question]}, "m.yml") == []
    question["options"][0]["correct"] = True
    assert copy_advice({"quiz": [question]}, "m.yml") != []
