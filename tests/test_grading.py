"""The free-text grader, on the hand-made questions in tests/fixtures/grading/content/verify_leaks.yml:
g_first_step (stop; near-miss: a later SIFT step), g_adult_hashing (StopNCII; near-miss: Take It Down),
g_old_photo (two concepts) and g_sent_a_leak (a negated phrase, "don't share", as a concept)."""
from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from bot.learning.content import Module, Question, load_content
from bot.learning.free_text import Concept, FreeText, NearMiss
from bot.errors import PipelineMissing
from bot.learning.grading import grade
from bot.learning.lemmas import load_pipeline

FIXTURE = Path(__file__).parent / "fixtures" / "grading" / "content"


@pytest.fixture(scope="module")
def module() -> Module:
    return load_content(FIXTURE).module("verify_leaks")


def graded(module: Module, question_id: str, text: str):
    question = next(question for question in module.quiz if question.id == question_id)
    return grade(question, module.synonyms, text)


def status(module: Module, question_id: str, text: str) -> str:
    return graded(module, question_id, text).status


@pytest.mark.parametrize("question_id, text", [
    ("g_first_step", "Stop"), ("g_first_step", "you stop before sharing"), ("g_adult_hashing", "StopNCII"),
    ("g_old_photo", "a reverse image search, then find the earliest copy"),
    ("g_sent_a_leak", "don't share it and report it"),
])
def test_right_answers(module, question_id, text):
    assert status(module, question_id, text) == "right"


def test_partly_right_answers_name_what_is_missing(module):
    result = graded(module, "g_old_photo", "do a reverse image search")
    assert result.status == "partial"
    assert [concept.name for concept in result.matched] == ["a reverse image search"]
    assert [concept.name for concept in result.missing] == ["the earliest copy"]
    assert result.near_miss is None


@pytest.mark.parametrize("question_id, text", [
    ("g_first_step", "share it"), ("g_first_step", "no idea"), ("g_adult_hashing", "the police"),
    ("g_old_photo", "zoom in on it"),
])
def test_wrong_answers(module, question_id, text):
    result = graded(module, question_id, text)
    assert (result.status, result.matched, result.near_miss) == ("wrong", (), None)


@pytest.mark.parametrize("question_id, text", [
    ("g_first_step", "I paused"), ("g_first_step", "pausing first"), ("g_first_step", "Stopping"),
    ("g_old_photo", "reverse searching it, and checking the dates"),
])
def test_lemmas_match_other_forms(module, question_id, text):
    assert graded(module, question_id, text).matched


@pytest.mark.parametrize("question_id, text", [
    ("g_first_step", "wait"), ("g_first_step", "hold off!"), ("g_first_step", "slow down a bit"),
    ("g_old_photo", "reverse photo search and the earliest copy"), ("g_sent_a_leak", "don't share it, flag it"),
])
def test_module_synonyms_count_for_their_word(module, question_id, text):
    assert status(module, question_id, text) == "right"


@pytest.mark.parametrize("question_id, text, expected", [
    ("g_adult_hashing", "stopnci", "right"), ("g_adult_hashing", "stopnciii", "right"),
    ("g_old_photo", "reverse imgae search and the earliest copy", "right"),
    ("g_old_photo", "revrese image search and the earliset copy", "right"),
    ("g_first_step", "stpo", "right"), ("g_first_step", "stopp", "right"),  # 4 letters: a swap or a doubled letter
    ("g_first_step", "shop", "wrong"), ("g_first_step", "stp", "wrong"), ("g_first_step", "step", "wrong"),
    ("g_sent_a_leak", "don't share it and repost it", "partial"),  # a real word, not a typo of "report"
    ("g_old_photo", "reverse image search and the oldest versions", "right"),
    ("g_sent_a_leak", "dont share it n report it", "right"),  # text-speak
])
def test_typos(module, question_id, text, expected):
    assert status(module, question_id, text) == expected


@pytest.mark.parametrize("question_id, text, expected", [
    ("g_first_step", "don't stop", "wrong"), ("g_first_step", "never pause", "wrong"),
    ("g_first_step", "I would not want to just stop", "wrong"),
    ("g_first_step", "stopping isn't the first step", "wrong"),
    ("g_adult_hashing", "not stopncii", "wrong"), ("g_sent_a_leak", "don't share it, no need to report it", "partial"),
    ("g_first_step", "stopping is pointless", "wrong"),
    ("g_sent_a_leak", "reporting it is useless, delete it", "partial"),
    ("g_adult_hashing", "StopNCII won't help", "wrong"),
    ("g_adult_hashing", "stopncii? no, take it down", "wrong"), ("g_first_step", "pause? nope", "wrong"),
    ("g_old_photo", "ignore the earliest copy, do a reverse image search", "partial"),
    ("g_old_photo", "reverse image search, who cares when it was first posted", "partial"),
])
def test_negated_phrases_do_not_count(module, question_id, text, expected):
    assert status(module, question_id, text) == expected


@pytest.mark.parametrize("text", [
    "not sure, stop?", "i dont know maybe stop", "no idea... pause?",  # hedges
    "don't share, stop", "don't panic but stop",  # the negation is in another clause
])
def test_hedges_and_other_clauses_are_not_negations(module, text):
    assert status(module, "g_first_step", text) == "right"


@pytest.mark.parametrize("question_id, text, expected", [
    ("g_sent_a_leak", "dont share it report it", "right"),  # the negation belongs to "share"
    ("g_adult_hashing", "not stopncii take it down", "wrong"),  # ... to "stopncii": the near-miss counts
    ("g_sent_a_leak", "don't share or report it", "partial"),  # "or" carries it on
])
def test_a_negation_belongs_to_the_first_phrase_after_it(module, question_id, text, expected):
    assert status(module, question_id, text) == expected


@pytest.mark.parametrize("text", ["I wouldn't share it and I'd report it", "never forward it, report",
                                  "do not share. report it"])
def test_a_negated_concept_phrase_matches_any_negation(module, text):
    assert status(module, "g_sent_a_leak", text) == "right"


def test_a_near_miss_is_wrong_with_its_feedback(module):
    result = graded(module, "g_adult_hashing", "Take It Down")
    assert (result.status, result.matched) == ("wrong", ())
    assert result.near_miss == "Take It Down is for images taken before 18. Adults use StopNCII.org."


@pytest.mark.parametrize("question_id, text, expected", [
    ("g_adult_hashing", "takeitdown", "wrong"),
    ("g_first_step", "investigate the source", "wrong"),
    ("g_sent_a_leak", "report it and find out who it is", "wrong"),  # some concepts: the near-miss decides
    ("g_adult_hashing", "stopncii or take it down", "partial"),  # the right answer and a wrong one: never right
    ("g_first_step", "stop, then investigate the source", "partial"),
    ("g_adult_hashing", "StopNCII, not Take It Down", "right"),  # a negated near-miss does not count
    ("g_adult_hashing", "StopNCII. Take It Down isn't for adults", "right"),
    ("g_first_step", "stop, don't trace the claim yet", "right"),
])
def test_near_misses_come_first(module, question_id, text, expected):
    result = graded(module, question_id, text)
    assert result.status == expected
    assert (result.near_miss is not None) == (expected != "right")


def test_phrases_inside_longer_phrases_are_read_as_the_longer_one():
    question = Question("q", "free_text", "Who do you tell?", (), "", free_text=FreeText(
        concepts=(Concept("the platform", ("report it", "report to the platform")),),
        near_misses=(NearMiss(("report to the police",), "Police first? Only for threats."),
                     NearMiss(("platform",), "Which platform?")),
        answer="Report it to the platform.", right="Yes.", partial="Partly.", wrong="No."))
    assert grade(question, {}, "report to the police").status == "wrong"  # "report" is inside the near-miss
    assert grade(question, {}, "report to the platform").status == "right"  # "platform" is inside the concept


@pytest.mark.parametrize("text", ["https://www.StopNCII.org", "stopncii.org!", "StopNCII.org's website",
                                  "stop-ncii", "Stop NCII", "“StopNCII”"])
def test_punctuation_and_web_addresses(module, text):
    assert status(module, "g_adult_hashing", text) == "right"


@pytest.mark.parametrize("text", ["", "   ", "?!", "🙂"])
def test_empty_answers_are_wrong(module, text):
    result = graded(module, "g_old_photo", text)
    assert (result.status, result.matched, len(result.missing)) == ("wrong", (), 2)


def test_only_free_text_questions_are_graded(module):
    choice = Question("c_q1", "single_choice", "Pick one", (), "Because.")
    with pytest.raises(ValueError, match="c_q1 is a single_choice question; grade\\(\\) takes free_text ones"):
        grade(choice, module.synonyms, "a")


def test_a_pipeline_can_be_passed_in(module):
    question = module.quiz[0]
    assert grade(question, module.synonyms, "pause", nlp=load_pipeline()).status == "right"
    with pytest.raises(ValueError, match="has no lemmatizer .* python -m bot build-spacy"):
        grade(question, module.synonyms, "pause", nlp=spacy.blank("en"))


def test_a_missing_pipeline_says_how_to_build_it(tmp_path):
    with pytest.raises(PipelineMissing) as error:
        load_pipeline(tmp_path / "nowhere")
    assert str(error.value) == (f"The spaCy pipeline is missing at {tmp_path / 'nowhere'}. Build it with: "
                                f"python -m bot build-spacy --output {tmp_path / 'nowhere'}  (make setup does it).")
