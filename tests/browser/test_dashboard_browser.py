"""The facilitator dashboard in real headless Chromium, against a real `python -m web` on a seeded store.

Screenshots (desktop and a 360 px phone) are written to results/screenshots/.
"""
from __future__ import annotations

import pytest

from tests.browser.pages import DESKTOP, PHONE, SCREENSHOTS
from tests.servers import WebServer, seed_demo_cohorts

pytestmark = [pytest.mark.server, pytest.mark.browser]

# Elements wider than the screen, outside any box that scrolls on its own, or the whole page scrolling sideways.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const scrollsOnItsOwn = (element) => {
    for (let box = element.parentElement; box; box = box.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) return true;
    }
    return false;
  };
  const sticking = [...document.body.querySelectorAll('*')]
    .filter((element) => element.getBoundingClientRect().right > width + 1 && !scrollsOnItsOwn(element))
    .map((element) => `${element.tagName.toLowerCase()}.${element.className}`);
  return {pageScrollWidth: document.documentElement.scrollWidth, width, sticking};
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dashboard")
    db_path = workdir / "progress.db"
    cohorts = seed_demo_cohorts(db_path, ["Year 8 Media Club", "Saturday Library Club"])
    server = WebServer(workdir, db_path=db_path)
    server.start()
    yield server, cohorts
    server.stop()


def signed_in_page(browser, site, viewport: dict):
    server, cohorts = site
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.console_errors = []  # CSP violations show up here
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.goto(server.url + "/facilitator")
    page.get_by_label("Facilitator token").fill(cohorts[0][1])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(cohorts[0][0].name).first.wait_for()
    return page


def test_sign_in_and_see_the_charts(browser, site):
    (mine, _), (other, _) = site[1]
    page = signed_in_page(browser, site, DESKTOP)
    assert page.url.endswith("/facilitator")
    assert other.name not in page.content()
    charts = page.locator("img[src^='data:image/']")
    assert charts.count() == 3
    for index in range(3):
        assert charts.nth(index).evaluate("image => image.complete && image.naturalWidth > 0")
        assert charts.nth(index).get_attribute("alt")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    assert not page.console_errors, page.console_errors

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Facilitator token").wait_for()
    page.reload()
    assert page.get_by_label("Facilitator token").is_visible()
    assert mine.name not in page.content()
    page.context.close()


def test_nothing_scrolls_sideways_on_a_phone(browser, site):
    page = signed_in_page(browser, site, PHONE)
    layout = page.evaluate(OVERFLOWING)
    assert layout["pageScrollWidth"] <= PHONE["width"] and not layout["sticking"], layout
    page.screenshot(path=str(SCREENSHOTS / "dashboard-phone-360.png"), full_page=True)
    assert not page.console_errors, page.console_errors
    page.context.close()


def test_sign_in_page_on_a_phone(browser, site):
    server, _ = site
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.goto(server.url + "/facilitator")
    page.get_by_label("Facilitator token").fill("pcf.wrong.token")
    page.get_by_role("button", name="Sign in").click()
    assert "That token did not work" in page.get_by_role("alert").inner_text()
    layout = page.evaluate(OVERFLOWING)
    assert layout["pageScrollWidth"] <= PHONE["width"] and not layout["sticking"], layout
    page.screenshot(path=str(SCREENSHOTS / "facilitator-sign-in-phone-360.png"))
    context.close()
