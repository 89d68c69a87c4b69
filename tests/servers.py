"""Runs the servers `make run` starts (action server, Rasa server, learner website) on temporary files."""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from bot.reports.cohorts import Cohorts
from bot.learning.content import load_content
from bot.store import Cohort, ProgressStore
from bot.reports.synthetic import populate_cohort

ROOT = Path(__file__).parent.parent
MODEL = ROOT / "models" / "pause_check.tar.gz"


# Tests answer as fast as the servers reply, faster than any learner: a higher limit, still one that
# tests/test_hostile_input.py can reach with cheap messages.
TEST_RATE_LIMIT = {"PAUSECHECK_MESSAGE_BURST": "40", "PAUSECHECK_MESSAGES_PER_SECOND": "20"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Servers:
    """The action server, the Rasa server and the learner website as `make run` starts them, on temporary files.

    enable_api: also serve Rasa's HTTP API (/model/parse), for the load benchmark; `make run` does not.
    """

    ROLES = ("actions", "rasa", "web")

    def __init__(self, workdir: Path, *, enable_api: bool = False) -> None:
        self.workdir = workdir
        self.enable_api = enable_api
        self.rasa_port, self.action_port, self.web_port = free_port(), free_port(), free_port()
        self.env = {
            **os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "ACTION_PORT": str(self.action_port), "PAUSECHECK_DB": str(workdir / "progress.db"),
            "PAUSECHECK_TRACKER_DB": str(workdir / "tracker.db"), "PAUSECHECK_CONTENT_DIR": str(ROOT / "quizzes"),
            "PAUSECHECK_MAX_MESSAGE_CHARS": "1000", "PAUSECHECK_RASA_URL": f"http://127.0.0.1:{self.rasa_port}",
            "PAUSECHECK_CORS_ORIGINS": f"http://127.0.0.1:{self.web_port}",
            **TEST_RATE_LIMIT,
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def _command(self, role: str) -> list[str]:
        if role == "actions":
            return [sys.executable, "-m", "actions", "--port", str(self.action_port)]
        if role == "rasa":
            return [str(Path(sys.executable).parent / "rasa"), "run", "--model", str(MODEL),
                    "--port", str(self.rasa_port), "--credentials", "credentials.yml", "--endpoints", "endpoints.yml",
                    "--cors", self.env["PAUSECHECK_CORS_ORIGINS"], *(["--enable-api"] if self.enable_api else [])]
        return [sys.executable, "-m", "web", "--port", str(self.web_port)]

    def _ready_url(self, role: str) -> str:
        return {"actions": f"http://127.0.0.1:{self.action_port}/health", "web": f"{self.web_url}/healthz",
                "rasa": f"{self.url}/webhooks/rest/"}[role]

    def start(self, *roles: str) -> None:
        """Starts these servers (all three when none is named) and waits until each answers."""
        if not MODEL.exists():
            pytest.fail(f"{MODEL} is missing: run `make setup` (or `make test`) to train the model first.")
        roles = roles or self.ROLES
        with open(self.workdir / "servers.log", "ab") as log:
            for role in roles:
                self.processes[role] = subprocess.Popen(self._command(role), cwd=ROOT, env=self.env, stdout=log,
                                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        for role in roles:
            while True:
                try:
                    if requests.get(self._ready_url(role), timeout=2).ok:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes.values()):
                    self.stop()
                    pytest.fail(f"servers did not start; log:\n{self.log()[-3000:]}")
                time.sleep(0.5)

    def kill(self, role: str) -> None:
        """Kills one server at once (SIGKILL: no clean-up, as in a crash or an out-of-memory kill)."""
        process = self.processes.pop(role)
        process.kill()
        process.wait(timeout=20)

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes = {}

    def log(self) -> str:
        return (self.workdir / "servers.log").read_text(encoding="utf-8", errors="replace")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def post(self, body, **kwargs) -> requests.Response:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return requests.post(f"{self.url}/webhooks/rest/webhook", data=data,
                             headers={"Content-Type": "application/json"}, timeout=30, **kwargs)

    def say(self, sender: str, message: str, message_id: str | None = None) -> list[dict]:
        body = {"sender": sender, "message": message}
        if message_id:
            body["metadata"] = {"message_id": message_id}
        response = self.post(body)
        assert response.status_code == 200, response.text
        return response.json()

    def db(self, name: str) -> sqlite3.Connection:
        return sqlite3.connect(self.workdir / name)

    def progress(self, learner: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", "progress", learner, "--json"], cwd=ROOT, env=self.env,
                              capture_output=True, text=True)


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
