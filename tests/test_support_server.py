"""Support through the REST webhook with the real servers: every path of the person shown (3 answers to the age
question x 7 regions), threats, a friend helping, someone who shared it, typed and unclear answers, support in the
middle of a quiz with the way back, and "delete my data" erasing the answers with the conversation."""
from __future__ import annotations

import json

import pytest

from bot.learning.content import load_content
from bot.learning.situation import ADULT, REGIONS, UNDER_18, UNSURE
from tests.chat import payloads, texts
from bench.servers import ROOT
from tests.test_support import NAMED

SUPPORT = load_content(ROOT / "quizzes").support
PERSON = SUPPORT.person_shown
pytestmark = pytest.mark.server

AFFECTED = "someone leaked my pics"  # the plainest way to say it: these tests are about the paths, not NLU
BACK = '/start_module'
MENU = '/help'


def age_button(value: str) -> str:
    return f'/support_answer{{"age_group":"{value}"}}'


def region_button(value: str) -> str:
    return f'/support_answer{{"region":"{value}"}}'


def more_button(topic: str) -> str:
    return f'/support_more{{"topic":"{topic}"}}'


def start_support(servers, sender: str, text: str = AFFECTED) -> list[dict]:
    replies = servers.say(sender, text)
    assert "It's not your fault" in texts(replies)
    return replies


@pytest.mark.parametrize("age", [UNDER_18, ADULT, UNSURE])
@pytest.mark.parametrize("region", REGIONS)
def test_every_path_of_the_person_shown_names_the_services_that_fit(servers, age, region):
    sender = f"support-{age}-{region}"
    replies = start_support(servers, sender)
    assert PERSON.ask_age.prompt in texts(replies)
    assert payloads(replies) == [age_button(value) for value in PERSON.ask_age.choices]
    replies = servers.say(sender, age_button(age))
    assert PERSON.ask_region.prompt in texts(replies)
    assert payloads(replies) == [region_button(value) for value in PERSON.ask_region.choices]
    replies = servers.say(sender, region_button(region))
    answer = texts(replies)
    for name in NAMED[(UNDER_18 if age == UNSURE else age, region)]:
        assert name in answer, f"{age}, {region}: {name} missing from\n{answer}"
    assert ("Don't screenshot" in answer) is (age != ADULT)
    assert payloads(replies) == [more_button("threats"), more_button("all_options"), MENU]  # no lesson under way


def test_typed_answers_work_too(servers):
    start_support(servers, "support-typed")
    replies = servers.say("support-typed", "im 15")
    assert PERSON.ask_region.prompt in texts(replies)
    replies = servers.say("support-typed", "canada")
    assert "Cybertip.ca" in texts(replies) and "text CONNECT to 686868" in texts(replies)


def test_the_first_message_can_answer_both_questions(servers):
    replies = start_support(servers, "support-told", "im 16 and i live in ireland, someone leaked my pics")
    assert "Hotline.ie" in texts(replies) and "1800 66 66 66" in texts(replies)
    assert PERSON.ask_age.prompt not in texts(replies)


def test_unknown_place_gets_the_buttons_again_then_the_universal_answer(servers):
    start_support(servers, "support-unclear")
    servers.say("support-unclear", age_button(UNDER_18))
    replies = servers.say("support-unclear", "on the moon")
    assert PERSON.ask_region.unclear in texts(replies) and "Somewhere else" in texts(replies)
    assert payloads(replies) == [region_button(value) for value in PERSON.ask_region.choices]
    replies = servers.say("support-unclear", "a small village")  # unclear twice: no loop, the answer comes
    assert "Take It Down" in texts(replies) and "116 111" in texts(replies)


def test_skipping_both_questions_gives_the_universal_answer(servers):
    start_support(servers, "support-skip")
    servers.say("support-skip", age_button("skipped"))
    replies = servers.say("support-skip", region_button("skipped"))
    assert "Take It Down" in texts(replies) and "StopNCII.org" in texts(replies)


def test_threats_come_first_when_the_message_is_about_them(servers):
    replies = start_support(servers, "support-threat", "a guy i met online says he will post my pics unless i pay")
    assert "don't pay and stop replying" in texts(replies)
    servers.say("support-threat", age_button(UNDER_18))
    replies = servers.say("support-threat", region_button("us"))
    assert "Don't pay and stop replying" in texts(replies) and "CyberTipline" in texts(replies)
    assert more_button("removal") in payloads(replies)
    replies = servers.say("support-threat", more_button("removal"))
    assert "Take It Down" in texts(replies) and "Report each post once" in texts(replies)
    replies = servers.say("support-threat", more_button("all_options"))
    assert "Help by country" in texts(replies)


def test_threats_on_request_after_the_answer(servers):
    start_support(servers, "support-more")
    servers.say("support-more", age_button(ADULT))
    servers.say("support-more", region_button("uk"))
    replies = servers.say("support-more", more_button("threats"))
    assert "Don't pay and stop replying" in texts(replies) and "Revenge Porn Helpline" in texts(replies)


def test_a_friend_helping_is_told_not_to_copy_the_image(servers):
    replies = servers.say("support-friend", "my best mate's nudes are being passed round our year, she's in bits. "
                                            "how can i help her")
    assert "Don't save, screenshot or forward the images" in texts(replies)
    assert payloads(replies) == ["/affected", MENU]  # one tap away if it is about themselves after all


def test_someone_who_shared_it_is_told_how_to_limit_the_harm(servers):
    replies = servers.say("support-sharer", "i forwarded my ex's nudes to my group chat when i was angry and now "
                                            "i really regret it")
    assert "Delete it" in texts(replies) and "Ask everyone you sent it to" in texts(replies)
    assert payloads(replies) == ["/affected", MENU]  # one tap away if they are their own images after all


LONG_STORY = (
    "ok so i dont really know how to say this and im sorry if this is the wrong place. last year i was going out "
    "with this guy from the year above and i trusted him so when he asked i sent him some photos of me, like "
    "private ones, and he promised he deleted them after we broke up. today a girl in my form came up to me and "
    "said she had seen them in a group chat and that loads of people in our year have them now and someone even "
    "made an account with my name. i feel sick and i cant stop shaking and i havent told my mum because shes going "
    "to be so disappointed in me and i dont want her to see them. i keep checking my phone and there are more "
    "messages from people i dont even know saying horrible stuff. i didnt go to school this afternoon and i dont "
    "think i can go tomorrow either. i just want them gone from everywhere. is there anything at all that i can "
    "do, or is it too late now that so many people have seen them? please tell me what to do first."
)


def test_a_long_message_describing_the_situation_is_routed_to_support(servers):
    assert 900 <= len(LONG_STORY) <= 1000
    start_support(servers, "support-long", LONG_STORY)


def test_support_comes_first_mid_quiz_and_leads_back_to_the_same_step(servers):
    sender = "support-midquiz"
    servers.say(sender, "hi")  # the menu offers the module's button
    replies = servers.say(sender, '/start_module{"module":"verify_leaks"}')
    question_buttons = [payload for payload in payloads(replies) if payload.startswith("/answer")]
    assert question_buttons
    start_support(servers, sender)
    servers.say(sender, age_button(UNSURE))
    replies = servers.say(sender, region_button("australia"))
    assert "eSafety" in texts(replies) and BACK in payloads(replies)
    replies = servers.say(sender, BACK)
    assert [payload for payload in payloads(replies) if payload.startswith("/answer")] == question_buttons
    replies = servers.say(sender, question_buttons[0], message_id="midquiz-1")
    assert "Right" in texts(replies) or "Not quite" in texts(replies)
    report = json.loads(servers.progress(sender).stdout)
    assert report["modules"][0]["checks"]["pre"] is None and report["modules"][0]["position"]["step"] == 1


@pytest.mark.parametrize("text", [
    "b but also my ex keeps saying hes gonna post my vids",
    "lol what if my pics got leaked tho",
    "can u help, a deepfake of me is going round",
])
def test_a_cue_message_always_gets_a_way_to_support(servers, text):
    """Whatever NLU makes of it, a message saying the writer's images are shared or threatened gets support or the
    safety net's button, also while a quiz question waits."""
    sender = f"support-net-{abs(hash(text))}"
    servers.say(sender, "hi")
    servers.say(sender, '/start_module{"module":"resist_resharing"}')
    replies = servers.say(sender, text)
    assert "It's not your fault" in texts(replies) or "/affected" in payloads(replies)


def test_delete_my_data_erases_age_and_country_with_the_conversation(servers):
    sender = "support-erase"
    start_support(servers, sender)
    servers.say(sender, age_button(UNDER_18))
    servers.say(sender, region_button("new_zealand"))
    with servers.db("tracker.db") as tracker:
        stored = " ".join(row[0] for row in tracker.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)))
    assert "new_zealand" in stored  # the answers live in the conversation...
    for store_file in servers.workdir.glob("progress.db*"):  # the database, its write-ahead log and index
        assert b"new_zealand" not in store_file.read_bytes()  # ...never in the progress store
        assert b"under_18" not in store_file.read_bytes()
    servers.say(sender, "delete my data")
    replies = servers.say(sender, "/affirm")
    assert "deleted" in texts(replies)
    with servers.db("tracker.db") as tracker:
        assert tracker.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone() == (0,)
