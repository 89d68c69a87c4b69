"""Real Redis and PostgreSQL servers from Debian's packages, on loopback in a temporary folder (scale-out tests).

`make test` installs redis-server and postgresql when missing (scripts/install-system-deps.sh) and sets
PAUSECHECK_REQUIRE_SERVICES=1, so that the tests fail rather than skip when they are missing; a plain `pytest` skips
them with a message saying what to install.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest
import redis

from bench.servers import free_port


def missing(what: str) -> None:
    message = f"{what} is not installed: run `make system-deps` (or `make test`), which installs it."
    if os.environ.get("PAUSECHECK_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


class RedisServer:
    """redis-server on 127.0.0.1 with a password, keeping nothing on disk."""

    def __init__(self, workdir: Path, password: str) -> None:
        self.workdir, self.password, self.port = workdir, password, free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            missing("redis-server")
        with open(self.workdir / "redis.log", "ab") as log:
            self.process = subprocess.Popen(
                [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.workdir),
                 "--requirepass", self.password, "--save", "", "--appendonly", "no"],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.client().ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    pytest.fail(f"redis-server did not start:\n{(self.workdir / 'redis.log').read_text()[-2000:]}")
                time.sleep(0.1)

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password, db=db)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)


def postgres_bin_dir() -> Path | None:
    """Debian keeps initdb and pg_ctl out of PATH, under /usr/lib/postgresql/<version>/bin."""
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(path.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1 with password (SCRAM) sign-in and one database.

    PostgreSQL refuses to run as root, so under root (CI) the cluster belongs to Debian's `postgres` user and the
    commands run through `runuser`; its folder is made with mkdtemp, outside pytest's root-only temp folders."""

    def __init__(self, user: str, password: str, database: str) -> None:
        self.user, self.password, self.database, self.port = user, password, database, free_port()
        self.root = Path(tempfile.mkdtemp(prefix="pausecheck-pg-"))
        self.data = self.root / "data"
        self.bin_dir: Path | None = None

    def _run(self, *command: str) -> None:
        assert self.bin_dir is not None
        argv = [str(self.bin_dir / command[0]), *command[1:]]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            pytest.fail(f"{command[0]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")

    def start(self) -> None:
        self.bin_dir = postgres_bin_dir()
        if self.bin_dir is None:
            missing("PostgreSQL (initdb)")
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                missing("The `postgres` user (created by Debian's postgresql package)")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        password_file = self.root / "password"
        password_file.write_text(self.password)
        if os.geteuid() == 0:
            os.chown(password_file, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", self.user, f"--pwfile={password_file}", "-E", "UTF8",
                  "--no-locale", "--auth=scram-sha-256", "--no-sync", "--no-instructions")
        password_file.unlink()
        with open(self.data / "postgresql.conf", "a") as conf:
            # Loopback TCP only, no socket in /var/run/postgresql; durability does not matter for a test cluster.
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = ''\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "postgres.log"), "-w", "-t", "60", "start")
        connection = self.connect("postgres")
        connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
        try:
            connection.cursor().execute(f'CREATE DATABASE "{self.database}"')
        finally:
            connection.close()

    def connect(self, database: str | None = None):
        return psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, password=self.password,
                                dbname=database or self.database)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
