"""The facilitator dashboard over HTTP, in process against `web.server.create_app`: sign-in, sessions, reports,
auth rules."""
from __future__ import annotations

import csv
import io
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import requests

from bot.reports.cohorts import Cohorts
from bot.reports.render import DASHBOARD_LINKS, html_style_source
from bot.store import Cohort, ProgressStore
from tests.asgi import AsgiAdapter, session
from bench.servers import ROOT
from tests.servers import seed_demo_cohorts
from web.facilitator import CROSS_SITE, UNAUTHORISED
from web.server import WebSettings, create_app

COHORT_NAMES = ["Year 8 Media Club", "Saturday Library Club"]
REPORTS = ["/facilitator/report.json", "/facilitator/report.html", "/facilitator/report.csv?table=learners",
           "/facilitator/report.csv?table=modules", "/facilitator/report.csv?table=questions"]
URL = "http://web.test"


class LogLines(logging.Handler):
    """Every log line written while it is attached to the root logger, formatted with any traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class Site:
    adapter: AsgiAdapter
    db_path: Path
    cohorts: list[tuple[Cohort, str]]  # (cohort, token): A, then B
    url: str = URL

    def session(self) -> requests.Session:
        return session(self.url, self.adapter)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session().get(self.url + path, timeout=30, allow_redirects=False, **kwargs)

    def post(self, path: str, data: dict | None = None, *, origin: str | None = "same", **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if origin is not None:
            headers["Origin"] = self.url if origin == "same" else origin
        return self.session().post(self.url + path, data=data or {}, headers=headers, timeout=30,
                                   allow_redirects=False, **kwargs)

    def sign_in(self, token: str, **kwargs) -> requests.Response:
        return self.post("/facilitator/sign-in", {"token": token}, **kwargs)


def serve(db_path: Path, name: str, environ: dict[str, str]) -> AsgiAdapter:
    """The website as `python -m web` builds it from this environment, served in this process."""
    settings = WebSettings.from_env({"PAUSECHECK_DB": str(db_path), "PAUSECHECK_CONTENT_DIR": str(ROOT / "quizzes"),
                                     "PAUSECHECK_CORS_ORIGINS": URL, **environ})
    return AsgiAdapter(create_app(settings, name=name))


@pytest.fixture(scope="module")
def logged() -> Iterator[list[str]]:
    """What the website logs during this module's tests."""
    handler = LogLines()
    logging.getLogger().addHandler(handler)
    yield handler.lines
    logging.getLogger().removeHandler(handler)


@pytest.fixture(scope="module")
def site(tmp_path_factory, logged) -> Iterator[Site]:
    """Two seeded cohorts behind a website that trusts one proxy (so tests can send X-Forwarded-*) and allows
    1000 failed sign-ins (so the auth tests do not trip the limit; `limited_site` tests it)."""
    db_path = tmp_path_factory.mktemp("facilitator") / "progress.db"
    cohorts = seed_demo_cohorts(db_path, COHORT_NAMES)
    adapter = serve(db_path, "facilitator_site", {"PAUSECHECK_SIGNIN_MAX_FAILURES": "1000"})
    adapter.app.config.PROXIES_COUNT = 1  # what SANIC_PROXIES_COUNT=1 sets in `python -m web`
    yield Site(adapter, db_path, cohorts)
    adapter.stop()


@pytest.fixture(scope="module")
def limited_site(site: Site) -> Iterator[Site]:
    """The same database behind a website with the default 5 failures, a 2-second window and no trusted proxy."""
    adapter = serve(site.db_path, "facilitator_limited_site", {"PAUSECHECK_SIGNIN_WINDOW_SECONDS": "2"})
    yield Site(adapter, site.db_path, site.cohorts)
    adapter.stop()


def assert_reveals_nothing(site: Site, body: str) -> None:
    for cohort, _ in site.cohorts:
        assert cohort.name not in body and cohort.join_code not in body


def assert_security_headers(response: requests.Response) -> None:
    policy = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'none'", "img-src data:", "form-action 'self'", "frame-ancestors 'none'",
                      "base-uri 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy and "script-src" not in policy
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


# Signing in and out

def test_sign_in_page_explains_where_the_token_comes_from(site):
    response = site.get("/facilitator")
    assert response.status_code == 200
    assert response.text.count("<input") == 1 and 'type="password"' in response.text
    assert "Facilitator token" in response.text and "python -m bot cohort create" in response.text
    assert "messages are never stored, so they are never shown" in response.text
    assert_security_headers(response)
    assert "style-src 'sha256-" in response.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in response.headers


def test_good_token_signs_in_and_shows_only_that_cohort(site):
    (mine, token), (other, _) = site.cohorts
    response = site.sign_in(token)
    assert response.status_code == 303 and response.headers["Location"] == "/facilitator"
    cookie = response.headers["Set-Cookie"]
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/facilitator", "Max-Age=43200"):
        assert attribute in cookie
    assert "Secure" not in cookie  # plain http here; see test_cookie_is_secure_behind_a_trusted_https_proxy

    dashboard = site.get("/facilitator", cookies=response.cookies)
    assert dashboard.status_code == 200 and dashboard.headers["Content-Type"].startswith("text/html")
    assert mine.name in dashboard.text and other.name not in dashboard.text and other.join_code not in dashboard.text
    assert 'action="/facilitator/sign-out"' in dashboard.text
    assert_security_headers(dashboard)
    # The report's one <style> block is allowed by its hash, not by 'unsafe-inline'.
    assert f"style-src {html_style_source()};" in dashboard.headers["Content-Security-Policy"]
    for href, _, _ in DASHBOARD_LINKS:
        assert f'href="{href.replace("&", "&amp;")}"' in dashboard.text
        assert site.get(href, cookies=response.cookies).status_code == 200, href


def test_cookie_is_secure_behind_a_trusted_https_proxy(site):
    response = site.sign_in(site.cohorts[0][1], headers={"X-Forwarded-For": "203.0.113.9",
                                                          "X-Forwarded-Proto": "https"})
    assert response.status_code == 303 and "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("token, status, message", [
    ("", 400, "Paste your facilitator token"),
    ("pcf.000000000000.wrong", 401, "That token did not work"),
    ("not a token at all", 401, "That token did not work"),
])
def test_bad_sign_in_names_no_cohort(site, token, status, message):
    response = site.sign_in(token)
    assert response.status_code == status and message in response.text
    assert "Set-Cookie" not in response.headers
    assert_reveals_nothing(site, response.text)
    assert_security_headers(response)


def test_sign_out_ends_the_session(site):
    session = site.session()
    assert session.post(site.url + "/facilitator/sign-in", data={"token": site.cohorts[0][1]},
                        headers={"Origin": site.url}, timeout=30).status_code == 200  # followed the 303
    response = session.post(site.url + "/facilitator/sign-out", headers={"Origin": site.url}, timeout=30,
                            allow_redirects=False)
    assert response.status_code == 303 and "Max-Age=0" in response.headers["Set-Cookie"]
    assert not session.cookies
    assert "Facilitator token" in session.get(site.url + "/facilitator", timeout=30).text


@pytest.mark.parametrize("path", ["/facilitator/sign-in", "/facilitator/sign-out"])
@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"},  # Origin wins when it names a site
    {"Origin": "null"},  # a sandboxed frame, or an old browser on a no-referrer page
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another site for us
])
def test_cross_site_posts_are_refused(site, path, headers):
    response = site.post(path, {"token": site.cohorts[0][1]}, origin=None, headers=headers)
    assert response.status_code == 403 and response.text == CROSS_SITE
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("headers", [
    {},  # a script: no browser, no ambient cookie to abuse
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},  # the sign-out form on the no-referrer report page
])
def test_same_origin_posts_without_a_usable_origin_are_allowed(site, headers):
    assert site.post("/facilitator/sign-out", origin=None, headers=headers).status_code == 303


# Reports

def authorised(how: str, token: str) -> dict:
    return ({"headers": {"Authorization": f"Bearer {token}"}} if how == "bearer"
            else {"cookies": {"pausecheck_facilitator": token}})


@pytest.mark.parametrize("how", ["cookie", "bearer"])
def test_json_report(site, how):
    (mine, token), _ = site.cohorts
    response = site.get("/facilitator/report.json", **authorised(how, token))
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json; charset=utf-8"
    report = response.json()
    assert report["cohort"]["name"] == mine.name and report["cohort"]["members"] == 12
    assert_security_headers(response)


@pytest.mark.parametrize("how", ["cookie", "bearer"])
@pytest.mark.parametrize("table", ["learners", "modules", "questions"])
def test_csv_report_opens_in_a_spreadsheet(site, how, table):
    (mine, token), _ = site.cohorts
    response = site.get(f"/facilitator/report.csv?table={table}", **authorised(how, token))
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="pause-check-{mine.join_code}-')
    assert disposition.endswith(f'-{table}.csv"')
    assert response.content.startswith(b"\xef\xbb\xbf") and not response.content.startswith(b"\xef\xbb\xbf" * 2)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) > 1 and all(len(row) == len(rows[0]) for row in rows)
    assert_security_headers(response)


@pytest.mark.parametrize("how", ["cookie", "bearer"])
def test_html_report_is_a_self_contained_download(site, how):
    (mine, token), _ = site.cohorts
    response = site.get("/facilitator/report.html", **authorised(how, token))
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Disposition"].endswith('.html"')
    assert mine.name in response.text and "data:image/" in response.text
    assert "/facilitator/sign-out" not in response.text  # the emailed file has no dashboard links
    assert_security_headers(response)


def test_csv_table_must_be_one_of_four(site):
    response = site.get("/facilitator/report.csv?table=answers", **authorised("bearer", site.cohorts[0][1]))
    assert response.status_code == 400
    assert response.json() == {"error": "Choose a table: ?table=learners, ?table=modules, ?table=questions or "
                                        "?table=practice."}


def test_a_token_reads_only_its_own_cohort(site):
    (a, token_a), (b, token_b) = site.cohorts
    for token, mine, other in ((token_a, a, b), (token_b, b, a)):
        # A cohort named in the query is ignored: the token alone decides.
        response = site.get(f"/facilitator/report.json?cohort={other.join_code}", **authorised("bearer", token))
        assert response.json()["cohort"]["join_code"] == mine.join_code
        assert other.name not in response.text


def wrong_tokens(site: Site) -> list[str]:
    (_, token_a), (_, token_b) = site.cohorts
    selector_b, verifier_a = token_b.split(".")[1], token_a.split(".")[2]
    return [token_a[:-1] + ("x" if token_a[-1] != "x" else "y"),  # one character off
            f"pcf.{selector_b}.{verifier_a}",  # B's selector with A's secret
            token_a.replace("pcf.", "pcx."), "pcf..", "pcf", "garbage", "x" * 5000]


@pytest.mark.parametrize("path", REPORTS)
def test_missing_or_wrong_token_gets_401_and_learns_nothing(site, path):
    attempts = [{}, {"headers": {"Authorization": "Bearer "}}, {"headers": {"Authorization": "Basic abc"}}]
    attempts += [authorised(how, token) for token in wrong_tokens(site) for how in ("cookie", "bearer")]
    for attempt in attempts:
        response = site.get(path, **attempt)
        assert response.status_code == 401, attempt
        assert response.json() == {"error": UNAUTHORISED}
        assert response.headers["WWW-Authenticate"] == "Bearer"
        if "cookies" in attempt:  # else the stale cookie would count as a failure on every request
            assert "Max-Age=0" in response.headers["Set-Cookie"]
        assert_security_headers(response)


def test_wrong_cookie_on_the_dashboard_shows_the_sign_in_page_and_clears_it(site):
    for token in wrong_tokens(site):
        response = site.get("/facilitator", cookies={"pausecheck_facilitator": token})
        assert response.status_code == 401 and "Your session has ended" in response.text
        assert "Max-Age=0" in response.headers["Set-Cookie"]
        assert_reveals_nothing(site, response.text)


def test_rotating_the_token_ends_sessions_at_once(site):
    store = ProgressStore(site.db_path)
    cohorts = Cohorts(store)
    cohort, old_token = cohorts.create("Rotation Wednesday")
    cookies = site.sign_in(old_token).cookies
    assert cohort.name in site.get("/facilitator", cookies=cookies).text

    _, new_token = cohorts.rotate_token(cohort.join_code)
    store.close()
    assert site.get("/facilitator", cookies=cookies).status_code == 401
    assert site.get("/facilitator/report.json", **authorised("bearer", old_token)).status_code == 401
    assert site.sign_in(old_token).status_code == 401
    fresh = site.sign_in(new_token)
    assert fresh.status_code == 303
    assert cohort.name in site.get("/facilitator", cookies=fresh.cookies).text
    assert site.get("/facilitator/report.json", **authorised("bearer", new_token)).status_code == 200


def test_other_sites_get_no_cors_headers(site):
    response = site.get("/facilitator/report.json", headers={"Origin": site.url,
                                                              "Authorization": f"Bearer {site.cohorts[0][1]}"})
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response.headers


def test_routes_are_read_only(site):
    for path in REPORTS + ["/facilitator"]:
        assert site.session().post(site.url + path, timeout=10).status_code == 405
    assert site.get("/facilitator/sign-in").status_code == 405


def test_a_hostile_cohort_name_is_text_on_the_dashboard(site):
    store = ProgressStore(site.db_path)
    _, token = Cohorts(store).create('<img src=x onerror=alert(1)><script>alert(1)</script> [x](javascript:alert(1))')
    store.close()
    for path in ("/facilitator", "/facilitator/report.html"):
        page = site.get(path, **authorised("cookie", token)).text
        assert "<img src=x" not in page and "<script" not in page, path
        assert "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page, path


# Rate limit

def test_failed_sign_ins_are_rate_limited(limited_site):
    site, token = limited_site, limited_site.cohorts[0][1]
    for _ in range(3):
        assert site.sign_in(token).status_code == 303  # successes do not count
    for attempt in range(5):  # form and bearer failures count together
        status = (site.sign_in("pcf.wrong.guess") if attempt % 2
                  else site.get("/facilitator/report.json", **authorised("bearer", "pcf.wrong.guess"))).status_code
        assert status == 401

    limited = site.sign_in("pcf.wrong.guess")
    assert limited.status_code == 429 and "Too many failed sign-ins" in limited.text
    assert 1 <= int(limited.headers["Retry-After"]) <= 2
    # While limited even the right token is refused unchecked, else guessing could go on at full speed.
    assert site.sign_in(token).status_code == 429
    bearer = site.get("/facilitator/report.json", **authorised("bearer", token))
    assert bearer.status_code == 429 and "Too many failed sign-ins" in bearer.json()["error"]
    assert int(bearer.headers["Retry-After"]) >= 1
    # No trusted proxy is configured, so a forged X-Forwarded-For does not make a new client.
    assert site.sign_in(token, headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 429

    time.sleep(int(limited.headers["Retry-After"]) + 0.2)
    assert site.sign_in(token).status_code == 303


# Last: everything above has sent tokens to both websites.

def test_tokens_are_never_logged(site, limited_site, logged):
    log = "\n".join(logged)
    for _, token in site.cohorts:
        assert token not in log and token.split(".")[2] not in log
