"""`python -m marketplace.webnode`: daphne, on uvloop's event loop unless told otherwise,
with a read deadline per request and WebSocket close codes for oversized and invalid
frames. Real daphne processes on free loopback ports, serving tests/marketplace/loop_app.py,
driven over real sockets."""

import asyncio
import contextlib
import os
import select
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import websockets
from django.conf import settings
from websockets.asyncio.client import connect as ws_connect

from marketplace.embedded import _stop, free_port, wait_for_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]


def _loop_served_by_webnode(**env: str) -> str:
    port = free_port()
    command = [sys.executable, "-m", "marketplace.webnode", "-b", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(
        [*command, "tests.marketplace.loop_app:application"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, timeout=20)
        url = f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()
    finally:
        _stop(proc)


def test_the_web_node_runs_daphne_on_uvloop():
    assert _loop_served_by_webnode() == "uvloop"


def test_web_event_loop_asyncio_keeps_the_standard_loop():
    assert _loop_served_by_webnode(WEB_EVENT_LOOP="asyncio") == "asyncio"


class _LoopNode:
    """The web node serving loop_app on a free port, with the given environment."""

    def __init__(self, **env: str) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "marketplace.webnode", "-b", "127.0.0.1"]
        self.proc = subprocess.Popen(
            [*command, "-p", str(self.port), "tests.marketplace.loop_app:application"],
            cwd=settings.BASE_DIR,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def __enter__(self) -> "_LoopNode":
        wait_for_port(self.port, timeout=20)
        return self

    def __exit__(self, *exc) -> None:
        _stop(self.proc)


def _trickle(port: int, chunks: list[bytes], *, every: float) -> tuple[bytes, float]:
    """Send `chunks` one by one, `every` seconds apart, as a slow-loris client does; return
    what the server answered and how many seconds after the first byte it closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        started = time.monotonic()
        answer = b""
        for chunk in chunks:
            try:
                sock.sendall(chunk)
            except OSError:  # closed by the server meanwhile
                break
            readable, _w, _x = select.select([sock], [], [], every)
            if readable:
                break
        sock.settimeout(10)
        with contextlib.suppress(OSError):
            while data := sock.recv(65536):
                answer += data
        return answer, time.monotonic() - started


def test_a_request_whose_headers_trickle_in_is_answered_408_and_closed():
    # given: a node that wants whole requests within one second
    with _LoopNode(WEB_REQUEST_READ_TIMEOUT="1") as node:
        # when: a client sends a header line every 0.3 s and never ends its headers
        lines = [b"GET / HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n"]
        lines += [f"X-Slow-{n}: a\r\n".encode() for n in range(30)]
        answer, closed_after = _trickle(node.port, lines, every=0.3)
    # then: cut off after about a second, though each line came well within the idle timeout
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert 0.9 < closed_after < 4


def test_a_body_that_trickles_in_is_answered_408_and_closed():
    # given
    with _LoopNode(WEB_REQUEST_READ_TIMEOUT="1") as node:
        # when: the headers promise 100 bytes and the body comes a byte at a time
        head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n"
        answer, closed_after = _trickle(node.port, [head] + [b"x"] * 30, every=0.3)
    # then
    assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert 0.9 < closed_after < 4


def test_a_request_that_arrives_whole_is_served_and_the_connection_kept():
    # given
    with _LoopNode(WEB_REQUEST_READ_TIMEOUT="1") as node:
        sock = socket.create_connection(("127.0.0.1", node.port), timeout=5)
        # when: two requests on one keep-alive connection, the second after the deadline
        # of the first would have passed
        request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        with sock:
            sock.sendall(request)
            first = sock.recv(65536)
            time.sleep(1.5)
            sock.sendall(request)
            second = sock.recv(65536)
    # then
    assert first.startswith(b"HTTP/1.1 200 OK\r\n")
    assert second.startswith(b"HTTP/1.1 200 OK\r\n")


async def _close_code_after_sending(port: int, message, *, text: bool) -> int | None:
    async with ws_connect(f"ws://127.0.0.1:{port}/", max_size=None, open_timeout=10) as ws:
        await ws.send(message, text=text)
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), timeout=10)
        return ws.close_code


def test_a_websocket_message_over_one_mebibyte_is_closed_with_1009():
    # given
    with _LoopNode() as node:
        # when
        code = asyncio.run(_close_code_after_sending(node.port, "x" * (2**20 + 1), text=True))
    # then
    assert code == 1009


def test_a_websocket_text_frame_of_invalid_utf8_is_closed_with_1007():
    # given
    with _LoopNode() as node:
        # when
        code = asyncio.run(_close_code_after_sending(node.port, b"ok \xff\xfe", text=True))
    # then
    assert code == 1007


def test_a_websocket_message_within_the_limit_is_echoed():
    # given
    async def echo(port: int) -> str:
        async with ws_connect(f"ws://127.0.0.1:{port}/", max_size=None) as ws:
            await ws.send("y" * 2**20)
            return await asyncio.wait_for(ws.recv(), timeout=10)

    with _LoopNode() as node:
        # when
        answer = asyncio.run(echo(node.port))
    # then
    assert answer == "y" * 2**20
