"""Reading a message without the NLU model: safety cues, and typed answers to the support questions."""
from __future__ import annotations

import pytest

from bot.learning.situation import ADULT, SKIPPED, UNDER_18, UNSURE, read_age, read_region, safety_cues


@pytest.mark.parametrize("text", [
    "someone leaked my nudes",
    "my ex posted my pics on insta",
    "hes blackmailing me w my pics",
    "a guy online wants money or hell send my vid to everyone",
    "they said pay or they'll share my photos",
    "someone made a deepfake of me",
    "someone put my face on a naked body and its going round",
    "my pics are going round school",
    "pls my nudez got leeked",  # slang and a misspelling
    "my ex is threatning to post them",
    "im being sextorted",
])
def test_messages_about_the_writers_own_images_raise_the_cue(text):
    assert safety_cues(text).about_the_writer


@pytest.mark.parametrize("text", [
    "how do i share my holiday pics with grandma",  # the writer shares, nothing is done to them
    "can i post a pic of my dog",
    "my videos won't upload",  # negated: nothing was shared
    "send me the link",
    "is the leak real",
    "how do i report a post on tiktok",
    "what is sift",
])
def test_ordinary_messages_about_photos_do_not(text):
    assert not safety_cues(text).about_the_writer


@pytest.mark.parametrize("text, threat", [
    ("he says he'll post my pics unless i pay", True),
    ("they want £200 in gift cards or my video goes to my family", True),
    ("i'm being blackmailed", True),
    ("someone posted my pics", False),
])
def test_threats_are_told_apart(text, threat):
    assert safety_cues(text).threat is threat


@pytest.mark.parametrize("text, expected", [
    ("im 15", UNDER_18), ("I'm 16", UNDER_18), ("15", UNDER_18), ("fifteen", UNDER_18), ("under 18", UNDER_18),
    ("yes", UNDER_18), ("i was 16 in them but im 20 now", UNDER_18), ("im in year 10", UNDER_18),
    ("no", ADULT), ("19", ADULT), ("18+", ADULT), ("18 or older", ADULT), ("i'm an adult", ADULT),
    ("not sure", UNSURE), ("idk", UNSURE), ("skip", SKIPPED), ("i'd rather not say", SKIPPED),
    ("banana", None), ("150", None),
])
def test_typed_answers_to_the_age_question(text, expected):
    assert read_age(text, answering=True) == expected


@pytest.mark.parametrize("text, expected", [
    ("im 15 and someone posted my pics", UNDER_18),
    ("i'm 17, my ex leaked my video", UNDER_18),
    ("no one can help me", None),  # "no" only answers the question
    ("not sure what to do, my pics leaked", None),
    ("i'm scared", None),
])
def test_a_first_message_counts_only_clear_statements_of_age(text, expected):
    assert read_age(text, answering=False) == expected


@pytest.mark.parametrize("text, expected", [
    ("in the uk", "uk"), ("U.K.", "uk"), ("england", "uk"), ("northern ireland", "uk"), ("us", "us"),
    ("USA", "us"), ("texas", "us"), ("canada", "canada"), ("british columbia", "canada"), ("oz", "australia"),
    ("new south wales", "australia"), ("ireland", "ireland"), ("dublin", "ireland"), ("nz", "new_zealand"),
    ("Aotearoa", "new_zealand"), ("somewhere else", "elsewhere"), ("germany", "elsewhere"), ("skip", SKIPPED),
    ("mars", None), ("canada or the uk", None),
])
def test_typed_answers_to_the_region_question(text, expected):
    assert read_region(text, answering=True) == expected


@pytest.mark.parametrize("text, expected", [
    ("they sent my pics to us all", None),  # "us" only answers the question
    ("im in dublin and my ex posted my pics", "ireland"),
    ("someone in my class in toronto shared my nudes", "canada"),
])
def test_a_first_message_counts_only_unambiguous_places(text, expected):
    assert read_region(text, answering=False) == expected
