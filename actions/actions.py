"""Custom actions. Each reads the learner id and entities, calls the tutor once, and picks responses."""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Iterator

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.replies import Replies, button
from bot.reports.cohorts import Cohorts, join_codes_in
from bot.errors import PauseCheckError
from bot.learning.formatting import markdown_literal
from bot.learning.steps import heading
from bot.learning.tutor import Tutor

logger = logging.getLogger(__name__)

Events = list[dict[str, Any]]


def entity_value(tracker: Tracker, name: str) -> str | None:
    return next(entity_values(tracker, name), None)


def entity_values(tracker: Tracker, name: str) -> Iterator[str]:
    """The latest message's values for an entity; entities are user-controlled, so anything but text is dropped."""
    return (value for value in tracker.get_latest_entity_values(name) if isinstance(value, str))


def _message_id(tracker: Tracker) -> str | None:
    return tracker.latest_message.get("message_id")


def _buttons_before_latest_message(tracker: Tracker) -> list[dict[str, Any]]:
    """The buttons of the bot's latest reply before the learner's latest message (a message the bot never answered,
    because its turn failed, is passed over, as the input channel does)."""
    buttons: list[dict[str, Any]] = []
    past_latest = replied = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if replied:
                break
            past_latest = True
        elif event.get("event") == "bot" and past_latest:
            replied = True
            buttons[:0] = (event.get("data") or {}).get("buttons") or []
    return buttons


class TutorAction(Action, ABC):
    """Base class: runs `respond` with the tutor; store or content trouble becomes a polite retry message."""

    @abstractmethod
    def respond(self, dispatcher: CollectingDispatcher, tracker: Tracker, tutor: Tutor) -> Events:
        """Sends the replies and returns the events for one turn."""

    # While a free-text question waits, a typed message is the learner's answer, whatever NLU made of it ("stop" is
    # the first step of SIFT); while a practice post waits, a typed move ("i'd google it") is that move. Only support
    # and data deletion come first; buttons (payloads) still do what they say.
    yields_to_free_text = True

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> Events:
        return await runtime.off_the_event_loop(self._run_with_tutor, dispatcher, tracker)

    def _run_with_tutor(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
        try:
            tutor = runtime.tutor()
            text = tracker.latest_message.get("text") or ""
            if self.yields_to_free_text and not text.startswith("/"):
                if tutor.free_text_waiting(tracker.sender_id):
                    answer(dispatcher, tracker, tutor, typed_only=True)
                    return []
                if moved := tutor.typed_practice_move(tracker.sender_id, text, message_id=_message_id(tracker)):
                    Replies(dispatcher, tutor.content).move(moved)
                    return []
            return self.respond(dispatcher, tracker, tutor)
        except PauseCheckError:  # store trouble (StoreBusy, StoreError) or broken content
            logger.exception("%s failed for a learner", self.name())
            # Nothing was recorded; the same buttons again let the learner simply tap their choice once more.
            dispatcher.utter_message(response="utter_error", buttons=_buttons_before_latest_message(tracker))
            return []


class ActionGreet(TutorAction):
    def name(self) -> str:
        return "action_greet"

    def respond(self, dispatcher, tracker, tutor):
        reply = Replies(dispatcher, tutor.content)
        if due := tutor.review.booster_offer(tracker.sender_id):
            dispatcher.utter_message(response="utter_booster_offer", count=due,
                                     buttons=[reply.button("start_booster", "review"), reply.menu_button])
            return []
        step = tutor.current_step(tracker.sender_id)
        if step is None:
            dispatcher.utter_message(response="utter_greet")
            reply.menu(tutor.progress(tracker.sender_id))
            return []
        dispatcher.utter_message(response="utter_welcome_back", module_title=step.module.title,
                                 position=heading(step),
                                 buttons=[reply.module_button(step.module, "continue"), reply.menu_button])
        return []


class ActionShowMenu(TutorAction):
    def name(self) -> str:
        return "action_show_menu"

    def respond(self, dispatcher, tracker, tutor):
        Replies(dispatcher, tutor.content).menu(tutor.progress(tracker.sender_id))
        return []


class ActionStartModule(TutorAction):
    def name(self) -> str:
        return "action_start_module"

    def respond(self, dispatcher, tracker, tutor):
        reply = Replies(dispatcher, tutor.content)
        module_id = entity_value(tracker, "module")
        if module_id not in tutor.content.modules:
            step = tutor.current_step(tracker.sender_id)
            if step is not None and module_id is None:  # "continue" inside a module: carry on there
                reply.step(step)
                return []
            reply.menu(tutor.progress(tracker.sender_id))
            return []
        result = tutor.start(tracker.sender_id, module_id)
        module = result.step.module
        if result.status == "started":
            dispatcher.utter_message(response="utter_module_intro", title=module.title, summary=module.summary,
                                     lessons=len(module.lessons), questions=len(module.quiz))
        elif result.status == "restarted" and result.previous:
            dispatcher.utter_message(response="utter_module_restarted", title=module.title,
                                     correct=result.previous.correct, total=result.previous.total)
        else:
            dispatcher.utter_message(response="utter_module_resumed", title=module.title)
        reply.step(result.step)
        return []


class ActionNext(TutorAction):
    def name(self) -> str:
        return "action_next"

    def respond(self, dispatcher, tracker, tutor):
        reply = Replies(dispatcher, tutor.content)
        result = tutor.advance(tracker.sender_id)
        if result.status == "no_module":
            reply.menu(tutor.progress(tracker.sender_id))
            return []
        if result.status == "at_question":
            dispatcher.utter_message(response="utter_at_question")
        reply.step(result.step)
        return []


def answer(dispatcher: CollectingDispatcher, tracker: Tracker, tutor: Tutor, *, typed_only: bool = False) -> bool:
    """Handles the learner's message as an answer. RETURNS False when no question was waiting (nothing sent).

    typed_only: ignore entities (used for messages NLU was unsure about).
    """
    result = tutor.answer(
        tracker.sender_id,
        text=tracker.latest_message.get("text") or "",
        message_id=_message_id(tracker),
        question_id=None if typed_only else entity_value(tracker, "question"),
        option=None if typed_only else entity_value(tracker, "option"),
    )
    if result.status == "no_question":
        return False
    Replies(dispatcher, tutor.content).answer(result)
    return True


class ActionAnswer(TutorAction):
    def name(self) -> str:
        return "action_answer"

    def respond(self, dispatcher, tracker, tutor):
        if not answer(dispatcher, tracker, tutor):
            reply = Replies(dispatcher, tutor.content)
            step = tutor.current_step(tracker.sender_id)
            dispatcher.utter_message(response="utter_no_question")
            if step is not None:
                reply.step(step)
            else:
                reply.menu(tutor.progress(tracker.sender_id))
        return []


class ActionPracticeMove(TutorAction):
    """A move button on a practice post: its finding. Correctness is never taken from the payload: the move names a
    kind the post in the store defines, and a button of another post is stale."""

    def name(self) -> str:
        return "action_practice_move"

    def respond(self, dispatcher, tracker, tutor):
        Replies(dispatcher, tutor.content).move(tutor.move(
            tracker.sender_id, move=entity_value(tracker, "move") or "", question_id=entity_value(tracker, "question"),
            message_id=_message_id(tracker)))
        return []


class ActionFallback(TutorAction):
    """NLU was unsure: if a question is waiting, try the text as an answer; otherwise say so and show the menu."""

    def name(self) -> str:
        return "action_fallback"

    def respond(self, dispatcher, tracker, tutor):
        if answer(dispatcher, tracker, tutor, typed_only=True):
            return []
        dispatcher.utter_message(response="utter_default")
        Replies(dispatcher, tutor.content).menu(tutor.progress(tracker.sender_id))
        return []


class ActionSkip(TutorAction):
    def name(self) -> str:
        return "action_skip"

    def respond(self, dispatcher, tracker, tutor):
        reply = Replies(dispatcher, tutor.content)
        result = tutor.skip(tracker.sender_id, message_id=_message_id(tracker))
        if result.status == "no_module":
            dispatcher.utter_message(response="utter_nothing_to_skip")
            reply.menu(tutor.progress(tracker.sender_id))
            return []
        dispatcher.utter_message(response="utter_question_skipped" if result.status == "skipped_question"
                                 else "utter_lessons_skipped")
        reply.step(result.step)
        return []


class ActionStop(TutorAction):
    def name(self) -> str:
        return "action_stop"

    def respond(self, dispatcher, tracker, tutor):
        reply = Replies(dispatcher, tutor.content)
        status = tutor.stop(tracker.sender_id)
        if status is None:
            dispatcher.utter_message(response="utter_nothing_to_stop", buttons=[reply.menu_button])
            return []
        dispatcher.utter_message(response="utter_stopped", title=status.module.title,
                                 position=status.position_label,
                                 buttons=[reply.module_button(status.module, "continue_later"), reply.progress_button])
        return []


class ActionShowProgress(TutorAction):
    def name(self) -> str:
        return "action_show_progress"

    def respond(self, dispatcher, tracker, tutor):
        Replies(dispatcher, tutor.content).progress(tutor.progress(tracker.sender_id))
        return []


class ActionReview(TutorAction):
    """Asks the review questions that are due (spaced repetition), or says when the next ones will be."""

    def name(self) -> str:
        return "action_review"

    def respond(self, dispatcher, tracker, tutor):
        reply = Replies(dispatcher, tutor.content)
        start = tutor.review.start(tracker.sender_id)
        if start.status == "nothing_due":
            dispatcher.utter_message(response="utter_review_nothing_due", next_due=reply.next_review(start.next_due),
                                     buttons=[reply.menu_button])
            return []
        reply.step(start.step)
        return []


class ActionShareRequest(TutorAction):
    yields_to_free_text = False

    def name(self) -> str:
        return "action_share_request"

    def respond(self, dispatcher, tracker, tutor):
        reply, support = Replies(dispatcher, tutor.content), tutor.content.support
        # The last message says what to do if the images are of the learner: a misread `affected` is one tap from help.
        reply.messages(support.share_request, buttons=[button(support.buttons["share_request"], "affected")])
        reply.module_offer("share_request")
        return []


class ActionCheckContent(TutorAction):
    def name(self) -> str:
        return "action_check_content"

    def respond(self, dispatcher, tracker, tutor):
        reply = Replies(dispatcher, tutor.content)
        reply.messages(tutor.content.support.check_content)
        reply.module_offer("check_content")
        return []


class ActionReportHowto(TutorAction):
    def name(self) -> str:
        return "action_report_howto"

    def respond(self, dispatcher, tracker, tutor):
        reply, support = Replies(dispatcher, tutor.content), tutor.content.support
        platform = entity_value(tracker, "platform")
        route = support.platforms.get(platform) if platform else None
        if route is None:
            reply.messages(support.reporting_general)
            dispatcher.utter_message(response="utter_ask_platform",
                                     buttons=[button(route.name, "report_howto", platform=key)
                                              for key, route in support.platforms.items()])
            return []
        reply.platform_route(route)
        reply.module_offer("reporting")
        return []


class ActionJoinCohort(TutorAction):
    """Joins the class whose code the learner typed. The code is looked up in the store, so a forged entity can
    only name a code that exists anyway; nothing here ever reads cohort data back to the learner but its name."""

    def name(self) -> str:
        return "action_join_cohort"

    def respond(self, dispatcher, tracker, tutor):
        typed = join_codes_in(tracker.latest_message.get("text") or "")
        result = Cohorts(tutor.store).join(tracker.sender_id, typed + list(entity_values(tracker, "join_code")))
        if result.status == "no_code":
            dispatcher.utter_message(response="utter_cohort_ask_code")
        elif result.status == "unknown_code":
            dispatcher.utter_message(response="utter_cohort_unknown_code", join_code=result.code)
        elif result.status == "closed":
            dispatcher.utter_message(response="utter_cohort_closed", cohort_name=markdown_literal(result.cohort.name))
        else:
            membership = result.membership
            response = {"joined": "utter_cohort_joined", "already_member": "utter_cohort_already_member",
                        "switched": "utter_cohort_switched"}[result.status]
            dispatcher.utter_message(
                response=response, cohort_name=markdown_literal(membership.cohort.name), label=membership.label,
                previous_name=markdown_literal(result.previous.name) if result.previous else "",
                buttons=[Replies(dispatcher, tutor.content).menu_button])
        return []


class ActionAskDeleteData(TutorAction):
    yields_to_free_text = False

    def name(self) -> str:
        return "action_ask_delete_data"

    def respond(self, dispatcher, tracker, tutor):
        reply = Replies(dispatcher, tutor.content)
        dispatcher.utter_message(response="utter_ask_delete_confirm",
                                 buttons=[reply.button("delete_everything", "affirm"),
                                          reply.button("keep_progress", "deny")])
        return []


class ActionDeleteData(TutorAction):
    """Deletes the learner's progress; the input channel then erases the conversation history."""

    yields_to_free_text = False

    def name(self) -> str:
        return "action_delete_data"

    def respond(self, dispatcher, tracker, tutor):
        if _previous_action(tracker) != "action_ask_delete_data":
            dispatcher.utter_message(response="utter_delete_not_confirmed")
            return []
        tutor.forget(tracker.sender_id)
        dispatcher.utter_message(response="utter_data_deleted")
        return []


def _previous_action(tracker: Tracker) -> str | None:
    """The last action the bot ran before the learner's latest message (skipping listening)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None

