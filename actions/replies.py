"""Turns tutor results into responses (wording lives in domain.yml) and buttons (payloads built in one place)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from bot.learning.content import Module, Option, Question
from bot.learning.practice import POST_FIELDS, Review
from bot.learning.support import PlatformRoute
from bot.learning.formatting import option_label, progress_bar
from bot.learning.steps import (LessonStep, ModuleStatus, ModuleSummary, QuestionStep, ReviewStep, ReviewSummary,
                                Step, heading)
from bot.learning.tutor import Tutor


def payload(intent: str, **entities: str) -> str:
    """A button payload in Rasa's "/intent{json}" form; the input channel accepts it only when offered."""
    return f"/{intent}{json.dumps(entities, separators=(',', ':'))}" if entities else f"/{intent}"


def button(title: str, intent: str, **entities: str) -> dict[str, Any]:
    return {"title": title, "payload": payload(intent, **entities)}


def module_button(module: Module, title: str | None = None) -> dict[str, Any]:
    return button(title or module.title, "start_module", module=module.id)


MENU_BUTTON = button("Menu", "help")
PROGRESS_BUTTON = button("My progress", "progress")
REVIEW_BUTTON = button("Review", "review")
# Offered after a refusal to share: a learner whose own images leaked may be misread as asking for them.
SUPPORT_BUTTON = button("They're of me: I need help", "affected")


def status_label(status: ModuleStatus) -> str:
    labels = {"not_started": "not started", "completed": "completed ✓"}
    return labels.get(status.status, status.position_label)


def say_menu(dispatcher: CollectingDispatcher, statuses: list[ModuleStatus]) -> None:
    lines = "\n".join(f"- **{status.module.title}**: {status_label(status)}" for status in statuses)
    buttons = [module_button(status.module) for status in statuses]
    buttons += [button("Is this leak real?", "check_content"), button("How do I report?", "report_howto"),
                PROGRESS_BUTTON]
    dispatcher.utter_message(response="utter_menu", modules=lines, buttons=buttons)


def say_step(dispatcher: CollectingDispatcher, step: Step) -> None:
    """Shows a lesson, a question (quiz, check or review), or the end of a module or review."""
    if isinstance(step, LessonStep):
        dispatcher.utter_message(
            response="utter_lesson", module_title=step.module.title, number=step.number, total=step.total,
            lesson=step.lesson.text, source=step.lesson.source,
            buttons=[button("Next ▶", "next"), button("Skip to the quiz", "skip"), button("Stop for now", "stop")],
        )
    elif isinstance(step, QuestionStep) and step.question.practice is not None:
        say_practice_post(dispatcher, step)
    elif isinstance(step, QuestionStep):
        if step.number == 1 and step.part != "quiz":
            dispatcher.utter_message(response=f"utter_{'check' if step.part == 'pre' else 'post_check'}_intro",
                                     total=step.total)
        say_question(dispatcher, step.module, step.question, heading(step))
    elif isinstance(step, ReviewStep):
        if step.number == 1:
            dispatcher.utter_message(response="utter_review_started", total=step.total)
        say_question(dispatcher, step.module, step.question, heading(step))
    elif isinstance(step, ReviewSummary):
        next_due = "More questions are due: say \"review\" for the next ones." if step.more_due_now \
            else next_review_text(step.next_due)
        dispatcher.utter_message(response="utter_review_done", right=step.right, total=step.total,
                                 next_due=next_due, buttons=[REVIEW_BUTTON, MENU_BUTTON] if step.more_due_now
                                 else [MENU_BUTTON])
    else:
        say_summary(dispatcher, step)


def say_question(dispatcher: CollectingDispatcher, module: Module, question: Question, title: str) -> None:
    """A question with one button per option; a free-text question asks for a typed answer instead."""
    if question.free_text is not None:
        dispatcher.utter_message(response="utter_question", module_title=module.title, heading=title,
                                 prompt=question.prompt, options="✍️ Type your answer in a few words.",
                                 buttons=[button("Skip this one", "skip"), button("Stop for now", "stop")])
        return
    dispatcher.utter_message(
        response="utter_question", module_title=module.title, heading=title, prompt=question.prompt,
        options="\n".join(option_label(option) for option in question.options),
        buttons=[answer_button(question.id, option) for option in question.options],
    )


def practice_buttons(step: QuestionStep) -> list[dict[str, Any]]:
    """The moves not made yet, then the decisions (answer buttons, as for any question)."""
    question = step.question
    moves = [button(move.label, "practice_move", move=move.kind, question=question.id)
             for move in question.practice.moves if move.kind not in step.moves_made]
    return moves + [answer_button(question.id, option) for option in question.options]


def say_practice_post(dispatcher: CollectingDispatcher, step: QuestionStep) -> None:
    """The post as a card for clients that draw one (`custom`: practice_post), with the same post as plain text
    for any other client, and its moves and decisions as buttons."""
    question, post = step.question, step.question.practice.post
    title = f"{step.module.title} · {heading(step)}"
    card = {"type": "practice_post", "question": question.id, "heading": title, "prompt": question.prompt,
            "post": {**{field: getattr(post, field) for field in POST_FIELDS},
                     "replies": [{"handle": reply.handle, "text": reply.text} for reply in post.replies]}}
    replies_text = "\n".join(f"↳ {reply.handle}: {reply.text}" for reply in post.replies)
    text = (f"**{title}**\n\n{question.prompt}\n\n"
            f"**{post.display_name}** {post.handle} · {post.account_age} · {post.followers} · {post.posted}\n\n"
            f"{post.caption}\n\n[{post.image}]\n\n♥ {post.likes} · ↻ {post.reshares}\n\n{replies_text}\n\n"
            "Investigate with the moves below, then decide.")
    dispatcher.utter_message(text=text, json_message=card, buttons=practice_buttons(step))


def say_practice_buttons(dispatcher: CollectingDispatcher, step: QuestionStep) -> None:
    """The post's buttons again, without the whole card."""
    dispatcher.utter_message(response="utter_practice_choose", buttons=practice_buttons(step))


def say_practice_review(dispatcher: CollectingDispatcher, review: Review) -> None:
    """What the learner looked at and skipped before deciding."""
    looked_at = ", ".join(move.label for move in review.looked_at)
    skipped = ", ".join(move.label for move in review.skipped)
    response = ("utter_practice_unchecked" if not review.investigated else
                "utter_practice_partly_checked" if review.skipped else "utter_practice_checked")
    dispatcher.utter_message(response=response, looked_at=looked_at, skipped=skipped)


def next_review_text(due: str | None) -> str:
    """'Next review: 26 Nov.' in words a learner reads at a glance; empty when nothing is scheduled."""
    if due is None:
        return ""
    return f"Next review: {datetime.fromisoformat(due).strftime('%-d %b')}."


def answer_button(question_id: str, option: Option) -> dict[str, Any]:
    return button(option_label(option), "answer", option=option.letter, question=question_id)


def say_summary(dispatcher: CollectingDispatcher, summary: ModuleSummary) -> None:
    dispatcher.utter_message(response="utter_module_complete", title=summary.module.title,
                             correct=summary.correct, total=summary.total, percent=summary.percent)
    if summary.checks and summary.checks.pre and summary.checks.post:
        dispatcher.utter_message(response="utter_checks_before_after", pre="{}/{}".format(*summary.checks.pre),
                                 post="{}/{}".format(*summary.checks.post))
    if figures := summary.discernment:
        dispatcher.utter_message(response="utter_discernment", hits=figures.hits, fabricated=figures.signal_trials,
                                 false_alarms=figures.false_alarms, genuine=figures.noise_trials)
        if summary.calls_everything_fake:
            dispatcher.utter_message(response="utter_discernment_everything_fake")
    if summary.next_module:
        dispatcher.utter_message(response="utter_suggest_next_module", title=summary.next_module.title,
                                 buttons=[module_button(summary.next_module, f"Start: {summary.next_module.title}"),
                                          PROGRESS_BUTTON, MENU_BUTTON])
    else:
        dispatcher.utter_message(response="utter_all_modules_done", buttons=[REVIEW_BUTTON, MENU_BUTTON])


def say_progress(dispatcher: CollectingDispatcher, statuses: list[ModuleStatus]) -> None:
    lines = []
    for status in statuses:
        score = "" if status.score is None else f" · {status.correct}/{status.answered + status.skipped} correct"
        lines.append(f"**{status.module.title}**\n`{progress_bar(status.share_done)}` {status_label(status)}{score}")
    dispatcher.utter_message(response="utter_progress", lines="\n".join(lines),
                             buttons=[module_button(status.module, f"{status.module.title}")
                                      for status in statuses if status.status != "completed"] + [MENU_BUTTON])


def say_platform_route(dispatcher: CollectingDispatcher, route: PlatformRoute) -> None:
    help_link = f"Official help: {route.help_url}" if route.help_url else ""
    dispatcher.utter_message(response="utter_report_platform", name=route.name, steps=route.steps,
                             help_link=help_link)


def back_button(tutor: Tutor, learner_id: str) -> dict[str, Any]:
    """Ends a support answer: back to the step the learner was on (a lesson, a question, a review), or the menu."""
    titles = tutor.content.support.buttons
    if tutor.current_step(learner_id) is None:
        return button(titles["menu"], "help")
    return button(titles["back_to_lesson"], "start_module")  # without a module: carry on where they are


def say_messages(dispatcher: CollectingDispatcher, messages: tuple[str, ...],
                 buttons: list[dict[str, Any]] | None = None) -> None:
    """Sends content messages (support texts from quizzes/support.yml) one by one; buttons go with the last."""
    for index, message in enumerate(messages):
        dispatcher.utter_message(text=message, buttons=buttons if index == len(messages) - 1 else None)
