"""Sanic app for the learner page: static files with security headers, and each learner's progress as JSON.

The progress API is read-only and answers only for the learner id in the URL: ids are random 128-bit values kept in
the learner's browser, so knowing one is what proves it is yours.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from sanic import Request, Sanic, response
from sanic.response import HTTPResponse

from bot.config import Settings
from bot.learning.content import load_content
from bot.store import ProgressStore
from bot.learning.tutor import Tutor
from web.facilitator import facilitator_blueprint
from web.ratelimit import FailureLimiter, SignInLimit

STATIC_DIR = Path(__file__).parent / "static"
WIDGET_BUILD_DIR = STATIC_DIR / "build"
LEARNER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


@dataclass(frozen=True)
class WebSettings:
    """rasa_url: where browsers reach the Rasa server (env PAUSECHECK_RASA_URL);
    allowed_origins: sites allowed to call the API from a browser (env PAUSECHECK_CORS_ORIGINS, space-separated);
    sign_in_limit: failed facilitator sign-ins allowed per client (env PAUSECHECK_SIGNIN_*, see web.ratelimit)."""

    core: Settings
    rasa_url: str
    allowed_origins: tuple[str, ...]
    sign_in_limit: SignInLimit = SignInLimit()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "WebSettings":
        origins = tuple(environ.get("PAUSECHECK_CORS_ORIGINS", "http://localhost:8000").split())
        if "*" in origins:
            raise ValueError("PAUSECHECK_CORS_ORIGINS must list the allowed origins; '*' is not accepted.")
        return cls(core=Settings.from_env(environ),
                   rasa_url=environ.get("PAUSECHECK_RASA_URL", "http://localhost:5005").rstrip("/"),
                   allowed_origins=origins, sign_in_limit=SignInLimit.from_env(environ))


def content_security_policy(rasa_url: str) -> str:
    return "; ".join([
        "default-src 'self'", f"connect-src 'self' {rasa_url}", "img-src 'self' data:", "style-src 'self'",
        "script-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ])


def create_app(settings: WebSettings, *, name: str = "pause_check_web") -> Sanic:
    if not (WIDGET_BUILD_DIR / "pause-check-widget.js").exists():
        widget = WIDGET_BUILD_DIR / "pause-check-widget.js"
        raise ValueError(f"{widget} is missing: build the widget with `make setup`.")
    content = load_content(settings.core.content_dir)
    store = ProgressStore(settings.core.db_path)
    tutor = Tutor(content, store)
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 16 * 1024
    index_html = (STATIC_DIR / "index.html").read_text(encoding="utf-8").replace("{{RASA_URL}}", settings.rasa_url)
    csp = content_security_policy(settings.rasa_url)

    @app.get("/")
    async def index(_: Request) -> HTTPResponse:
        return response.html(index_html, headers={"Content-Security-Policy": csp})

    @app.get("/example-embed.html")
    async def example(_: Request) -> HTTPResponse:
        return await response.file(STATIC_DIR / "example-embed.html")

    @app.get("/healthz")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/api/progress/<learner_id:str>")
    async def progress(request: Request, learner_id: str) -> HTTPResponse:
        if not LEARNER_ID.match(learner_id):
            return response.json({"error": "Learner ids are 1 to 128 letters, digits, '_', '-', '.' or ':'."},
                                 status=400)
        modules = [
            {"id": status.module.id, "title": status.module.title, "status": status.status,
             "share_done": round(status.share_done, 3), "position_label": status.position_label,
             "correct": status.correct, "answered": status.answered, "questions": len(status.module.quiz)}
            for status in tutor.progress(learner_id)
        ]
        return response.json({"modules": modules}, headers={"Cache-Control": "no-store"})

    app.static("/widget", WIDGET_BUILD_DIR, name="widget")
    app.blueprint(facilitator_blueprint(store=store, content=content, db_path=settings.core.db_path,
                                        limiter=FailureLimiter(settings.sign_in_limit)))

    @app.on_response
    async def security_headers(request: Request, resp: HTTPResponse) -> None:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        origin = request.headers.get("origin")
        # Facilitator routes are for the facilitator's own browser tab and scripts: no other site may read them.
        if origin and origin in settings.allowed_origins and not request.path.startswith("/facilitator"):
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Vary"] = "Origin"

    return app
