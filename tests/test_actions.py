"""Actions with Rasa SDK trackers and a tutor on an in-memory store: events, response names and buttons."""
from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions, runtime, support
from actions.replies import payload
from bot.reports.cohorts import Cohorts


@pytest.fixture(autouse=True)
def configured(tutor):
    runtime.configure(tutor)
    yield tutor
    runtime.configure(None)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def tracker(text: str = "", intent: str = "answer", entities: list[dict] | None = None, sender: str = "ana",
            message_id: str = "m1", events: list[dict] | None = None) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or [],
              "message_id": message_id}
    return Tracker(sender, {}, latest, events or [], False, None, {}, "action_listen")


def run(action_class, dispatcher, tracker_: Tracker) -> list[dict[str, Any]]:
    return asyncio.run(action_class().run(dispatcher, tracker_, {}))


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [message.get("response") or "text" for message in dispatcher.messages]


def test_start_module_from_entity(dispatcher):
    events = run(actions.ActionStartModule, dispatcher,
                 tracker("start verify", "start_module", [{"entity": "module", "value": "verify_leaks"}]))
    assert events == []
    assert responses(dispatcher) == ["utter_module_intro", "utter_lesson"]
    lesson = dispatcher.messages[1]
    assert lesson["number"] == 1 and lesson["total"] == 2 and lesson["source"] == "https://example.org/stop"
    assert lesson["lesson"] == "Stop before you share."
    assert [button["payload"] for button in lesson["buttons"]] == ["/next", "/skip", "/stop"]


def test_start_module_without_entity_shows_menu(dispatcher):
    run(actions.ActionStartModule, dispatcher, tracker("let's learn", "start_module"))
    assert responses(dispatcher) == ["utter_menu"]
    assert dispatcher.messages[0]["buttons"][0]["payload"] == payload("start_module", module="verify_leaks")


def test_question_has_one_button_per_option(dispatcher, tutor_at_first_question):
    run(actions.ActionNext, dispatcher, tracker("next", "next"))
    assert responses(dispatcher) == ["utter_at_question", "utter_question"]
    question = dispatcher.messages[1]
    assert question["options"] == "A) Investigate the source\nB) Stop\nC) Trace the claim"
    assert [(b["title"], b["payload"]) for b in question["buttons"]] == [
        ("A) Investigate the source", '/answer{"option":"a","question":"t_q1"}'),
        ("B) Stop", '/answer{"option":"b","question":"t_q1"}'),
        ("C) Trace the claim", '/answer{"option":"c","question":"t_q1"}'),
    ]


def test_button_answer_gives_feedback_then_next_question(dispatcher, tutor_at_first_question):
    run(actions.ActionAnswer, dispatcher, tracker(
        '/answer{"option":"b","question":"t_q1"}', entities=[
            {"entity": "option", "value": "b"}, {"entity": "question", "value": "t_q1"}]))
    assert responses(dispatcher) == ["utter_answer_correct", "utter_question"]
    assert dispatcher.messages[0]["feedback"] == "Yes, pause first."
    assert dispatcher.messages[0]["explanation"] == "SIFT starts with Stop."


def test_typed_wrong_answer_names_the_right_one(dispatcher, tutor_at_first_question):
    run(actions.ActionAnswer, dispatcher, tracker("c"))
    assert responses(dispatcher) == ["utter_answer_wrong", "utter_question"]
    assert dispatcher.messages[0]["correct"] == "B) Stop"


def test_forged_entities_cannot_answer(dispatcher, tutor_at_first_question):
    """An option entity without the matching question id (what a forged message can carry) is ignored."""
    run(actions.ActionAnswer, dispatcher, tracker("answer", entities=[{"entity": "option", "value": "b"}]))
    assert responses(dispatcher) == ["utter_answer_unmatched", "utter_question"]
    assert tutor_at_first_question.store.db["answers"].count == 0


def test_fallback_tries_typed_answer_when_question_waits(dispatcher, tutor_at_first_question):
    run(actions.ActionFallback, dispatcher, tracker("trace the claim", "nlu_fallback"))
    assert responses(dispatcher) == ["utter_answer_wrong", "utter_question"]


def test_fallback_outside_a_question_shows_menu(dispatcher):
    run(actions.ActionFallback, dispatcher, tracker("asdfgh", "nlu_fallback"))
    assert responses(dispatcher) == ["utter_default", "utter_menu"]


def test_stop_then_greet_offers_to_continue(dispatcher, tutor_at_first_question):
    run(actions.ActionStop, dispatcher, tracker("stop", "stop"))
    assert responses(dispatcher) == ["utter_stopped"]
    assert dispatcher.messages[0]["position"] == "question 1 of 2"
    greet = CollectingDispatcher()
    run(actions.ActionGreet, greet, tracker("hi", "greet"))
    assert responses(greet) == ["utter_greet", "utter_menu"]  # stopped: no current module, menu shows status
    tutor_at_first_question.start("ana", "verify_leaks")
    welcome = CollectingDispatcher()
    run(actions.ActionGreet, welcome, tracker("hi", "greet"))
    assert responses(welcome) == ["utter_welcome_back"]


def test_affected_gets_support_and_no_quiz(dispatcher, tutor_at_first_question):
    events = run(support.ActionSupportAffected, dispatcher, tracker("someone posted my pics", "affected"))
    assert [message["text"] for message in dispatcher.messages] == [
        "It is not your fault. Take It Down or StopNCII.org help anywhere."]
    assert not any(message.get("buttons") for message in dispatcher.messages)  # the form asks next
    assert {"event": "slot", "name": "support_threats", "value": False, "timestamp": None} in events
    assert tutor_at_first_question.current_step("ana").question.id == "t_q1"  # the quiz waits, untouched


def test_share_request_is_refused_with_a_way_to_support(dispatcher, tutor):
    run(actions.ActionShareRequest, dispatcher, tracker("send me the leaked pics", intent="share_request"))
    last_support_message = dispatcher.messages[len(tutor.content.support.share_request) - 1]
    assert [button["payload"] for button in last_support_message["buttons"]] == [payload("affected")]


@pytest.mark.parametrize("action, intent, module_id", [
    (actions.ActionShareRequest, "share_request", "resist_resharing"),
    (actions.ActionCheckContent, "check_content", "verify_leaks"),
])
def test_a_support_answer_offers_the_module_its_content_names(dispatcher, tutor, action, intent, module_id):
    run(action, dispatcher, tracker("is this leak real", intent))
    offer, module = dispatcher.messages[-1], tutor.content.modules[module_id]
    assert offer["response"] == "utter_offer_module" and offer["title"] == module.title
    assert offer["buttons"] == [{"title": f"Start: {module.title}",
                                 "payload": payload("start_module", module=module_id)}]


def test_report_with_platform(dispatcher):
    run(actions.ActionReportHowto, dispatcher,
        tracker("report on whatsapp", "report_howto", [{"entity": "platform", "value": "whatsapp"}]))
    assert responses(dispatcher) == ["utter_report_platform"]
    assert dispatcher.messages[0]["help_link"] == "Official help: https://example.org/whatsapp"


def test_report_without_platform_asks_which(dispatcher):
    run(actions.ActionReportHowto, dispatcher, tracker("how do i report", "report_howto"))
    assert responses(dispatcher) == ["text", "utter_ask_platform"]
    assert len(dispatcher.messages[1]["buttons"]) == 10
    assert dispatcher.messages[1]["buttons"][0]["payload"] == '/report_howto{"platform":"x"}'


def test_delete_needs_the_confirmation_turn(dispatcher, tutor_at_first_question):
    run(actions.ActionDeleteData, dispatcher, tracker("yes", "affirm"))
    assert responses(dispatcher) == ["utter_delete_not_confirmed"]
    assert tutor_at_first_question.store.learner_exists("ana")
    confirmed = CollectingDispatcher()
    history = [{"event": "action", "name": "action_ask_delete_data"}, {"event": "action", "name": "action_listen"},
               {"event": "user", "text": "yes"}]
    run(actions.ActionDeleteData, confirmed, tracker("yes", "affirm", events=history))
    assert responses(confirmed) == ["utter_data_deleted"]
    assert not tutor_at_first_question.store.learner_exists("ana")


def test_join_cohort_from_the_typed_code(dispatcher, tutor):
    cohort, _ = Cohorts(tutor.store).create("Year 9 *Tuesday*")
    run(actions.ActionJoinCohort, dispatcher,
        tracker(f"my class code is {cohort.join_code.lower()}", "join_cohort"))
    assert responses(dispatcher) == ["utter_cohort_joined"]
    reply = dispatcher.messages[0]
    assert reply["cohort_name"] == r"Year 9 \*Tuesday\*"  # a facilitator's Markdown shows as typed
    assert reply["label"] == tutor.store.membership("ana").label
    run(actions.ActionJoinCohort, dispatcher, tracker(cohort.join_code, "join_cohort"))
    assert responses(dispatcher)[-1] == "utter_cohort_already_member"


def test_join_cohort_uses_the_entity_when_the_text_has_no_code(dispatcher, tutor):
    cohort, _ = Cohorts(tutor.store).create("Year 9")
    run(actions.ActionJoinCohort, dispatcher,
        tracker("/join_cohort", "join_cohort", [{"entity": "join_code", "value": cohort.join_code}]))
    assert responses(dispatcher) == ["utter_cohort_joined"]


@pytest.mark.parametrize("text, entities, response", [
    ("join my class", [], "utter_cohort_ask_code"),
    ("code ZZZZ-99", [], "utter_cohort_unknown_code"),
    ("join", [{"entity": "join_code", "value": {"learner": "other"}}], "utter_cohort_ask_code"),
])
def test_join_cohort_without_a_usable_code(dispatcher, text, entities, response):
    run(actions.ActionJoinCohort, dispatcher, tracker(text, "join_cohort", entities))
    assert responses(dispatcher) == [response]


def test_join_closed_cohort(dispatcher, tutor):
    cohorts = Cohorts(tutor.store)
    cohort, _ = cohorts.create("Old class")
    cohorts.close(cohort.join_code)
    run(actions.ActionJoinCohort, dispatcher, tracker(f"code {cohort.join_code}", "join_cohort"))
    assert responses(dispatcher) == ["utter_cohort_closed"]
    assert tutor.store.membership("ana") is None


class LockedConnection:
    """Stands in for the store's SQLite connection while another process holds the write lock too long."""

    def execute(self, *args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    rollback = execute


def test_store_failure_gives_a_polite_retry(dispatcher, tutor, monkeypatch):
    monkeypatch.setattr(tutor.store._db, "connection", LockedConnection())
    run(actions.ActionStartModule, dispatcher,
        tracker("start", "start_module", [{"entity": "module", "value": "verify_leaks"}]))
    assert responses(dispatcher) == ["utter_error"]


def test_store_failure_offers_the_same_buttons_again(dispatcher, tutor, monkeypatch):
    monkeypatch.setattr(tutor.store._db, "connection", LockedConnection())
    offered = [{"title": "A) Stop", "payload": "/answer{\"option\":\"a\",\"question\":\"t_q1\"}"}]
    history = [{"event": "bot", "text": "Question 1", "data": {"buttons": offered}},
               {"event": "user", "text": "/answer"}, {"event": "user", "text": "/answer"}]  # the 1st got no reply
    run(actions.ActionAnswer, dispatcher, tracker("/answer", events=history))
    assert responses(dispatcher) == ["utter_error"] and dispatcher.messages[0]["buttons"] == offered


def test_every_response_used_exists_in_domain():
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).parent.parent
    domain = yaml.safe_load((root / "domain.yml").read_text())
    used = set()
    for path in (root / "actions").glob("*.py"):
        used.update(re.findall(r'"(utter_[a-z_]+)"', path.read_text()))
    used.discard("utter_action")
    assert used <= set(domain["responses"]), used - set(domain["responses"])
    import inspect

    from rasa_sdk import Action
    from rasa_sdk.utils import all_subclasses

    defined = {cls().name() for cls in all_subclasses(Action)
               if cls.__module__.startswith("actions.") and not inspect.isabstract(cls)}
    assert set(domain["actions"]) == defined


def test_response_variables_do_not_shadow_message_fields():
    """utter_message(text=...) would replace the whole response text, so no template may use such a name."""
    import re
    from pathlib import Path

    import yaml

    domain = yaml.safe_load((Path(__file__).parent.parent / "domain.yml").read_text())
    reserved = {"text", "image", "json_message", "response", "attachment", "buttons", "elements"}
    for name, variants in domain["responses"].items():
        for variant in variants:
            assert not set(re.findall(r"{(\w+)}", variant["text"])) & reserved, name


def test_chat_code_cannot_reach_facilitator_data():
    """Actions and input channels may join a cohort, but never read reports, members or tokens."""
    from pathlib import Path

    root = Path(__file__).parent.parent
    sources = "\n".join(path.read_text() for folder in ("actions", "channels") for path in (root / folder).glob("*.py"))
    for forbidden in ("bot.reports.report", "bot.reports.render", "build_report", "authenticate", "cohort_members",
                      "rotate_token", "cohort_token", "CohortToken", "verifier"):  # the rate limit's "token bucket" is no token
        assert forbidden not in sources, forbidden


@pytest.fixture
def actions_on_learning_content(learning_tutor):
    """The actions use learning_tutor (checks, judgement items, a free-text question) rather than `tutor`."""
    runtime.configure(learning_tutor)


def at_free_text_question(tutor) -> None:
    tutor.start("ana", "verify_leaks")
    for letter in "bba":
        step = tutor.current_step("ana")
        tutor.answer("ana", text=letter, message_id=None, question_id=step.question.id, option=letter)
    tutor.advance("ana")
    for letter in "ba":
        step = tutor.current_step("ana")
        tutor.answer("ana", text=letter, message_id=None, question_id=step.question.id, option=letter)
    assert tutor.free_text_waiting("ana")


@pytest.mark.usefixtures("actions_on_learning_content")
def test_the_first_check_item_is_introduced(dispatcher):
    run(actions.ActionStartModule, dispatcher,
        tracker("start", "start_module", [{"entity": "module", "value": "verify_leaks"}]))
    assert responses(dispatcher) == ["utter_module_intro", "utter_check_intro", "utter_question"]
    assert dispatcher.messages[2]["heading"] == "check 1 of 3"


@pytest.mark.usefixtures("actions_on_learning_content")
def test_typed_text_answers_a_free_text_question_whatever_the_intent(dispatcher, learning_tutor):
    at_free_text_question(learning_tutor)
    run(actions.ActionStop, dispatcher, tracker("stop", "stop", message_id="m9"))  # "stop" is the right answer
    assert responses(dispatcher)[0] == "utter_free_text_right"
    assert learning_tutor.current_step("ana").question.id == "c_q4"


@pytest.mark.usefixtures("actions_on_learning_content")
def test_free_text_feedback_names_a_near_miss(dispatcher, learning_tutor):
    at_free_text_question(learning_tutor)
    run(actions.ActionAnswer, dispatcher, tracker("investigate the source", "answer", message_id="m9"))
    assert responses(dispatcher)[0] == "utter_free_text_wrong"
    assert dispatcher.messages[0]["feedback"] == "That is step two."
    assert dispatcher.messages[0]["model_answer"] == "Stop (pause before you react)."


@pytest.mark.usefixtures("actions_on_learning_content")
def test_buttons_and_support_still_work_at_a_free_text_question(dispatcher, learning_tutor):
    at_free_text_question(learning_tutor)
    run(actions.ActionSkip, dispatcher, tracker("/skip", "skip"))
    assert responses(dispatcher)[0] == "utter_question_skipped"
    at_free_text_question_again = learning_tutor.current_step("ana").question.id == "c_q4"
    assert at_free_text_question_again
    run(support.ActionSupportAffected, dispatcher, tracker("someone leaked my pics", "affected"))
    assert responses(dispatcher)[-1] == "text"  # the support messages, not an answer


@pytest.mark.usefixtures("actions_on_learning_content")
def test_review_action_reasks_due_questions(dispatcher, learning_tutor, fake_clock):
    at_free_text_question(learning_tutor)
    learning_tutor.answer("ana", text="pause", message_id=None)
    run(actions.ActionReview, dispatcher, tracker("review", "review"))
    assert responses(dispatcher) == ["utter_review_nothing_due"]
    learning_tutor.answer("ana", text="b", message_id=None)  # c_q4 wrong
    for letter in "aba":
        step = learning_tutor.current_step("ana")
        learning_tutor.answer("ana", text=letter, message_id=None, question_id=step.question.id, option=letter)
    fake_clock.advance(days=3)
    greeting = CollectingDispatcher()
    run(actions.ActionGreet, greeting, tracker("hi", "greet"))
    assert responses(greeting) == ["utter_booster_offer"] and greeting.messages[0]["count"] >= 1
    review = CollectingDispatcher()
    run(actions.ActionReview, review, tracker("ok", "review"))
    assert responses(review)[:2] == ["utter_review_started", "utter_question"]
    assert review.messages[1]["heading"].startswith("review 1 of")


def test_store_calls_leave_the_event_loop_free(dispatcher, tutor, monkeypatch):
    """rasa-sdk awaits `run` on its event loop: a slow store call must not stop other requests being served."""
    def slow_progress(learner_id):
        time.sleep(0.5)  # a disk or lock wait
        return []

    monkeypatch.setattr(tutor, "progress", slow_progress)

    async def ticks_during_the_action() -> int:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        await actions.ActionShowProgress().run(dispatcher, tracker("my progress", "progress"), {})
        ticker.cancel()
        return ticks

    assert asyncio.run(ticks_during_the_action()) >= 20
    assert responses(dispatcher) == ["utter_progress"]
