from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from bot.learning.content import Content, load_content
from bot.store import ProgressStore
from bot.learning.tutor import Tutor
from bench.servers import Servers

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
SHIPPED_CONTENT = Path(__file__).parent.parent / "quizzes"


class FakeClock:
    """A clock tests can move forward."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def content() -> Content:
    """The two tiny modules in tests/fixtures/content."""
    return load_content(FIXTURE_CONTENT)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(clock: FakeClock) -> ProgressStore:
    """An empty in-memory progress store."""
    return ProgressStore(":memory:", clock=clock)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "progress.db"


@pytest.fixture
def tutor(content: Content, store: ProgressStore) -> Tutor:
    return Tutor(content, store)


@pytest.fixture
def tutor_at_first_question(tutor: Tutor) -> Tutor:
    """Learner 'ana' has read both lessons of verify_leaks and faces question t_q1."""
    tutor.start("ana", "verify_leaks")
    tutor.advance("ana")
    tutor.advance("ana")
    return tutor


@pytest.fixture(scope="session")
def servers(tmp_path_factory) -> Servers:
    """The action server, Rasa server and learner website, started once for the whole test run."""
    running = Servers(tmp_path_factory.mktemp("servers"))
    running.start()
    yield running
    running.stop()


# Browser tests drive Debian's chromium; Playwright never downloads a browser here.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


# Module scope, not session: while Playwright's sync API is open it holds a running event loop in this
# thread, so any later test that calls asyncio.run() (the action tests do) would fail.
@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per browser-test module (learner page and facilitator dashboard)."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make system-deps` (or `make test`), which installs Debian's chromium.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
