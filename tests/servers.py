"""The learner website alone, for tests that need no model, and demo cohorts to show on it. The whole set of servers
is bench.servers.Servers."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from bench.servers import ROOT, free_port
from bot.reports.cohorts import Cohorts
from bot.learning.content import load_content
from bot.store import Cohort, ProgressStore
from bot.reports.synthetic import populate_cohort

WIDGET = ROOT / "web" / "static" / "build" / "pause-check-widget.js"


class WebServer:
    """The website alone (`python -m web`: learner page and facilitator dashboard), for tests needing no model."""

    def __init__(self, workdir: Path, *, db_path: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.log_path = workdir / f"web-{self.port}.log"
        self.env = {
            **os.environ, "PAUSECHECK_DB": str(db_path), "PAUSECHECK_CONTENT_DIR": str(ROOT / "quizzes"),
            "PAUSECHECK_CORS_ORIGINS": self.url, **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if not WIDGET.exists():
            pytest.fail(f"{WIDGET} is missing: build the widget with `make setup` before running the web tests.")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "web", "--port", str(self.port)], cwd=ROOT,
                                            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                pytest.fail(f"python -m web did not start; log:\n{self.log()[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def seed_demo_cohorts(db_path: Path, names: list[str]) -> list[tuple[Cohort, str]]:
    """Creates one cohort per name in a new store, each with a varied synthetic class. RETURNS (cohort, token)s."""
    store = ProgressStore(db_path)
    content = load_content(ROOT / "quizzes")
    questions = sum(len(module.quiz) for module in content.modules.values())
    seeded = []
    for index, name in enumerate(names):
        cohort, token = Cohorts(store).create(name)
        populate_cohort(store, content, cohort, learners=12 + 6 * index, answers_per_learner=questions,
                        start=datetime(2026, 3, 2, 9, tzinfo=timezone.utc), seed=index, prefix=f"demo{index}",
                        varied=True)
        seeded.append((cohort, token))
    store.close()
    return seeded
