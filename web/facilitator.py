"""The facilitator dashboard at /facilitator: sign in with a cohort's token, read its report, download it.

Read-only: no route changes stored data. The facilitator token is the credential, in a cookie after signing in with
the form or in an `Authorization: Bearer <token>` header for scripts. It is checked against the database on every
request, so `python -m bot cohort rotate-token` ends every session at once and no server secret has to be configured.
A wrong, malformed, rotated or missing token always gets the same answer, which names no cohort.

CSRF: the cookie is SameSite=Strict, and POSTs whose Origin (or Sec-Fetch-Site) shows another site are refused.
"""
from __future__ import annotations

import base64
import hashlib
import html
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from string import Template
from typing import Literal
from urllib.parse import urlsplit

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse

from bot.reports.cohorts import Cohorts
from bot.learning.content import Content
from bot.reports.rows import CSV_TABLES
from bot.reports.render import CSV_ENCODING, html_style_source, render_csv, render_html, render_json
from bot.store import Cohort, ProgressStore, utc_now
from web.ratelimit import FailureLimiter, client_key
from web.report_workers import ReportWorkers

COOKIE = "pausecheck_facilitator"
COOKIE_PATH = "/facilitator"
SESSION_SECONDS = 12 * 60 * 60  # a school day; the token's rotation ends a session sooner

TEMPLATES = Path(__file__).parent / "templates"
SIGN_IN_PAGE = Template((TEMPLATES / "sign-in.html").read_text(encoding="utf-8"))
SIGN_IN_CSS = (TEMPLATES / "sign-in.css").read_text(encoding="utf-8")
UNAUTHORISED = ("Sign in with a valid facilitator token: at /facilitator, or send it in an "
                "'Authorization: Bearer <token>' header.")
WRONG_TOKEN = ("That token did not work. Paste the whole token (it starts with pcf.), or make a new one with "
               "python -m bot cohort rotate-token followed by your cohort's join code.")
SESSION_ENDED = "Your session has ended: the token was changed or is no longer valid. Sign in again."
NO_TOKEN = "Paste your facilitator token, then press Sign in."
UNKNOWN_TABLE = f"Choose a table: ?table={', ?table='.join(CSV_TABLES[:-1])} or ?table={CSV_TABLES[-1]}."
CROSS_SITE = "Refused: sign in and out from this site's own /facilitator page. Open /facilitator and try again."


def too_many_failures(seconds: int) -> str:
    wait = f"{seconds} seconds" if seconds < 90 else f"{round(seconds / 60)} minutes"
    return f"Too many failed sign-ins from your network. Wait {wait}, then try again."


# Who is asking

Outcome = Literal["signed_in", "no_token", "wrong_token", "rate_limited"]


@dataclass(frozen=True)
class Access:
    outcome: Outcome
    cohort: Cohort | None = None
    retry_after: int = 0


class Gate:
    """Checks tokens against the store, counting failures per client and refusing clients over the limit."""

    def __init__(self, cohorts: Cohorts, limiter: FailureLimiter) -> None:
        self.cohorts = cohorts
        self.limiter = limiter

    def check(self, token: str, client: str) -> Access:
        if not token:
            return Access("no_token")
        # A limited client is refused before its token is checked, even a right one: answering "right" would let
        # guessing go on at full speed, with only the wrong guesses slowed down.
        wait = self.limiter.retry_after(client)
        if wait is not None:
            return Access("rate_limited", retry_after=wait)
        cohort = self.cohorts.authenticate(token)
        if cohort is None:
            self.limiter.record_failure(client)
            return Access("wrong_token")
        return Access("signed_in", cohort)


def presented_token(request: Request) -> str:
    """The bearer token if there is an Authorization header, else the session cookie; "" when neither."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip()
    return request.cookies.get(COOKIE, "")


def client_address(request: Request) -> str:
    """The client's address: the socket peer, or the proxy-reported one when SANIC_PROXIES_COUNT (or
    SANIC_REAL_IP_HEADER) says which proxies to trust; without that, X-Forwarded-For is ignored."""
    return client_key(request.remote_addr or request.ip)


def is_same_origin(request: Request) -> bool:
    """False for a POST another site made the browser send. The host is compared, not the scheme, so a proxy that
    ends TLS in front of the server does not break signing in.

    Browsers send "Origin: null" from a page with a no-referrer policy (the report page has one) as well as from
    sandboxed frames; then Sec-Fetch-Site, which pages cannot forge, must say same-origin. Scripts send neither
    header and are not a CSRF risk.
    """
    origin = request.headers.get("origin")
    fetch_site = request.headers.get("sec-fetch-site")
    if origin is not None and origin != "null":
        return urlsplit(origin).netloc == request.host
    if origin == "null" or fetch_site is not None:
        return fetch_site == "same-origin"
    return True


# Responses

def content_security_policy(style_source: str = "'none'") -> str:
    """style_source: a hash allowing one inline <style> block, never 'unsafe-inline'."""
    return "; ".join([
        "default-src 'none'", "img-src data:", f"style-src {style_source}", "form-action 'self'",
        "frame-ancestors 'none'", "base-uri 'none'",
    ])


def _style_source(css: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(css.encode('utf-8')).digest()).decode('ascii')}'"


SIGN_IN_CSP = content_security_policy(_style_source(SIGN_IN_CSS))
DASHBOARD_CSP = content_security_policy(html_style_source())


def sign_in_page(message: str = "", *, status: int = 200, retry_after: int | None = None) -> HTTPResponse:
    alert = f'<p class="alert" role="alert">{html.escape(message)}</p>' if message else ""
    headers = {"Content-Security-Policy": SIGN_IN_CSP}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return response.html(SIGN_IN_PAGE.substitute(css=SIGN_IN_CSS, alert=alert), status=status, headers=headers)


def error_json(message: str, *, status: int, retry_after: int | None = None) -> HTTPResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return response.json({"error": message}, status=status, headers=headers)


def refused_json(request: Request, access: Access) -> HTTPResponse:
    if access.outcome == "rate_limited":
        return error_json(too_many_failures(access.retry_after), status=429, retry_after=access.retry_after)
    resp = error_json(UNAUTHORISED, status=401)
    if COOKIE in request.cookies:
        clear_session(request, resp)  # a stale cookie would count as a failed sign-in on every request
    return resp


def set_session(request: Request, resp: HTTPResponse, token: str) -> None:
    _cookie(request, resp, token, max_age=SESSION_SECONDS)


def clear_session(request: Request, resp: HTTPResponse) -> None:
    _cookie(request, resp, "", max_age=0)


def _cookie(request: Request, resp: HTTPResponse, value: str, *, max_age: int) -> None:
    resp.cookies[COOKIE] = value
    cookie = resp.cookies[COOKIE]
    cookie["path"] = COOKIE_PATH
    cookie["max-age"] = max_age
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    # request.scheme is "https" for TLS here, or behind a proxy trusted through SANIC_PROXIES_COUNT that sends
    # X-Forwarded-Proto: https.
    cookie["secure"] = request.scheme == "https"


def download(body: bytes, *, content_type: str, filename: str, csp: str | None = None) -> HTTPResponse:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if csp is not None:
        headers["Content-Security-Policy"] = csp
    return response.raw(body, content_type=content_type, headers=headers)


def report_filename(cohort: Cohort, suffix: str) -> str:
    return f"pause-check-{cohort.join_code}-{utc_now().date().isoformat()}{suffix}"


# Routes

def facilitator_blueprint(*, store: ProgressStore, content: Content, db_path: Path,
                          limiter: FailureLimiter) -> Blueprint:
    """store: the app's store, used on the event loop to check tokens (one indexed lookup each); db_path: the same
    database, opened again by each report thread."""
    bp = Blueprint("facilitator", url_prefix=COOKIE_PATH)
    gate = Gate(Cohorts(store), limiter)
    workers = ReportWorkers(db_path, content)

    def check(request: Request) -> Access:
        return gate.check(presented_token(request), client_address(request))

    @bp.get("")
    async def dashboard(request: Request) -> HTTPResponse:
        access = check(request)
        if access.outcome == "no_token":
            return sign_in_page()
        if access.outcome == "rate_limited":
            return sign_in_page(too_many_failures(access.retry_after), status=429, retry_after=access.retry_after)
        if access.cohort is None:
            page = sign_in_page(SESSION_ENDED, status=401)
            clear_session(request, page)  # a stale cookie would count as a failed sign-in on every visit
            return page
        page = await workers.render(access.cohort, partial(render_html, dashboard=True))
        return response.html(page, headers={"Content-Security-Policy": DASHBOARD_CSP})

    @bp.post("/sign-in")
    async def sign_in(request: Request) -> HTTPResponse:
        if not is_same_origin(request):
            return response.text(CROSS_SITE, status=403)
        token = (request.form.get("token") or "").strip()
        access = gate.check(token, client_address(request))
        if access.outcome == "no_token":
            return sign_in_page(NO_TOKEN, status=400)
        if access.outcome == "rate_limited":
            return sign_in_page(too_many_failures(access.retry_after), status=429, retry_after=access.retry_after)
        if access.cohort is None:
            return sign_in_page(WRONG_TOKEN, status=401)
        # 303: the browser follows with a GET, so reloading the dashboard never re-posts the token.
        resp = response.redirect(COOKIE_PATH, status=303)
        set_session(request, resp, token)
        return resp

    @bp.post("/sign-out")
    async def sign_out(request: Request) -> HTTPResponse:
        if not is_same_origin(request):
            return response.text(CROSS_SITE, status=403)
        resp = response.redirect(COOKIE_PATH, status=303)
        clear_session(request, resp)
        return resp

    @bp.get("/report.json")
    async def report_json(request: Request) -> HTTPResponse:
        access = check(request)
        if access.cohort is None:
            return refused_json(request, access)
        body = await workers.render(access.cohort, render_json)
        return response.text(body, content_type="application/json; charset=utf-8")

    @bp.get("/report.csv")
    async def report_csv(request: Request) -> HTTPResponse:
        access = check(request)
        if access.cohort is None:
            return refused_json(request, access)
        table = request.args.get("table")
        if table not in CSV_TABLES:
            return error_json(UNKNOWN_TABLE, status=400)
        body = await workers.render(access.cohort, partial(render_csv, table=table))
        # CSV_ENCODING adds the byte order mark that makes Excel read UTF-8 rather than the local code page.
        return download(body.encode(CSV_ENCODING), content_type="text/csv; charset=utf-8",
                        filename=report_filename(access.cohort, f"-{table}.csv"))

    @bp.get("/report.html")
    async def report_html(request: Request) -> HTTPResponse:
        access = check(request)
        if access.cohort is None:
            return refused_json(request, access)
        page = await workers.render(access.cohort, render_html)
        return download(page.encode("utf-8"), content_type="text/html; charset=utf-8",
                        filename=report_filename(access.cohort, ".html"), csp=DASHBOARD_CSP)

    @bp.on_response
    async def security_headers(_: Request, resp: HTTPResponse) -> None:
        resp.headers.setdefault("Content-Security-Policy", content_security_policy())
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        # Not no-referrer: with it, browsers send "Origin: null" on this site's own form posts, and the CSRF
        # check could no longer tell them from another site's. No URL here carries a secret.
        resp.headers["Referrer-Policy"] = "same-origin"

    @bp.after_server_stop
    async def stop_workers(*_) -> None:
        workers.shutdown()

    return bp
