"""Browser tests: Debian's Chromium driven by Playwright, against the real servers. The only place Playwright is
imported, so the other tests run without it."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

# Playwright never downloads a browser here: it drives Debian's chromium.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for every browser test (learner page and facilitator dashboard). Package-scoped: while
    Playwright's sync API runs, its event loop is this thread's running loop, so tests outside this folder that run
    an event loop of their own (asyncio.run, tests/asgi.py) must not start before it stops."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make system-deps` (or `make test`), which installs Debian's chromium.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
