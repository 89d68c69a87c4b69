"""Support actions: the first reply to the person shown, the two questions of `support_form`, the answer that fits,
and the answers for a friend helping and for someone who shared it. Decisions and texts come from bot.learning.support;
age and region live only in the conversation's slots."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.replies import Replies, button
from actions.actions import Events, TutorAction, entity_values
from bot.learning.support import (SupportQuestion, first_reply, read_form_reply, read_situation, tailored_answer,
                         threats_answer)
from bot.learning.tutor import Tutor

AGE_SLOT, REGION_SLOT = "support_age", "support_region"
THREATS_SLOT, UNCLEAR_SLOT = "support_threats", "support_unclear"
ASKING = {AGE_SLOT: "age", REGION_SLOT: "region"}  # the form's requested slot -> the question in bot.learning.support


class SupportAction(TutorAction):
    """Support comes first: a typed message is never taken as the answer to a waiting free-text question."""

    yields_to_free_text = False


class ActionSupportAffected(SupportAction):
    """The first reply (threats first if the message was about them); support_form then asks what it does not know."""

    def name(self) -> str:
        return "action_support_affected"

    def respond(self, dispatcher, tracker, tutor):
        situation = read_situation(tracker.latest_message.get("text") or "")
        dispatcher.utter_message(text=first_reply(tutor.content.support.person_shown, threats=situation.threats))
        events: Events = [SlotSet(THREATS_SLOT, situation.threats), SlotSet(UNCLEAR_SLOT, 0)]
        if situation.age:
            events.append(SlotSet(AGE_SLOT, situation.age))
        if situation.region:
            events.append(SlotSet(REGION_SLOT, situation.region))
        return events


class ValidateSupportForm(FormValidationAction):
    """Reads a reply to the waiting support question. No events: the reply asks for something else, and the form
    hands it to the rule for its intent (data/rules/support.yml)."""

    def name(self) -> str:
        return "validate_support_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> Events:
        asking = ASKING.get(tracker.get_slot("requested_slot"))
        if asking is None:  # the form is starting: nothing has been asked yet
            return []
        reply = read_form_reply(
            tracker.latest_message.get("text") or "", asking=asking,
            intent=(tracker.latest_message.get("intent") or {}).get("name"),
            entities={name: value for name in ("age_group", "region") for value in entity_values(tracker, name)},
            answered={"age": tracker.get_slot(AGE_SLOT), "region": tracker.get_slot(REGION_SLOT)},
            unclear_so_far=int(tracker.get_slot(UNCLEAR_SLOT) or 0))
        if reply.leaves:
            return []
        events: Events = [SlotSet(UNCLEAR_SLOT, reply.unclear)]
        if reply.age:
            events.append(SlotSet(AGE_SLOT, reply.age))
        if reply.region:
            events.append(SlotSet(REGION_SLOT, reply.region))
        if reply.threats:
            events.append(SlotSet(THREATS_SLOT, True))
        return events


def _ask(dispatcher: CollectingDispatcher, tracker: Tracker, question: SupportQuestion, entity: str) -> None:
    """The question with one button per answer; after an unclear reply, its `unclear` wording."""
    text = question.unclear if tracker.get_slot(UNCLEAR_SLOT) else question.prompt
    dispatcher.utter_message(text=text, buttons=[button(title, "support_answer", **{entity: value})
                                                 for value, title in question.choices.items()])


class ActionAskSupportAge(SupportAction):
    def name(self) -> str:
        return "action_ask_support_age"

    def respond(self, dispatcher, tracker, tutor):
        _ask(dispatcher, tracker, tutor.content.support.person_shown.ask_age, "age_group")
        return []


class ActionAskSupportRegion(SupportAction):
    def name(self) -> str:
        return "action_ask_support_region"

    def respond(self, dispatcher, tracker, tutor):
        _ask(dispatcher, tracker, tutor.content.support.person_shown.ask_region, "region")
        return []


class ActionSupportAnswer(SupportAction):
    """The answer for the learner's age and region; threats first when the first message was about them."""

    def name(self) -> str:
        return "action_support_answer"

    def respond(self, dispatcher, tracker, tutor):
        _say_topic(dispatcher, tracker, tutor, "threats" if tracker.get_slot(THREATS_SLOT) else "removal")
        return []


class ActionSupportMore(SupportAction):
    """More on one topic, from the buttons under a support answer."""

    def name(self) -> str:
        return "action_support_more"

    def respond(self, dispatcher, tracker, tutor):
        topic = next(entity_values(tracker, "topic"), None)
        _say_topic(dispatcher, tracker, tutor, topic if topic in ("threats", "removal", "all_options") else "removal")
        return []


def _say_topic(dispatcher: CollectingDispatcher, tracker: Tracker, tutor: Tutor, topic: str) -> None:
    reply, support = Replies(dispatcher, tutor.content), tutor.content.support
    person, age, region = support.person_shown, tracker.get_slot(AGE_SLOT), tracker.get_slot(REGION_SLOT)
    more = [button(support.buttons[other], "support_more", topic=other)
            for other in ("threats", "removal", "all_options") if other != topic]
    if topic == "all_options":
        messages = person.all_options
    else:
        answer = threats_answer if topic == "threats" else tailored_answer
        messages = (answer(person, age, region),)
    reply.messages(messages, buttons=more + [reply.back_button(tutor.current_step(tracker.sender_id))])


class ActionSupportHelper(SupportAction):
    """A friend, parent or teacher helping the person shown; one tap away if it is about themselves after all."""

    def name(self) -> str:
        return "action_support_helper"

    def respond(self, dispatcher, tracker, tutor):
        _say_with_its_me(dispatcher, tracker, tutor, tutor.content.support.helping_someone)
        return []


class ActionSupportSharer(SupportAction):
    """Someone who shared it; one tap away if the images are their own (a victim who "sent" them may be misread)."""

    def name(self) -> str:
        return "action_support_sharer"

    def respond(self, dispatcher, tracker, tutor):
        _say_with_its_me(dispatcher, tracker, tutor, tutor.content.support.shared_it)
        return []


def _say_with_its_me(dispatcher: CollectingDispatcher, tracker: Tracker, tutor: Tutor, messages: tuple[str, ...]
                     ) -> None:
    """An answer for someone other than the person shown, one tap from the person-shown answers, then back."""
    reply = Replies(dispatcher, tutor.content)
    reply.messages(messages, buttons=[button(tutor.content.support.buttons["its_me"], "affected"),
                                      reply.back_button(tutor.current_step(tracker.sender_id))])
