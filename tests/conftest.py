"""The fixtures every test module may use, each named for the state it provides.

Content: `content` (tests/fixtures/content: two tiny modules), `learning_content` (tests/fixtures/learning: checks,
judgement items, a free-text question). Time: `fake_clock` (datetimes, for the store) and `fake_seconds` (monotonic
seconds, for the rate limits). Stores: `store` (empty, in memory), `store_with_progress` and `cohort_with_members`
(files at `db_path`, for the CLI). Tutors: `tutor`, `tutor_at_first_question`, `learning_tutor`. `cohorts` manages the
cohorts of `store`. `servers`: the real servers, started once for the whole run (tests marked `server`).
Browser tests have their own conftest in tests/browser/, the only place Playwright is imported.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest

from bot.learning.content import Content, load_content
from bot.learning.tutor import Tutor
from bench.servers import Servers
from bot.reports.cohorts import Cohorts
from bot.store import ProgressStore

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_CONTENT = FIXTURES / "content"
LEARNING_CONTENT = FIXTURES / "learning"
SHIPPED_CONTENT = Path(__file__).parent.parent / "quizzes"


class FakeClock:
    """A wall clock tests can move forward."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FakeSeconds:
    """A monotonic clock (seconds) tests set by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def content() -> Content:
    """The two tiny modules in tests/fixtures/content."""
    return load_content(FIXTURE_CONTENT)


@pytest.fixture
def learning_content() -> Content:
    """tests/fixtures/learning: one module with pre- and post-checks, judgement items and a free-text question."""
    return load_content(LEARNING_CONTENT)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake_seconds() -> FakeSeconds:
    return FakeSeconds()


@pytest.fixture
def store(fake_clock: FakeClock) -> ProgressStore:
    """An empty in-memory progress store on the fake clock."""
    return ProgressStore(":memory:", clock=fake_clock)


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


@pytest.fixture
def learning_tutor(learning_content: Content, store: ProgressStore) -> Tutor:
    return Tutor(learning_content, store)


@pytest.fixture
def cohorts(store: ProgressStore) -> Cohorts:
    return Cohorts(store)


@pytest.fixture
def store_with_progress(db_path: Path, content: Content) -> Iterator[ProgressStore]:
    """A store file at db_path in which learner 'ana' answered t_q1 of verify_leaks correctly."""
    store = ProgressStore(db_path)
    tutor = Tutor(content, store)
    tutor.start("ana", "verify_leaks")
    tutor.skip("ana", message_id="m0")
    tutor.answer("ana", text="b", message_id="m1")
    yield store
    store.close()


@pytest.fixture
def cohort_with_members(db_path: Path, content: Content) -> tuple[str, dict[str, str]]:
    """A store file at db_path with cohort "Year 9 = Tuesday": ana (t_q1 right, t_q2 wrong) and ben (not started).
    RETURNS (join code, {learner: label})."""
    store = ProgressStore(db_path)
    cohorts = Cohorts(store)
    cohort, _ = cohorts.create("Year 9 = Tuesday")
    for learner in ("ana", "ben"):
        cohorts.join(learner, [cohort.join_code])
    tutor = Tutor(content, store)
    tutor.start("ana", "verify_leaks")
    tutor.skip("ana", message_id="m0")
    tutor.answer("ana", text="b", message_id="m1")
    tutor.answer("ana", text="a", message_id="m2")
    labels = {learner: store.membership(learner).label for learner in ("ana", "ben")}
    store.close()
    return cohort.join_code, labels


@pytest.fixture(scope="session")
def servers(tmp_path_factory) -> Iterator[Servers]:
    """The action server, Rasa server and learner website, started once for the whole test run."""
    running = Servers(tmp_path_factory.mktemp("servers"))
    running.start()
    yield running
    running.stop()
