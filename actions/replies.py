"""Turns tutor results into replies: responses by name (their wording in domain.yml), filled with the content's
words (button titles and phrases in quizzes/wording.yml and support.yml), and buttons whose payloads are built here,
in one place."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from bot.learning.content import Content, Module, Option, Question
from bot.learning.formatting import option_label, progress_bar
from bot.learning.practice import POST_FIELDS, Review
from bot.learning.results import AnswerResult, Feedback, MoveResult
from bot.learning.steps import (LessonStep, ModuleStatus, ModuleSummary, QuestionStep, ReviewStep, ReviewSummary, Step,
                                heading)
from bot.learning.support import PlatformRoute

Button = dict[str, Any]


def payload(intent: str, **entities: str) -> str:
    """A button payload in Rasa's "/intent{json}" form; the input channel accepts it only when offered."""
    return f"/{intent}{json.dumps(entities, separators=(',', ':'))}" if entities else f"/{intent}"


def button(title: str, intent: str, **entities: str) -> Button:
    return {"title": title, "payload": payload(intent, **entities)}


def answer_button(question_id: str, option: Option) -> Button:
    return button(option_label(option), "answer", option=option.letter, question=question_id)


def practice_buttons(step: QuestionStep) -> list[Button]:
    """The moves not made yet, then the decisions (answer buttons, as for any question)."""
    question = step.question
    moves = [button(move.label, "practice_move", move=move.kind, question=question.id)
             for move in question.practice.moves if move.kind not in step.moves_made]
    return moves + [answer_button(question.id, option) for option in question.options]


def _at_practice_post(step: Step | None) -> bool:
    return isinstance(step, QuestionStep) and step.question.practice is not None


def status_label(status: ModuleStatus) -> str:
    return f"{status.position_label} ✓" if status.status == "completed" else status.position_label


class Replies:
    """The replies of one turn, sent through the dispatcher with the content's words."""

    def __init__(self, dispatcher: CollectingDispatcher, content: Content) -> None:
        self.dispatcher = dispatcher
        self.content = content
        self.wording = content.wording

    def _say(self, response: str, **values: Any) -> None:
        self.dispatcher.utter_message(response=response, **values)

    # Buttons (titles: quizzes/wording.yml)

    def button(self, key: str, intent: str, **entities: str) -> Button:
        return button(self.wording.button(key), intent, **entities)

    def module_button(self, module: Module, key: str | None = None) -> Button:
        """A button that starts or continues `module`, titled by `key` ("continue", "start_module"…) or its title."""
        title = self.wording.button(key, title=module.title) if key else module.title
        return button(title, "start_module", module=module.id)

    @property
    def menu_button(self) -> Button:
        return self.button("menu", "help")

    @property
    def progress_button(self) -> Button:
        return self.button("progress", "progress")

    @property
    def review_button(self) -> Button:
        return self.button("review", "review")

    # Replies

    def menu(self, statuses: list[ModuleStatus]) -> None:
        lines = "\n".join(f"- **{status.module.title}**: {status_label(status)}" for status in statuses)
        buttons = [self.module_button(status.module) for status in statuses]
        buttons += [self.button("check_content", "check_content"), self.button("report_howto", "report_howto"),
                    self.progress_button]
        self._say("utter_menu", modules=lines, buttons=buttons)

    def step(self, step: Step) -> None:
        """Shows a lesson, a question (quiz, check or review), or the end of a module or review."""
        if isinstance(step, LessonStep):
            self._say("utter_lesson", module_title=step.module.title, number=step.number, total=step.total,
                      lesson=step.lesson.text, source=step.lesson.source,
                      buttons=[self.button("next", "next"), self.button("skip_lessons", "skip"),
                               self.button("stop", "stop")])
        elif isinstance(step, QuestionStep) and step.question.practice is not None:
            self.practice_post(step)
        elif isinstance(step, QuestionStep):
            if step.number == 1 and step.part != "quiz":
                self._say(f"utter_{'check' if step.part == 'pre' else 'post_check'}_intro", total=step.total)
            self.question(step.module, step.question, heading(step))
        elif isinstance(step, ReviewStep):
            if step.number == 1:
                self._say("utter_review_started", total=step.total)
            self.question(step.module, step.question, heading(step))
        elif isinstance(step, ReviewSummary):
            next_due = self.wording.phrase("more_due") if step.more_due_now else self.next_review(step.next_due)
            self._say("utter_review_done", right=step.right, total=step.total, next_due=next_due,
                      buttons=[self.review_button, self.menu_button] if step.more_due_now else [self.menu_button])
        else:
            self.summary(step)

    def answer(self, result: AnswerResult) -> None:
        """What became of an answer (feedback, or why it was not taken), then the step that follows or waits."""
        feedback = result.feedback
        if feedback and result.status == "already_recorded":
            chosen = option_label(feedback.chosen) if feedback.chosen else self.wording.phrase("your_answer")
            self._say("utter_answer_already_recorded", chosen=chosen)
        elif feedback and feedback.grade:
            self.graded(feedback)
        elif feedback and feedback.chosen:
            self._say("utter_answer_correct" if feedback.correct else "utter_answer_wrong",
                      chosen=option_label(feedback.chosen), feedback=feedback.chosen.feedback,
                      correct=" or ".join(option_label(option) for option in feedback.question.options
                                          if option.correct),
                      explanation=feedback.question.explanation)
            if feedback.review:
                self.practice_review(feedback.review)
        elif _at_practice_post(result.step) and result.status in ("stale", "unmatched", "ambiguous"):
            self._say("utter_practice_stale" if result.status == "stale" else "utter_practice_choose",
                      buttons=practice_buttons(result.step))
            return
        elif result.status == "ambiguous":
            self._say("utter_answer_ambiguous",
                      buttons=[answer_button(result.step.question.id, option) for option in result.candidates])
            return
        elif result.status == "stale":
            self._say("utter_answer_stale")
        elif result.status == "unmatched":
            self._say("utter_answer_unmatched", last_letter=result.step.question.options[-1].letter.upper())
        if result.step is not None:
            self.step(result.step)

    def graded(self, feedback: Feedback) -> None:
        """Feedback on a typed free-text answer: right, partly right (naming what is missing) or wrong."""
        graded, free_text = feedback.grade, feedback.question.free_text
        texts = {"right": free_text.right, "partial": free_text.partial, "wrong": graded.near_miss or free_text.wrong}
        # Partly right with nothing missing: every concept was there, and a near-miss with them.
        kind = "mixed" if graded.status == "partial" and not graded.missing else graded.status
        texts["mixed"] = graded.near_miss or free_text.partial
        self._say(f"utter_free_text_{kind}", feedback=texts[kind],
                  missing=", ".join(concept.name for concept in graded.missing), model_answer=free_text.answer,
                  explanation=feedback.question.explanation)

    def move(self, result: MoveResult) -> None:
        """A practice move's finding and the remaining buttons; for a stale or unknown move, the buttons again."""
        if result.status == "no_practice":
            self._say("utter_no_question")
            if result.step is not None:
                self.step(result.step)
            return
        if result.status == "revealed":
            self._say("utter_practice_finding", label=result.move.label, finding=result.move.finding)
        self._say("utter_practice_stale" if result.status == "stale" else "utter_practice_choose",
                  buttons=practice_buttons(result.step))

    def question(self, module: Module, question: Question, title: str) -> None:
        """A question with one button per option; a free-text question asks for a typed answer instead."""
        if question.free_text is not None:
            self._say("utter_question", module_title=module.title, heading=title, prompt=question.prompt,
                      options=self.wording.phrase("type_answer"),
                      buttons=[self.button("skip_question", "skip"), self.button("stop", "stop")])
            return
        self._say("utter_question", module_title=module.title, heading=title, prompt=question.prompt,
                  options="\n".join(option_label(option) for option in question.options),
                  buttons=[answer_button(question.id, option) for option in question.options])

    def practice_post(self, step: QuestionStep) -> None:
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
                f"{self.wording.phrase('practice_hint')}")
        self.dispatcher.utter_message(text=text, json_message=card, buttons=practice_buttons(step))

    def practice_review(self, review: Review) -> None:
        """What the learner looked at and skipped before deciding."""
        response = ("utter_practice_unchecked" if not review.investigated else
                    "utter_practice_partly_checked" if review.skipped else "utter_practice_checked")
        self._say(response, looked_at=", ".join(move.label for move in review.looked_at),
                  skipped=", ".join(move.label for move in review.skipped))

    def next_review(self, due: str | None) -> str:
        """'Next review: 26 Nov.' in words a learner reads at a glance; empty when nothing is scheduled."""
        if due is None:
            return ""
        return self.wording.phrase("next_review", date=datetime.fromisoformat(due).strftime("%-d %b"))

    def summary(self, summary: ModuleSummary) -> None:
        self._say("utter_module_complete", title=summary.module.title, correct=summary.correct, total=summary.total,
                  percent=summary.percent)
        if summary.checks and summary.checks.pre and summary.checks.post:
            self._say("utter_checks_before_after", pre="{}/{}".format(*summary.checks.pre),
                      post="{}/{}".format(*summary.checks.post))
        if figures := summary.discernment:
            self._say("utter_discernment", hits=figures.hits, fabricated=figures.signal_trials,
                      false_alarms=figures.false_alarms, genuine=figures.noise_trials)
            if summary.calls_everything_fake:
                self._say("utter_discernment_everything_fake")
        if summary.next_module:
            self._say("utter_suggest_next_module", title=summary.next_module.title,
                      buttons=[self.module_button(summary.next_module, "start_module"), self.progress_button,
                               self.menu_button])
        else:
            self._say("utter_all_modules_done", buttons=[self.review_button, self.menu_button])

    def progress(self, statuses: list[ModuleStatus]) -> None:
        lines = []
        for status in statuses:
            score = "" if status.score is None else " · " + self.wording.phrase(
                "score", correct=status.correct, reached=status.answered + status.skipped)
            bar = progress_bar(status.share_done)
            lines.append(f"**{status.module.title}**\n`{bar}` {status_label(status)}{score}")
        self._say("utter_progress", lines="\n".join(lines),
                  buttons=[self.module_button(status.module) for status in statuses if status.status != "completed"]
                  + [self.menu_button])

    def platform_route(self, route: PlatformRoute) -> None:
        help_link = self.wording.phrase("official_help", url=route.help_url) if route.help_url else ""
        self._say("utter_report_platform", name=route.name, steps=route.steps, help_link=help_link)

    def module_offer(self, answer: str) -> None:
        """The module a support answer offers (its `offers_module` in quizzes/support.yml), if it offers one."""
        if module_id := self.content.support.offers.get(answer):
            module = self.content.modules[module_id]
            self._say("utter_offer_module", title=module.title, buttons=[self.module_button(module, "start_module")])

    def back_button(self, step: Step | None) -> Button:
        """Ends a support answer: back to the step the learner is on (a lesson, a question, a review), or the menu."""
        if step is None:
            return self.menu_button
        return button(self.content.support.buttons["back_to_lesson"], "start_module")  # no module: carry on there

    def messages(self, messages: tuple[str, ...], buttons: list[Button] | None = None) -> None:
        """Sends content messages (support texts from quizzes/support.yml) one by one; buttons go with the last."""
        for index, message in enumerate(messages):
            self.dispatcher.utter_message(text=message, buttons=buttons if index == len(messages) - 1 else None)
