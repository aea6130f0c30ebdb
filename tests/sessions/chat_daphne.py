"""Real processes for the chat's end-to-end tests and the benchmark: daphne nodes on
loopback pointed at this test run's PostgreSQL database and a Redis, and a small
`websockets` chat client that behaves like the browser script (resend unacknowledged
messages with the same client_id, resync with after_seq, dedupe by seq)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import websockets
from django.db import connection
from websockets.asyncio.client import connect

from marketplace import embedded

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the database this test run uses (the test database, committed data)."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    if (s["HOST"] or "").startswith("/"):  # a Unix socket's folder (the embedded server)
        return f"postgres://{s['USER']}{password}@{quote(s['HOST'], safe='')}/{s['NAME']}"
    port = s.get("PORT") or 5432
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{port}/{s['NAME']}"


class Daphne:
    """One web node: `daphne marketplace.asgi:application` on a free loopback port."""

    def __init__(self, *, redis_url: str, extra_env: dict[str, str] | None = None) -> None:
        self.port = embedded.free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="daphne-", suffix=".log", delete=False)  # noqa: SIM115
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "marketplace.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "marketplace.webnode",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "marketplace.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait(self) -> Daphne:
        embedded.wait_for_port(self.port, timeout=20)
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        embedded._stop(self.proc)
        self.log.close()

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")


class PrivateRedis:
    """A Redis on a spare loopback port that a test can stop and start again."""

    def __init__(self) -> None:
        self.port = embedded.free_port()
        self.workdir = tempfile.mkdtemp(prefix="mp-redis-")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.proc = subprocess.Popen(
            embedded.redis_command(self.port, self.workdir), stdout=subprocess.DEVNULL
        )
        embedded.wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=5)
            self.proc = None


class ChatClient:
    """A scripted browser tab on the chat socket."""

    def __init__(self, base_url: str, cookie: str) -> None:
        self.base_url = base_url
        self.cookie = cookie
        self.ws = None
        self.received: list[dict] = []  # every frame, as it came
        self.messages: dict[tuple[int, int], dict] = {}  # (session, seq) -> message
        self.acks: dict[str, dict] = {}
        self.outbox: dict[str, dict] = {}
        self.last_seq: dict[int, int] = {}
        self.reader: asyncio.Task | None = None
        self.events = asyncio.Queue()

    async def open(self, *, attempts: int = 1) -> None:
        """Connect; with attempts > 1 retry with backoff like the page does."""
        uri = self.base_url.replace("http://", "ws://") + "/ws/chat/"
        for attempt in range(attempts):
            try:
                self.ws = await connect(
                    uri,
                    origin=self.base_url,
                    additional_headers={"Cookie": f"sessionid={self.cookie}"},
                    open_timeout=10,
                    max_size=2**20,
                )
                hello = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
                break
            except (OSError, TimeoutError, websockets.exceptions.WebSocketException):
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.2 * 2**attempt)
        assert hello["type"] == "hello", hello
        self.reader = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws) -> None:
        with contextlib.suppress(Exception):
            async for raw in ws:
                frame = json.loads(raw)
                self.received.append(frame)
                if frame["type"] == "message.ack":
                    self.acks[frame["client_id"]] = frame
                    self.outbox.pop(frame["client_id"], None)
                elif frame["type"] == "message.new":
                    self.messages[(frame["session"], frame["seq"])] = frame
                    session = frame["session"]
                    self.last_seq[session] = max(self.last_seq.get(session, 0), frame["seq"])
                await self.events.put(frame)
        await self.events.put({"type": "closed"})

    async def send_frame(self, frame: dict) -> None:
        await self.ws.send(json.dumps(frame))

    async def send(self, session: int, client_id: str, text: str) -> None:
        frame = {"type": "message.send", "session": session, "client_id": client_id, "text": text}
        self.outbox[client_id] = frame
        with contextlib.suppress(Exception):
            await self.send_frame(frame)

    async def wait_for(self, predicate, *, timeout: float = 10.0) -> dict:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            frame = await asyncio.wait_for(self.events.get(), max(0.01, end - loop.time()))
            if predicate(frame):
                return frame

    async def reconnect_and_resync(self, sessions: list[int]) -> None:
        """What the page does after a drop: reconnect, resync, resend the outbox."""
        await self.close()
        await self.open(attempts=6)
        for session in sessions:
            await self.sync(session)
        for frame in list(self.outbox.values()):
            await self.send_frame(frame)

    async def sync(self, session: int) -> None:
        after = self.last_seq.get(session, 0)
        await self.send_frame({"type": "sync", "session": session, "after_seq": after})
        await self.wait_for(lambda f: f["type"] == "sync.done" and f["session"] == session)

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.reader, 5)
        self.events = asyncio.Queue()
