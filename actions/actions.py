"""Custom actions. Each reads the learner id and entities, calls the tutor once, and picks responses."""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Iterator

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies, runtime
from bot.reports.cohorts import Cohorts, join_codes_in
from bot.errors import PauseCheckError
from bot.learning.formatting import markdown_literal, option_label
from bot.learning.results import Feedback, MoveResult
from bot.learning.steps import QuestionStep, Step, heading
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
                    say_move(dispatcher, moved)
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
        if due := tutor.review.booster_offer(tracker.sender_id):
            dispatcher.utter_message(response="utter_booster_offer", count=due,
                                     buttons=[replies.button("Start the booster", "review"), replies.MENU_BUTTON])
            return []
        step = tutor.current_step(tracker.sender_id)
        if step is None:
            dispatcher.utter_message(response="utter_greet")
            replies.say_menu(dispatcher, tutor.progress(tracker.sender_id))
            return []
        dispatcher.utter_message(response="utter_welcome_back", module_title=step.module.title,
                                 position=heading(step),
                                 buttons=[replies.module_button(step.module, "Continue ▶"), replies.MENU_BUTTON])
        return []


class ActionShowMenu(TutorAction):
    def name(self) -> str:
        return "action_show_menu"

    def respond(self, dispatcher, tracker, tutor):
        replies.say_menu(dispatcher, tutor.progress(tracker.sender_id))
        return []


class ActionStartModule(TutorAction):
    def name(self) -> str:
        return "action_start_module"

    def respond(self, dispatcher, tracker, tutor):
        module_id = entity_value(tracker, "module")
        if module_id not in tutor.content.modules:
            step = tutor.current_step(tracker.sender_id)
            if step is not None and module_id is None:  # "continue" inside a module: carry on there
                replies.say_step(dispatcher, step)
                return []
            replies.say_menu(dispatcher, tutor.progress(tracker.sender_id))
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
        replies.say_step(dispatcher, result.step)
        return []


class ActionNext(TutorAction):
    def name(self) -> str:
        return "action_next"

    def respond(self, dispatcher, tracker, tutor):
        result = tutor.advance(tracker.sender_id)
        if result.status == "no_module":
            replies.say_menu(dispatcher, tutor.progress(tracker.sender_id))
            return []
        if result.status == "at_question":
            dispatcher.utter_message(response="utter_at_question")
        replies.say_step(dispatcher, result.step)
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
    if result.feedback and result.status == "already_recorded":
        chosen = option_label(result.feedback.chosen) if result.feedback.chosen else "your answer"
        dispatcher.utter_message(response="utter_answer_already_recorded", chosen=chosen)
    elif result.feedback and result.feedback.grade:
        say_graded(dispatcher, result.feedback)
    elif result.feedback and result.feedback.chosen:
        feedback = result.feedback
        dispatcher.utter_message(
            response="utter_answer_correct" if feedback.correct else "utter_answer_wrong",
            chosen=option_label(feedback.chosen), feedback=feedback.chosen.feedback,
            correct=" or ".join(option_label(option) for option in feedback.question.options if option.correct),
            explanation=feedback.question.explanation,
        )
        if feedback.review:
            replies.say_practice_review(dispatcher, feedback.review)
    elif _at_practice_post(result.step) and result.status in ("stale", "unmatched", "ambiguous"):
        dispatcher.utter_message(response="utter_practice_stale" if result.status == "stale"
                                 else "utter_practice_choose", buttons=replies.practice_buttons(result.step))
        return True
    elif result.status == "ambiguous":
        question = result.step.question
        dispatcher.utter_message(response="utter_answer_ambiguous",
                                 buttons=[replies.answer_button(question.id, option) for option in result.candidates])
        return True
    elif result.status == "stale":
        dispatcher.utter_message(response="utter_answer_stale")
    elif result.status == "unmatched":
        last_letter = result.step.question.options[-1].letter.upper()
        dispatcher.utter_message(response="utter_answer_unmatched", last_letter=last_letter)
    if result.step is not None:
        replies.say_step(dispatcher, result.step)
    return True


def _at_practice_post(step: Step | None) -> bool:
    return isinstance(step, QuestionStep) and step.question.practice is not None


def say_move(dispatcher: CollectingDispatcher, result: MoveResult) -> None:
    """A move's finding and the remaining buttons; for a stale or unknown move, the buttons again."""
    if result.status == "no_practice":
        dispatcher.utter_message(response="utter_no_question")
        if result.step is not None:
            replies.say_step(dispatcher, result.step)
        return
    if result.status == "revealed":
        dispatcher.utter_message(response="utter_practice_finding", label=result.move.label,
                                 finding=result.move.finding)
        dispatcher.utter_message(response="utter_practice_choose", buttons=replies.practice_buttons(result.step))
        return
    dispatcher.utter_message(response="utter_practice_stale" if result.status == "stale" else "utter_practice_choose",
                             buttons=replies.practice_buttons(result.step))


def say_graded(dispatcher: CollectingDispatcher, feedback: Feedback) -> None:
    """Feedback on a typed free-text answer: right, partly right (naming what is missing) or wrong."""
    graded, free_text = feedback.grade, feedback.question.free_text
    texts = {"right": free_text.right, "partial": free_text.partial, "wrong": graded.near_miss or free_text.wrong}
    # Partly right with nothing missing: every concept was there, and a near-miss with them.
    kind = "mixed" if graded.status == "partial" and not graded.missing else graded.status
    texts["mixed"] = graded.near_miss or free_text.partial
    dispatcher.utter_message(response=f"utter_free_text_{kind}", feedback=texts[kind],
                             missing=", ".join(concept.name for concept in graded.missing),
                             model_answer=free_text.answer, explanation=feedback.question.explanation)


class ActionAnswer(TutorAction):
    def name(self) -> str:
        return "action_answer"

    def respond(self, dispatcher, tracker, tutor):
        if not answer(dispatcher, tracker, tutor):
            step = tutor.current_step(tracker.sender_id)
            dispatcher.utter_message(response="utter_no_question")
            if step is not None:
                replies.say_step(dispatcher, step)
            else:
                replies.say_menu(dispatcher, tutor.progress(tracker.sender_id))
        return []


class ActionPracticeMove(TutorAction):
    """A move button on a practice post: its finding. Correctness is never taken from the payload: the move names a
    kind the post in the store defines, and a button of another post is stale."""

    def name(self) -> str:
        return "action_practice_move"

    def respond(self, dispatcher, tracker, tutor):
        say_move(dispatcher, tutor.move(tracker.sender_id, move=entity_value(tracker, "move") or "",
                                        question_id=entity_value(tracker, "question"),
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
        replies.say_menu(dispatcher, tutor.progress(tracker.sender_id))
        return []


class ActionSkip(TutorAction):
    def name(self) -> str:
        return "action_skip"

    def respond(self, dispatcher, tracker, tutor):
        result = tutor.skip(tracker.sender_id, message_id=_message_id(tracker))
        if result.status == "no_module":
            dispatcher.utter_message(response="utter_nothing_to_skip")
            replies.say_menu(dispatcher, tutor.progress(tracker.sender_id))
            return []
        dispatcher.utter_message(response="utter_question_skipped" if result.status == "skipped_question"
                                 else "utter_lessons_skipped")
        replies.say_step(dispatcher, result.step)
        return []


class ActionStop(TutorAction):
    def name(self) -> str:
        return "action_stop"

    def respond(self, dispatcher, tracker, tutor):
        status = tutor.stop(tracker.sender_id)
        if status is None:
            dispatcher.utter_message(response="utter_nothing_to_stop", buttons=[replies.MENU_BUTTON])
            return []
        dispatcher.utter_message(response="utter_stopped", title=status.module.title,
                                 position=status.position_label,
                                 buttons=[replies.module_button(status.module, "Continue later ▶"),
                                          replies.PROGRESS_BUTTON])
        return []


class ActionShowProgress(TutorAction):
    def name(self) -> str:
        return "action_show_progress"

    def respond(self, dispatcher, tracker, tutor):
        replies.say_progress(dispatcher, tutor.progress(tracker.sender_id))
        return []


class ActionReview(TutorAction):
    """Asks the review questions that are due (spaced repetition), or says when the next ones will be."""

    def name(self) -> str:
        return "action_review"

    def respond(self, dispatcher, tracker, tutor):
        start = tutor.review.start(tracker.sender_id)
        if start.status == "nothing_due":
            dispatcher.utter_message(response="utter_review_nothing_due",
                                     next_due=replies.next_review_text(start.next_due), buttons=[replies.MENU_BUTTON])
            return []
        replies.say_step(dispatcher, start.step)
        return []


class ActionShareRequest(TutorAction):
    yields_to_free_text = False

    def name(self) -> str:
        return "action_share_request"

    def respond(self, dispatcher, tracker, tutor):
        # The last message says what to do if the images are of the learner: a misread `affected` is one tap from help.
        replies.say_messages(dispatcher, tutor.content.support.share_request, buttons=[replies.SUPPORT_BUTTON])
        module = tutor.content.module("resist_resharing")
        if module:
            dispatcher.utter_message(response="utter_offer_module", title=module.title,
                                     buttons=[replies.module_button(module, f"Start: {module.title}")])
        return []


class ActionCheckContent(TutorAction):
    def name(self) -> str:
        return "action_check_content"

    def respond(self, dispatcher, tracker, tutor):
        replies.say_messages(dispatcher, tutor.content.support.check_content)
        module = tutor.content.module("verify_leaks")
        if module:
            dispatcher.utter_message(response="utter_offer_module", title=module.title,
                                     buttons=[replies.module_button(module, f"Start: {module.title}")])
        return []


class ActionReportHowto(TutorAction):
    def name(self) -> str:
        return "action_report_howto"

    def respond(self, dispatcher, tracker, tutor):
        support = tutor.content.support
        platform = entity_value(tracker, "platform")
        route = support.platforms.get(platform) if platform else None
        if route is None:
            replies.say_messages(dispatcher, support.reporting_general)
            dispatcher.utter_message(
                response="utter_ask_platform",
                buttons=[replies.button(route.name, "report_howto", platform=key)
                         for key, route in support.platforms.items()],
            )
            return []
        replies.say_platform_route(dispatcher, route)
        module = tutor.content.module("reporting_tools")
        if module:
            dispatcher.utter_message(response="utter_offer_module", title=module.title,
                                     buttons=[replies.module_button(module, f"Start: {module.title}")])
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
                buttons=[replies.MENU_BUTTON])
        return []


class ActionAskDeleteData(Action):
    def name(self) -> str:
        return "action_ask_delete_data"

    def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_ask_delete_confirm",
                                 buttons=[replies.button("Yes, delete everything", "affirm"),
                                          replies.button("No, keep my progress", "deny")])
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

