"""The progress store's connection: one SQLite file in WAL mode, write transactions that take the write lock first,
and sqlite3 errors turned into the store's typed errors, so that no sqlite3 exception leaves the store."""
from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Sequence

import sqlite_utils

from bot.errors import StoreBusy, StoreError
from bot.store.records import Clock
from bot.store.schema import MIGRATIONS

BUSY_TIMEOUT_SECONDS = 5.0
Params = Sequence[Any] | dict[str, Any]


class Database:
    """The SQLite connection behind a ProgressStore, and the one place its SQL runs."""

    def __init__(self, path: str | Path, *, clock: Clock) -> None:
        """path (str | Path): the SQLite file, created with its folder if missing; ":memory:" for tests."""
        self.clock = clock
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        with _translated():
            # The action server may call from worker threads; every write happens inside one transaction.
            connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False)
            self.tables = sqlite_utils.Database(connection)  # for migrations and white-box tests
            if str(path) != ":memory:":
                _enable_wal(connection)
            connection.execute("PRAGMA foreign_keys = ON")
        self.connection = connection
        self._migrate()

    def now(self) -> datetime:
        return self.clock()

    def now_text(self) -> str:
        return self.clock().isoformat(timespec="seconds")

    def execute(self, sql: str, params: Params = (), *, clash: Exception | None = None) -> sqlite3.Cursor:
        """Runs one statement; sqlite3 errors become StoreBusy or StoreError.

        clash: raised instead when the statement breaks a unique key (LabelTaken, CodeTaken: the caller knows what
        clashed and picks another).
        """
        try:
            with _translated():
                return self.connection.execute(sql, params)
        except StoreError as error:
            if clash is not None and isinstance(error.__cause__, sqlite3.IntegrityError):
                raise clash from error.__cause__
            raise

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with _translated():
            self.connection.executemany(sql, rows)

    def rows(self, sql: str, params: Params = ()) -> list[dict[str, Any]]:
        cursor = self.execute(sql, params)
        columns = [description[0] for description in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One write transaction. BEGIN IMMEDIATE takes SQLite's write lock first, waiting up to the busy timeout
        while another process writes. A deferred transaction (sqlite-utils' atomic()) that has read before its first
        write would fail at once in WAL mode with "database is locked" instead of waiting."""
        self.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.connection.rollback()
            raise
        with _translated():
            self.connection.commit()

    def close(self) -> None:
        self.connection.close()

    def _migrate(self) -> None:
        """Runs the pending migrations in one write transaction. The version is read under the write lock, so
        processes starting together on a new file (action server, web server, CLI) migrate one after the other."""
        with self.writing(), _translated():
            version = self.connection.execute("PRAGMA user_version").fetchone()[0]
            for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
                migration(self.tables)
                self.connection.execute(f"PRAGMA user_version = {number}")


def _enable_wal(connection: sqlite3.Connection) -> None:
    """Switches the file to WAL (a no-op once it is). Several processes opening a new file at once (`make run` starts
    three) can find it busy while another switches it, and SQLite answers at once rather than waiting out the busy
    timeout, so try again for as long as the busy timeout would have waited."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            connection.execute("PRAGMA journal_mode = wal")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise StoreBusy(BUSY_TIMEOUT_SECONDS) from error
        raise StoreError(str(error)) from error
    except sqlite3.Error as error:
        raise StoreError(str(error)) from error
