"""WCAG 2.2 AA checks with axe-core (the npm package, tests/axe, installed by `make test`) injected into the pages by
Playwright in Debian's Chromium: the learner page, the widget with a practice post open, and the facilitator
dashboard. No serious or critical violation is allowed; every finding is written to results/axe.json."""
from __future__ import annotations

import json

import pytest

from tests.browser.pages import DESKTOP, PHONE, learner_at_practice_post, open_page_as
from bench.servers import ROOT
from tests.servers import WebServer, seed_demo_cohorts

pytestmark = [pytest.mark.server, pytest.mark.browser]

AXE = ROOT / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")
RESULTS = ROOT / "results" / "axe.json"
found: dict[str, dict[str, int]] = {}


def axe_violations(page, name: str) -> list[dict]:
    """Runs axe on the page (shadow roots included) and RETURNS its serious and critical violations."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test` (scripts/install-system-deps.sh installs axe-core).")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
    counts = {impact: sum(len(v["nodes"]) for v in result["violations"] if v["impact"] == impact)
              for impact in ("minor", "moderate", "serious", "critical")}
    found[name] = {**counts, "rules passed": len(result["passes"])}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(found, indent=1), encoding="utf-8")
    return [{"rule": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"] if v["impact"] in BLOCKING]


@pytest.mark.parametrize("name, viewport", [("learner page, 360 px", PHONE), ("learner page, desktop", DESKTOP)])
def test_learner_page(browser, servers, name, viewport):
    context = browser.new_context(viewport=viewport, bypass_csp=True)  # lets the test inject axe
    page = context.new_page()
    page.goto(servers.web_url + "/")
    page.locator(".message.bot .body", has_text="Pick a module").wait_for(timeout=20_000)
    assert axe_violations(page, name) == []
    context.close()


@pytest.mark.parametrize("name, viewport", [("practice card, 360 px", PHONE), ("practice card, desktop", DESKTOP)])
def test_widget_with_a_practice_post_open(browser, servers, name, viewport):
    context, page = open_page_as(browser, servers, learner_at_practice_post(servers), viewport, bypass_csp=True)
    assert axe_violations(page, name) == []
    context.close()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("axe-dashboard")
    cohorts = seed_demo_cohorts(workdir / "progress.db", ["Year 10 Digital Citizens"])
    server = WebServer(workdir, db_path=workdir / "progress.db")
    server.start()
    yield server, cohorts[0]
    server.stop()


def test_facilitator_dashboard(browser, dashboard):
    server, (cohort, token) = dashboard
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    page.goto(server.url + "/facilitator")
    assert axe_violations(page, "dashboard sign-in") == []
    page.get_by_label("Facilitator token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(cohort.name).first.wait_for(timeout=20_000)
    assert axe_violations(page, "dashboard report") == []
    context.close()


def test_the_check_sees_inside_the_widget_and_can_fail(browser, servers):
    """A button without a name planted in the widget's shadow root is a critical violation: axe reaches the widget."""
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    page.goto(servers.web_url + "/")
    page.locator(".message.bot .body", has_text="Pick a module").wait_for(timeout=20_000)
    page.evaluate("document.querySelector('.chat').shadowRoot.querySelector('.log')"
                  ".append(document.createElement('button'))")
    assert "button-name" in {violation["rule"] for violation in axe_violations(page, "planted violation")}
    found.pop("planted violation")
    RESULTS.write_text(json.dumps(found, indent=1), encoding="utf-8")
    context.close()
