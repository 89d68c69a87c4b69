"""The learner page in real headless Chromium (Debian's package) driven by Playwright, against the real servers.

Screenshots (phone 360 px and desktop) are written to results/screenshots/.
"""
from __future__ import annotations

import re

import pytest

from bot.learning.formatting import option_label
from tests.browser.pages import DESKTOP, MODULE, PHONE, SCREENSHOTS

pytestmark = [pytest.mark.server, pytest.mark.browser]


@pytest.fixture
def page(browser, servers):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(servers.web_url + "/")
    yield page
    context.close()


def bot_messages(page):
    return page.locator(".message.bot .body")


def wait_for_text(page, text: str):
    page.locator(".message.bot .body", has_text=text).last.wait_for()


def progress_value(page, module_id: str) -> int:
    return int(page.locator(f'.bar[data-module="{module_id}"]').get_attribute("aria-valuenow"))


def pass_pre_check(page) -> None:
    """Answers the module's pre-check items with their first button, up to the first lesson."""
    for number, item in enumerate(MODULE.pre_check, start=1):
        wait_for_text(page, f"check {number} of {len(MODULE.pre_check)}")
        page.get_by_role("button", name=option_label(item.options[0]), exact=True).last.click()
    wait_for_text(page, "lesson 1 of")


def test_learner_takes_a_lesson_and_answers_with_a_button(page, servers):
    wait_for_text(page, "Pause & Check")
    learner_id = page.evaluate("localStorage.getItem('pauseCheck.learnerId')")
    assert re.fullmatch(r"[0-9a-f]{32}", learner_id)
    assert progress_value(page, "verify_leaks") == 0

    page.get_by_role("button", name=MODULE.title, exact=True).click()
    wait_for_text(page, "quick check")
    pass_pre_check(page)
    page.get_by_role("button", name="Next ▶").last.click()
    wait_for_text(page, "lesson 2 of")
    page.get_by_role("button", name="Skip to the quiz").last.click()
    question = MODULE.quiz[0]
    if question.practice:  # a practice post comes as a card, its heading inside it
        page.locator("article.card", has_text="question 1 of").wait_for()
    else:
        wait_for_text(page, "question 1 of")
    before = progress_value(page, "verify_leaks")

    correct = page.get_by_role("button", name=option_label(question.correct_option), exact=True)
    correct.click()
    wait_for_text(page, "Right")
    assert correct.is_disabled()
    page.wait_for_function(
        "([id, before]) => Number(document.querySelector('.chat').shadowRoot"
        ".querySelector(`.bar[data-module=\"${id}\"]`).getAttribute('aria-valuenow')) > before",
        arg=["verify_leaks", before])
    # The store agrees: one correct answer for this learner.
    with servers.db("progress.db") as db:
        assert db.execute("SELECT question_id, correct FROM answers WHERE learner_id = ? AND part = 'quiz'",
                          [learner_id]).fetchall() == [(question.id, 1)]

    # A reload keeps the learner id and the conversation, and the tutor still answers.
    shown = bot_messages(page).count()
    page.reload()
    wait_for_text(page, "Right")
    assert page.evaluate("localStorage.getItem('pauseCheck.learnerId')") == learner_id
    assert bot_messages(page).count() == shown
    page.get_by_label("Your message").fill("my progress")
    page.get_by_label("Your message").press("Enter")
    wait_for_text(page, "Your progress")
    assert not page.console_errors, page.console_errors


# From tests/hostile_corpus.py: HTML, script and Markdown a learner might type, shown as typed and never run.
HOSTILE_MESSAGES = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(document.cookie)</script>",
    "<svg onload=alert(1)>",
    "[click me](javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pic](https://evil.example/track.png) **bold** <a href=javascript:alert(1)>menu</a>",
]


def test_learner_text_is_never_html(page):
    wait_for_text(page, "Pause & Check")
    for hostile in HOSTILE_MESSAGES:
        page.get_by_label("Your message").fill(hostile)
        page.get_by_role("button", name="Send").click()
    user_bubbles = page.locator(".message.user .body")
    user_bubbles.nth(len(HOSTILE_MESSAGES) - 1).wait_for()
    assert user_bubbles.all_inner_texts() == HOSTILE_MESSAGES
    page.wait_for_function("count => document.querySelector('.chat').shadowRoot.querySelectorAll('.message.bot')"
                           ".length >= count", arg=len(HOSTILE_MESSAGES) + 1)  # a reply to each
    page.wait_for_timeout(1500)
    log = page.locator(".log")
    assert log.locator("img, script, svg, iframe, object").count() == 0
    assert log.locator(".message.user a, .message.user b, .message.user strong").count() == 0
    hrefs = log.locator("a").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert all(href.startswith(("https://", "http://")) for href in hrefs), hrefs
    assert page.dialogs == [] and not page.console_errors, (page.dialogs, page.console_errors)


def test_offline_state_and_recovery(page):
    wait_for_text(page, "Pick a module")
    menus = page.locator(".message.bot .body", has_text="Pick a module")
    before = menus.count()
    page.route("**/webhooks/rest/webhook", lambda route: route.abort())
    page.get_by_label("Your message").fill("menu")
    page.get_by_label("Your message").press("Enter")
    status = page.get_by_role("status")
    status.wait_for()
    assert "Can't reach the tutor" in status.inner_text()
    page.unroute("**/webhooks/rest/webhook")
    menus.nth(before).wait_for()  # the retried message got its answer, without a reload
    assert status.is_hidden()


def test_rate_limited_message_is_sent_again_without_an_offline_notice(page):
    wait_for_text(page, "Pick a module")
    menus = page.locator(".message.bot .body", has_text="Pick a module")
    before = menus.count()
    refused = []

    def refuse_once(route):
        if refused:
            route.continue_()
        else:
            refused.append(route.request.post_data)
            route.fulfill(status=429, headers={"Retry-After": "1", "Access-Control-Allow-Origin": "*"},
                          content_type="application/json", body='{"error": "Too many messages from this learner id"}')

    page.route("**/webhooks/rest/webhook", refuse_once)
    page.get_by_label("Your message").fill("menu")
    page.get_by_label("Your message").press("Enter")
    menus.nth(before).wait_for()  # answered after the wait, without a reload
    assert len(refused) == 1 and page.get_by_role("status").is_hidden()
    assert "Too many messages" not in page.locator(".log").inner_text()


def test_keyboard_only(page):
    wait_for_text(page, "Pick a module")
    page.keyboard.press("Tab")  # "Start over"
    page.keyboard.press("Tab")  # first module button
    focused = page.evaluate("document.querySelector('.chat').shadowRoot.activeElement.textContent")
    assert focused == MODULE.title
    page.keyboard.press("Enter")
    wait_for_text(page, "check 1 of")


@pytest.mark.parametrize("name, viewport", [("phone-360", PHONE), ("desktop", DESKTOP)])
def test_screenshots(browser, servers, name, viewport):
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    page.goto(servers.web_url + "/")
    page.locator(".message.bot .body", has_text="Pause & Check").wait_for(timeout=20_000)
    page.get_by_role("button", name=MODULE.title, exact=True).click()
    page.locator(".message.bot .body", has_text="check 1 of").wait_for(timeout=20_000)
    page.wait_for_timeout(500)
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    context.close()


def test_support_path_on_a_phone(browser, servers):
    """One support path at 360 px: the first reply, two one-tap questions, the answer that fits (screenshot)."""
    context = browser.new_context(viewport={"width": 360, "height": 1280}, device_scale_factor=1)  # a tall phone
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(servers.web_url + "/")
    wait_for_text(page, "Pick a module")
    page.get_by_label("Your message").fill("someone leaked my pics")
    page.get_by_label("Your message").press("Enter")
    wait_for_text(page, "not your fault")
    page.get_by_role("button", name="Under 18", exact=True).last.click()
    wait_for_text(page, "Where do you live")
    page.get_by_role("button", name="UK", exact=True).last.click()
    wait_for_text(page, "Report Remove")
    page.get_by_role("button", name="All options", exact=True).last.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    answer = page.locator(".message.bot", has_text="Report Remove").last
    answer.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    answer.screenshot(path=str(SCREENSHOTS / "support-360-answer.png"))
    page.screenshot(path=str(SCREENSHOTS / "support-360.png"))
    context.close()
