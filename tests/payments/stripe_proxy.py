"""A small HTTP proxy in front of the local Stripe server, for tests of retries and outages.

- Keeps Stripe's idempotency semantics, which the local server lacks: the first response
  to a POST with an `Idempotency-Key` is replayed for every later request with that key.
- Injects faults on matching requests: `500` (answered by the proxy, Stripe never sees the
  request) or `drop` (forwarded, Stripe acts, then the connection is closed without an
  answer, as in a timeout after the fact) or `hold` (kept waiting, Stripe not yet asked,
  until the test calls `release()` — a Stripe slowdown the test controls; bounded by
  `hold_timeout`, after which the request goes on as if released, so nothing hangs).
  `held()` lists the held requests whose caller is still waiting for the answer.
"""

from __future__ import annotations

import select
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class Fault:
    method: str
    path_prefix: str
    mode: str  # "500", "drop" or "hold"
    times: int = 1
    hold_timeout: float = 30.0


@dataclass
class Held:
    """A request kept waiting by a `hold` fault."""

    method: str
    path: str
    key: str | None
    client: tuple[str, int]  # the caller's address: which process waits, for the test
    conn: socket.socket | None = field(default=None, repr=False)
    released: threading.Event = field(default_factory=threading.Event)
    outcome: str | None = None  # None while held; "released", "timed out" or "caller gone"


@dataclass
class ProxyState:
    upstream: str
    faults: list[Fault] = field(default_factory=list)
    replies: dict[str, tuple[int, dict, bytes]] = field(default_factory=dict)
    log: list[tuple[str, str, str | None]] = field(default_factory=list)
    holds: list[Held] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and path.startswith(fault.path_prefix):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None


def _caller_gone(conn: socket.socket) -> bool:
    """True once the caller closed its end (e.g. its own timeout): nothing else is sent on
    this connection while it waits for our answer, so readable means end of stream."""
    try:
        readable, _, _ = select.select([conn], [], [], 0)
        return bool(readable) and conn.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class StripeProxy:
    def __init__(self, upstream: str) -> None:
        self.state = ProxyState(upstream=upstream.rstrip("/"))
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                key = self.headers.get("Idempotency-Key")
                method = self.command
                with state.lock:
                    state.log.append((method, self.path, key))
                cache_key = f"{method} {self.path} {key}" if key and method == "POST" else None
                if cache_key:
                    with state.lock:
                        cached = state.replies.get(cache_key)
                    if cached:
                        self._reply(*cached, replayed=True)
                        return
                fault = state.take_fault(method, self.path)
                if fault and fault.mode == "500":
                    self._reply(
                        500,
                        {"Content-Type": "application/json"},
                        b'{"error":{"type":"api_error","message":"injected"}}',
                    )
                    return
                if fault and fault.mode == "hold" and not self._hold(fault, key):
                    self.close_connection = True
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                upstream = requests.request(
                    method, state.upstream + self.path, data=body, headers=headers, timeout=10
                )
                reply = (
                    upstream.status_code,
                    {"Content-Type": upstream.headers.get("Content-Type", "application/json")},
                    upstream.content,
                )
                if cache_key:
                    with state.lock:
                        state.replies.setdefault(cache_key, reply)
                if fault and fault.mode == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                self._reply(*reply)

            def _hold(self, fault: Fault, key: str | None) -> bool:
                """Wait for `release()`; True to go on and forward the request, False when
                the caller has gone meanwhile (then Stripe never sees it, as with `500`)."""
                held = Held(self.command, self.path, key, self.client_address, self.connection)
                with state.lock:
                    state.holds.append(held)
                waited = 0.0
                while not held.released.wait(0.05):
                    waited += 0.05
                    if _caller_gone(self.connection):
                        held.outcome = "caller gone"
                        return False
                    if waited >= fault.hold_timeout:
                        held.outcome = "timed out"
                        return True
                held.outcome = "released"
                return True

            def _reply(self, status, headers, body, replayed=False):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if replayed:
                    self.send_header("Idempotent-Replayed", "true")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _handle  # noqa: N815 - http.server's names

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def fail(
        self,
        *,
        method: str,
        path_prefix: str,
        mode: str,
        times: int = 1,
        hold_timeout: float = 30.0,
    ) -> None:
        with self.state.lock:
            self.state.faults.append(Fault(method, path_prefix, mode, times, hold_timeout))

    def held(self, path_prefix: str = "") -> list[Held]:
        """The requests a `hold` fault keeps waiting whose caller still waits."""
        with self.state.lock:
            return [
                held
                for held in self.state.holds
                if held.outcome is None
                and not held.released.is_set()
                and held.path.startswith(path_prefix)
                and not (held.conn and _caller_gone(held.conn))
            ]

    def release(self) -> int:
        """Let every held request go on to Stripe; returns how many there were."""
        with self.state.lock:
            waiting = [held for held in self.state.holds if not held.released.is_set()]
            for held in waiting:
                held.released.set()
        return len(waiting)

    def requests_to(self, path_prefix: str) -> list[tuple[str, str, str | None]]:
        with self.state.lock:
            return [entry for entry in self.state.log if entry[1].startswith(path_prefix)]

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()
