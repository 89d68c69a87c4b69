"""The servers `make run` starts (action server, Rasa server, learner website), run on temporary files: for the load
benchmark (scripts/bench.py) and the server tests."""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).parent.parent
MODEL = ROOT / "models" / "pause_check.tar.gz"


# Tests and the benchmark answer as fast as the servers reply, faster than any learner: a higher limit, still one that
# tests/test_hostile_input.py can reach with cheap messages.
TEST_RATE_LIMIT = {"PAUSECHECK_MESSAGE_BURST": "40", "PAUSECHECK_MESSAGES_PER_SECOND": "20"}


class ServersDidNotStart(RuntimeError):
    """A server exited or did not answer in time; the message holds the end of their log."""


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
            raise ServersDidNotStart(f"{MODEL} is missing: run `make setup` (or `make test`) to train the model first.")
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
                    raise ServersDidNotStart(f"servers did not start; log:\n{self.log()[-3000:]}")
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
