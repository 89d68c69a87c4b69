"""Practice posts without a server: moves reveal findings and are recorded once, the decision is scored with whether
a key move came first, typed moves map to the nearest move, discernment counts the posts, and the report shows them."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions, runtime
from bot.reports.cohorts import Cohorts
from bot.learning.content import load_content
from bot.learning.lemmas import lemmas
from bot.learning.practice import nearest_move
from bot.reports.report import build_report
from bot.learning.results import MoveResult
from bot.learning.steps import QuestionStep
from bot.learning.tutor import Tutor

PRACTICE_CONTENT = Path(__file__).parent / "fixtures" / "practice"


@pytest.fixture
def practice_tutor(store) -> Tutor:
    """Learner 'ana' has read the lesson and faces practice post p_p1 (fabricated), then p_p2 (genuine)."""
    tutor = Tutor(load_content(PRACTICE_CONTENT), store)
    tutor.start("ana", "verify_leaks")
    tutor.advance("ana")
    return tutor


def at_post(tutor: Tutor) -> QuestionStep:
    step = tutor.current_step("ana")
    assert isinstance(step, QuestionStep) and step.question.practice is not None
    return step


def test_a_move_reveals_its_finding_and_is_recorded_once(practice_tutor, store):
    result = practice_tutor.move("ana", move="account", question_id="p_p1", message_id="m1")
    assert result.status == "revealed" and result.move.finding.startswith("Joined 3 days ago")
    assert result.step.moves_made == {"account"}
    again = practice_tutor.move("ana", move="account", question_id="p_p1", message_id="m2")  # same move, new message
    assert again.status == "revealed"
    assert store.db.execute("SELECT COUNT(*) FROM practice_moves").fetchone() == (1,)


def test_stale_and_unknown_moves_are_refused(practice_tutor):
    assert practice_tutor.move("ana", move="account", question_id="p_p2", message_id="m1").status == "stale"
    assert practice_tutor.move("ana", move="reverse_image", question_id="p_p1", message_id="m2").status == \
        "unknown_move"  # this post has no such move: a forged payload reveals nothing
    assert at_post(practice_tutor).moves_made == frozenset()


def test_deciding_after_a_key_move_counts_as_investigated(practice_tutor, store):
    practice_tutor.move("ana", move="replies", question_id="p_p1", message_id="m1")  # not a key move
    practice_tutor.move("ana", move="account", question_id="p_p1", message_id="m2")
    result = practice_tutor.answer("ana", text="/answer", message_id="m3", question_id="p_p1", option="b")
    assert result.status == "recorded" and result.feedback.correct
    review = result.feedback.review
    assert review.investigated
    assert [move.kind for move in review.looked_at] == ["account", "replies"]
    assert [move.kind for move in review.skipped] == ["coverage"]
    assert store.db.execute("SELECT option, correct, investigated FROM answers").fetchall() == [("b", 1, 1)]


def test_deciding_without_a_key_move_is_scored_as_not_investigated(practice_tutor, store):
    result = practice_tutor.answer("ana", text="/answer", message_id="m1", question_id="p_p1", option="a")
    assert not result.feedback.correct and not result.feedback.review.investigated
    assert store.db.execute("SELECT investigated FROM answers").fetchall() == [(0,)]
    # A redelivered decision is recorded once.
    again = practice_tutor.answer("ana", text="/answer", message_id="m1", question_id="p_p1", option="a")
    assert again.status == "already_recorded"
    assert store.db.execute("SELECT COUNT(*) FROM answers").fetchone() == (1,)


@pytest.mark.parametrize("typed, move", [
    ("i'd google it", "coverage"),
    ("who posted it?", "account"),
    ("let me read the comments", "replies"),
])
def test_typed_moves_map_to_the_nearest_move(practice_tutor, typed, move):
    result = practice_tutor.typed_practice_move("ana", typed, message_id=None)
    assert isinstance(result, MoveResult) and result.move.kind == move


def test_typed_text_that_names_a_decision_or_nothing_is_no_move(practice_tutor):
    assert practice_tutor.typed_practice_move("ana", "don't share it", message_id=None) is None  # a decision
    assert practice_tutor.typed_practice_move("ana", "banana bread", message_id=None) is None
    practice = at_post(practice_tutor).question.practice
    assert nearest_move(practice, "hmm", lemmas) is None


def test_practice_posts_count_in_discernment_and_are_not_reviewed(practice_tutor):
    practice_tutor.answer("ana", text="/answer", message_id="m1", question_id="p_p1", option="b")  # fake: spotted
    summary = practice_tutor.answer("ana", text="/answer", message_id="m2", question_id="p_p2", option="b").step
    figures = summary.discernment  # the genuine post called fake: a false alarm
    assert (figures.hits, figures.signal_trials, figures.false_alarms, figures.noise_trials) == (1, 1, 1, 1)
    assert practice_tutor.store.next_due("ana") is None  # missed, but practised in its module, not in reviews


def test_report_shows_who_investigated_first(practice_tutor, store, fake_clock):
    cohort, _ = Cohorts(store).create("Year 9")
    for learner, investigate in (("ana", True), ("ben", False)):
        Cohorts(store).join(learner, [cohort.join_code])
        if learner != "ana":
            practice_tutor.start(learner, "verify_leaks")
            practice_tutor.advance(learner)
        if investigate:
            practice_tutor.move(learner, move="coverage", question_id="p_p1", message_id=f"{learner}-m")
        practice_tutor.answer(learner, text="/answer", message_id=f"{learner}-a", question_id="p_p1", option="b")
    report = build_report(store, practice_tutor.content, store.cohort_by_code(cohort.join_code), now=fake_clock())
    first = report.practice[0]
    assert (first.question_id, first.decided, first.investigated_first, first.right) == ("p_p1", 2, 1, 2)
    assert [(decision.letter, decision.chosen) for decision in first.decisions] == [("a", 0), ("b", 2), ("c", 0)]
    assert report.to_dict()["practice"][0]["investigated_first"] == 1


# Actions: the card, the buttons and the findings

def tracker(text: str, intent: str, entities: list[dict] | None = None, message_id: str = "m1") -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or [],
              "message_id": message_id}
    return Tracker("ana", {}, latest, [], False, None, {}, "action_listen")


def run(action_class, tracker_: Tracker) -> CollectingDispatcher:
    dispatcher = CollectingDispatcher()
    asyncio.run(action_class().run(dispatcher, tracker_, {}))
    return dispatcher


@pytest.fixture
def configured(practice_tutor):
    runtime.configure(practice_tutor)
    yield practice_tutor
    runtime.configure(None)


def test_the_post_comes_as_a_card_with_a_text_fallback_and_buttons(configured):
    message = run(actions.ActionStartModule, tracker("/start_module", "start_module")).messages[-1]
    card = message["custom"]
    assert card["type"] == "practice_post" and card["question"] == "p_p1"
    assert card["post"]["handle"] == "@celebleaks_daily" and len(card["post"]["replies"]) == 2
    assert "@celebleaks_daily" in message["text"] and "Blurred image" in message["text"]  # any client can show it
    assert [button["payload"] for button in message["buttons"]] == [
        '/practice_move{"move":"account","question":"p_p1"}', '/practice_move{"move":"coverage","question":"p_p1"}',
        '/practice_move{"move":"replies","question":"p_p1"}', '/answer{"option":"a","question":"p_p1"}',
        '/answer{"option":"b","question":"p_p1"}', '/answer{"option":"c","question":"p_p1"}']


def test_a_move_button_reveals_the_finding_and_offers_the_rest(configured):
    dispatcher = run(actions.ActionPracticeMove, tracker(
        '/practice_move{"move":"coverage","question":"p_p1"}', "practice_move",
        [{"entity": "move", "value": "coverage"}, {"entity": "question", "value": "p_p1"}]))
    finding, choose = dispatcher.messages
    assert finding["response"] == "utter_practice_finding" and finding["label"] == "Search for coverage"
    assert '/practice_move{"move":"coverage","question":"p_p1"}' not in [b["payload"] for b in choose["buttons"]]
    assert len(choose["buttons"]) == 5


def test_a_typed_move_works_whatever_nlu_made_of_it(configured):
    dispatcher = run(actions.ActionCheckContent, tracker("i'd google it", "check_content"))
    assert dispatcher.messages[0]["response"] == "utter_practice_finding"
    assert dispatcher.messages[0]["label"] == "Search for coverage"


def test_an_unmatched_typed_answer_gets_the_buttons_again(configured):
    dispatcher = run(actions.ActionAnswer, tracker("banana", "answer"))
    assert dispatcher.messages[-1]["response"] == "utter_practice_choose"
    assert len(dispatcher.messages[-1]["buttons"]) == 6


def test_the_decision_feedback_names_what_was_looked_at_and_skipped(configured):
    configured.move("ana", move="account", question_id="p_p1", message_id="m0")
    dispatcher = run(actions.ActionAnswer, tracker('/answer{"option":"b","question":"p_p1"}', "answer", [
        {"entity": "option", "value": "b"}, {"entity": "question", "value": "p_p1"}]))
    responses = [message.get("response") for message in dispatcher.messages]
    assert responses[:2] == ["utter_answer_correct", "utter_practice_partly_checked"]
    assert dispatcher.messages[1]["looked_at"] == "Check the account"
    assert dispatcher.messages[1]["skipped"] == "Search for coverage"
