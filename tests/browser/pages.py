"""What several browser tests share: viewports, where screenshots go, and the learner page opened at a practice post."""
from __future__ import annotations

import uuid

from playwright.sync_api import Browser, BrowserContext, Page

from bot.learning.content import load_content
from bot.store import ProgressStore
from bench.servers import ROOT, Servers

SCREENSHOTS = ROOT / "results" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
MODULE = load_content(ROOT / "quizzes").modules["verify_leaks"]
# The module's first practice post and its place in the quiz.
POST_INDEX, POST = next((index, question) for index, question in enumerate(MODULE.quiz) if question.practice)


def learner_at_practice_post(servers: Servers) -> str:
    """A new learner whose saved place is the module's first practice post (as if they had got there)."""
    learner = uuid.uuid4().hex
    store = ProgressStore(servers.workdir / "progress.db")
    with store.turn(learner) as turn:
        progress = turn.begin_attempt(MODULE.id, 1)
        turn.move(progress, MODULE.plan(progress.attempt).quiz_start + POST_INDEX)
    store.close()
    return learner


def open_page_as(browser: Browser, servers: Servers, learner: str, viewport: dict,
                 **context_options) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=viewport, device_scale_factor=1, **context_options)
    context.add_init_script(f"localStorage.setItem('pauseCheck.learnerId', '{learner}')")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.goto(servers.web_url + "/")
    page.get_by_role("button", name="Continue ▶").click()  # "welcome back": the saved place is the post
    page.locator("article.card").wait_for()
    return context, page
