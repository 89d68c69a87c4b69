"""Builds and renders cohort reports in worker threads, so a big report does not stall the event loop."""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from bot.learning.content import Content
from bot.reports.report import build_report
from bot.reports.rows import CohortReport
from bot.store import Cohort, ProgressStore, utc_now

# Rendering charts is CPU-bound and holds the GIL most of the time: more threads would not go faster. Two keep one
# big report from queueing every other facilitator behind it, and bound the work signed-in clients can start.
REPORT_THREADS = 2


class ReportWorkers:
    """Each thread opens its own store connection: Python's sqlite3 does not stop two threads from using one
    connection at once, and a transaction belongs to the connection, so sharing the app's connection (used on the
    event loop) could interleave their statements. WAL lets these readers run while the action server writes."""

    def __init__(self, db_path: Path, content: Content, *, threads: int = REPORT_THREADS) -> None:
        self.db_path = db_path
        self.content = content
        self._local = threading.local()
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="report")

    async def render(self, cohort: Cohort, render: Callable[[CohortReport], str]) -> str:
        """RETURNS render(the cohort's report as of now), computed in a worker thread."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._build_and_render, cohort, render)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)

    def _build_and_render(self, cohort: Cohort, render: Callable[[CohortReport], str]) -> str:
        return render(build_report(self._store(), self.content, cohort, now=utc_now()))

    def _store(self) -> ProgressStore:
        # Opened on first use rather than in an executor initializer: a failing initializer breaks the pool for good.
        if not hasattr(self._local, "store"):
            self._local.store = ProgressStore(self.db_path)
        return self._local.store
