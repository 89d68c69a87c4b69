"""Support decisions and texts, without a server: which answer fits an age and a region, what a typed reply to a
support question means, and the limits the loader enforces on support.yml."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.learning.content import load_content
from bot.errors import ContentError
from bot.learning.situation import ADULT, REGIONS, SKIPPED, UNDER_18, UNSURE
from bot.learning.support import (ANSWER_MAX_WORDS, FIRST_REPLY_MAX_WORDS, LEAVING_INTENTS, FormReply, first_reply,
                         read_form_reply, read_situation, shown_words, tailored_answer, threats_answer)
from tests.conftest import FIXTURE_CONTENT, SHIPPED_CONTENT

SUPPORT = load_content(SHIPPED_CONTENT).support
PERSON = SUPPORT.person_shown

# What each person shown must be told, by age in the images and where they live (the list of services).
NAMED = {
    (UNDER_18, "uk"): ["Report Remove", "Childline", "0800 1111"],
    (UNDER_18, "us"): ["Take It Down", "CyberTipline", "1-800-843-5678"],
    (UNDER_18, "canada"): ["NeedHelpNow.ca", "Cybertip.ca", "text CONNECT to 686868"],
    (UNDER_18, "australia"): ["eSafety", "Kids Helpline", "1800 55 1800"],
    (UNDER_18, "ireland"): ["Hotline.ie", "Childline (ISPCC)", "1800 66 66 66"],
    (UNDER_18, "new_zealand"): ["Netsafe", "0508 NETSAFE", "Take It Down"],
    (UNDER_18, "elsewhere"): ["Take It Down", "child helpline", "116 111"],
    (ADULT, "uk"): ["StopNCII.org", "Revenge Porn Helpline", "0345 6000 459"],
    (ADULT, "us"): ["StopNCII.org", "CCRI", "844-878-2274", "48 hours"],
    (ADULT, "canada"): ["StopNCII.org", "Intimate Images Protection Service"],
    (ADULT, "australia"): ["eSafety", "StopNCII.org"],
    (ADULT, "ireland"): ["Hotline.ie", "Gardaí", "StopNCII.org"],
    (ADULT, "new_zealand"): ["Netsafe", "0508 NETSAFE", "StopNCII.org"],
    (ADULT, "elsewhere"): ["StopNCII.org"],
}
AGES = (UNDER_18, ADULT, UNSURE)


@pytest.mark.parametrize("age", AGES)
@pytest.mark.parametrize("region", REGIONS)
def test_each_age_and_region_gets_the_services_that_fit(age, region):
    answer = tailored_answer(PERSON, age, region)
    for name in NAMED[(UNDER_18 if age == UNSURE else age, region)]:
        assert name in answer, f"{age}, {region}: {name} missing from\n{answer}"
    assert "Report each post once" in answer
    assert shown_words(answer) <= ANSWER_MAX_WORDS


@pytest.mark.parametrize("region", REGIONS)
def test_under_18s_are_never_sent_to_stopncii_and_adults_never_to_report_remove(region):
    assert "StopNCII" not in tailored_answer(PERSON, UNDER_18, region)
    assert "Report Remove" not in tailored_answer(PERSON, ADULT, region)


@pytest.mark.parametrize("region", REGIONS)
def test_evidence_rule_fits_the_age_and_not_sure_counts_as_under_18(region):
    for age in (UNDER_18, UNSURE, SKIPPED):
        assert "don't screenshot" in tailored_answer(PERSON, age, region).lower()
    assert "Screenshot the posts" in tailored_answer(PERSON, ADULT, region)
    assert tailored_answer(PERSON, UNSURE, region).startswith(PERSON.unsure_note)


def test_skipping_both_questions_gives_the_universal_answer():
    answer = tailored_answer(PERSON, SKIPPED, SKIPPED)
    assert "Take It Down" in answer and "StopNCII.org" in answer
    assert answer == tailored_answer(PERSON, None, None)


@pytest.mark.parametrize("age", AGES)
@pytest.mark.parametrize("region", REGIONS)
def test_threats_answer_says_dont_pay_and_where_to_report(age, region):
    answer = threats_answer(PERSON, age, region)
    assert "Don't pay and stop replying" in answer and shown_words(answer) <= ANSWER_MAX_WORDS
    if age != ADULT:
        assert "never of the images" in answer or "never screenshots of the images" in answer
    if age != ADULT and region == "us":
        assert "CyberTipline" in answer
    if age != ADULT and region == "canada":
        assert "Cybertip.ca" in answer and "NeedHelpNow.ca" in answer


def test_first_replies_are_short_and_give_a_step_that_works_anywhere():
    for threats in (False, True):
        text = first_reply(PERSON, threats=threats)
        assert shown_words(f"{text} {PERSON.ask_age.prompt}") <= FIRST_REPLY_MAX_WORDS
        assert "not your fault" in text and "Take It Down" in text and "StopNCII.org" in text
    assert "don't pay" in first_reply(PERSON, threats=True)


def test_helper_and_sharer_answers():
    helper = "\n".join(SUPPORT.helping_someone)
    assert "Don't save, screenshot or forward the images" in helper and "Note the link" in helper
    assert "never their fault" in helper and "trusted adult" in helper
    sharer = "\n".join(SUPPORT.shared_it)
    for step in ("Delete it", "Ask everyone you sent it to", "Report it", "Apologise"):
        assert step in sharer
    assert shown_words(helper) <= ANSWER_MAX_WORDS and shown_words(sharer) <= ANSWER_MAX_WORDS


def test_first_message_may_already_answer_the_questions():
    situation = read_situation("im 15 and in canada, a guy says he'll post my pics unless i pay")
    assert (situation.age, situation.region, situation.threats) == (UNDER_18, "canada", True)
    assert read_situation("someone posted my pics") == type(situation)(None, None, False)


def reply(text, asking="age", intent="out_of_scope", entities=None, answered=None, unclear=0) -> FormReply:
    return read_form_reply(text, asking=asking, intent=intent, entities=entities or {},
                           answered=answered or {"age": None, "region": None}, unclear_so_far=unclear)


def test_a_button_answers_the_question():
    assert reply('/support_answer{"age_group":"unsure"}', entities={"age_group": "unsure"}) == FormReply(age=UNSURE)
    assert reply("/support_answer", "region", entities={"region": "ireland"}) == FormReply(region="ireland")


def test_forged_button_values_are_ignored():
    assert reply("/support_answer", entities={"age_group": "child"}) == FormReply(unclear=1)


def test_typed_answers_count_even_when_nlu_read_something_else():
    assert reply("im 15", intent="greet") == FormReply(age=UNDER_18)
    assert reply("in the uk", "region", intent="report_howto") == FormReply(region="uk")
    assert reply("16, in ireland") == FormReply(age=UNDER_18, region="ireland")


def test_unclear_reply_is_asked_again_once_then_skipped():
    assert reply("banana") == FormReply(unclear=1)
    assert reply("banana", unclear=1) == FormReply(age=SKIPPED)


def test_skip_next_and_stop():
    assert reply("skip", "region", intent="skip") == FormReply(region=SKIPPED)
    assert reply("next", intent="next") == FormReply(age=SKIPPED)
    assert reply("stop asking", intent="stop", answered={"age": ADULT, "region": None}) == FormReply(
        age=ADULT, region=SKIPPED)


def test_asking_for_something_else_leaves_the_questions():
    assert reply("menu", intent="help") == FormReply(leaves=True)
    assert reply("my friend's pics got leaked", intent="help_friend") == FormReply(leaves=True)


def test_news_of_threats_is_kept_and_the_question_asked_again():
    assert reply("and he wants money or he'll post them") == FormReply(threats=True)


def test_every_leaving_intent_has_a_rule_that_ends_the_questions():
    rules = yaml.safe_load((SHIPPED_CONTENT.parent / "data" / "rules" / "support.yml").read_text())["rules"]
    ending = {rule["steps"][0]["intent"] for rule in rules
              if rule.get("condition") == [{"active_loop": "support_form"}] and "intent" in rule["steps"][0]
              and rule["steps"][1] == {"action": "action_deactivate_loop"}}
    assert ending == LEAVING_INTENTS


@pytest.fixture
def support_dir(tmp_path: Path) -> Path:
    target = tmp_path / "quizzes"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


def edit_support(directory: Path, change) -> None:
    path = directory / "support.yml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def no_line_for_adults(data):
    del data["person_shown"]["answer"]["removal"]["adult"]
    data["person_shown"]["answer"]["removal"]["under_18"].pop("any")


def too_long(data):
    data["person_shown"]["answer"]["talk"]["any"]["uk"] = " ".join(["word"] * 120)


def unknown_region(data):
    data["person_shown"]["answer"]["talk"]["any"]["france"] = "Someone."


def missing_button(data):
    del data["person_shown"]["ask_region"]["choices"]["elsewhere"]


def offers_a_module_not_in_the_folder(data):
    data["reporting"]["offers_module"] = "reporting_tools"


@pytest.mark.parametrize("change, expected", [
    (no_line_for_adults, "quizzes/support.yml: person_shown.answer.removal: has no line for age `adult`; add "
                         "`adult` or `any`"),
    (too_long, "quizzes/support.yml: person_shown.answer for age under_18, region uk: is 141 words; the limit "
               "is 120, shorten it"),
    (unknown_region, "quizzes/support.yml: person_shown.answer.talk.any: unknown region `france`; use uk, us, "
                     "canada, australia, ireland, new_zealand, elsewhere or any"),
    (missing_button, "quizzes/support.yml: person_shown.ask_region: choices: must give a button title for each of "
                     "uk, us, canada, australia, ireland, new_zealand, elsewhere, skipped, in the order the buttons "
                     "appear"),
    (offers_a_module_not_in_the_folder, "quizzes/support.yml: reporting: offers_module: 'reporting_tools' is not a "
                                        "module in this folder; modules: resist_resharing, verify_leaks"),
])
def test_support_errors_name_the_place_and_the_fix(support_dir, change, expected):
    edit_support(support_dir, change)
    with pytest.raises(ContentError) as raised:
        load_content(support_dir)
    assert expected in raised.value.problems
