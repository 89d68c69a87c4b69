"""A practice post in the learner page (real Chromium, real servers): drawn as a card at 360 px and on a desktop,
moves reveal findings, and the decision is recorded in SQLite once. Screenshots go to results/screenshots/."""
from __future__ import annotations

import pytest

from bot.learning.formatting import option_label
from tests.browser.pages import DESKTOP, PHONE, POST, SCREENSHOTS, learner_at_practice_post, open_page_as

pytestmark = [pytest.mark.server, pytest.mark.browser]


@pytest.mark.parametrize("name, viewport", [("practice-360", PHONE), ("practice-desktop", DESKTOP)])
def test_practice_post_card_moves_and_one_recorded_decision(browser, servers, name, viewport):
    learner = learner_at_practice_post(servers)
    context, page = open_page_as(browser, servers, learner, viewport)
    post = POST.practice.post
    card = page.get_by_role("article", name=f"Practice post by {post.display_name}")
    assert post.caption in card.inner_text() and post.handle in card.inner_text()
    assert card.get_by_role("img").get_attribute("aria-label") == post.image  # a described box, never a photo
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # nothing sticks out

    first_move = POST.practice.moves[0]
    page.get_by_role("button", name=first_move.label, exact=True).last.click()
    page.locator(".message.bot .body", has_text=first_move.finding[:40]).wait_for()
    page.locator(".message.bot .body", has_text="Make another move").last.wait_for()  # the buttons, once more
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    card.screenshot(path=str(SCREENSHOTS / f"{name}-card.png"))
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

    right = POST.correct_option
    decision = page.get_by_role("button", name=option_label(right), exact=True).last
    decision.click()
    page.locator(".message.bot .body", has_text="Before deciding you looked at").wait_for()
    assert decision.is_disabled()  # the old buttons cannot record it again
    with servers.db("progress.db") as db:
        rows = db.execute("SELECT question_id, option, correct, investigated FROM answers WHERE learner_id = ?",
                          [learner]).fetchall()
        moves = db.execute("SELECT move FROM practice_moves WHERE learner_id = ?", [learner]).fetchall()
    investigated = int(first_move.kind in POST.practice.key_moves)
    assert rows == [(POST.id, right.letter, 1, investigated)] and moves == [(first_move.kind,)]
    assert not page.console_errors, page.console_errors
    context.close()
