"""The chat's runtime in a web process: database lanes with kept-open connections, the
outage witness, and the count of open sockets (docs/chat.md, "Database lanes").

The consumer (`sessions.consumers`) is the protocol adapter; everything it needs to run a
frame's database work fast and safely is here: `chat_db(function, lane=...)` runs a call
on a socket's lane (its frames in order, one at a time) on a connection kept open between
frames, with prepared statements, one retry after a dropped connection, outages on
record, and the channel-layer sends the call rang up awaited before its result returns.
Process-local bookkeeping only: nothing another node needs lives here.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections

from marketplace.models import Outage
from marketplace.outages import OutageObserver
from sessions import events

logger = logging.getLogger(__name__)

# Sockets open in this process; the chat's database connections are closed when the last
# one goes (process-local bookkeeping, nothing another node needs).
_open_sockets = 0
_sockets_opened = 0  # round-robin over the database lanes


def socket_opened() -> int:
    """A socket of this process connects: its lane key (sockets take the lanes in turn)."""
    global _sockets_opened
    _sockets_opened += 1
    return _sockets_opened


def socket_counted() -> None:
    """A socket was accepted: it counts until `socket_gone`."""
    global _open_sockets
    _open_sockets += 1


async def socket_gone() -> None:
    """A counted socket closed; after the process's last one, the lanes' connections close."""
    global _open_sockets
    _open_sockets -= 1
    if _open_sockets == 0:
        await _close_chat_connections()


def _statements_prepared(conn) -> None:
    """PostgreSQL: on the chat's kept-open connection, bind parameters on the server and
    prepare the statements run again and again (the order lock, the message INSERT).
    That halves PostgreSQL's CPU per chat message (docs/chat.md). Only here: server-side
    binding caps a statement at 65,535 parameters, which bulk work elsewhere (the admin,
    management commands) may need; those keep Django's client-side binding."""
    threshold = settings.CHAT_DB_PREPARE_THRESHOLD
    if threshold <= 0:
        return
    conn.ensure_connection()
    raw = conn.connection
    if raw.prepare_threshold != threshold:  # a new connection
        from django.db.backends.postgresql.base import ServerBindingCursor

        raw.cursor_factory = ServerBindingCursor
        raw.prepare_threshold = threshold


# This process's chat sockets as a witness of database outages: a frame refused because the
# database did not answer dates one; the first frame that works again records it, before
# its own step runs (so a late reply it carries is judged with the outage on record).
_outages = OutageObserver(f"web:{os.getpid()}", since_last_ok=False)


def _keep_connection(function):
    """Run `function` on the lane's database connection, kept open between frames.

    Channels' database_sync_to_async closes and reopens the connection around every call
    when CONN_MAX_AGE is 0 (which ASGI HTTP needs); for a stream of small chat writes
    that reconnect costs far more than the work (see docs/chat.md). The connection is
    dropped after an error or when the process's last socket closes.
    """

    def call():
        conn = connections[DEFAULT_DB_ALIAS]
        if conn.connection is not None and conn.errors_occurred:
            if conn.is_usable():
                conn.errors_occurred = False
            else:
                conn.close()
        for attempt in (1, 2):
            try:
                _statements_prepared(conn)
                if _outages.down:  # the database answers again: on record before the step
                    _outages.observe(Outage.Cause.DATABASE, True)
                return function()
            except (OperationalError, InterfaceError):
                # A connection the server dropped (a restart: AdminShutdown, a broken
                # socket) fails its next statement. Every chat step is idempotent (a
                # message is one transaction deduplicated by client_id; reads; read
                # markers never move back), so one retry on a fresh connection is safe.
                conn.close()
                if attempt == 2:
                    # Refused for want of a database: measured, so that deadlines falling
                    # in it are excused once it is recorded (marketplace.outages).
                    _outages.observe(Outage.Cause.DATABASE, False)
                    raise
                logger.info("chat database connection lost; retrying once on a new one")
            except DatabaseError:
                conn.close()
                raise
        raise AssertionError("unreachable")

    return call


# Database lanes: single-thread executors, each with its own kept-open connection. A
# socket is pinned to one lane (its frames stay in order, and frames are handled one at
# a time per socket anyway); sockets are spread over the lanes, so one session's round
# trips to PostgreSQL overlap with another's instead of queueing behind them on asgiref's
# one thread-sensitive thread. The order row lock still serialises writers of the same
# session.
_lanes: list[ThreadPoolExecutor] = []


def _lane_count() -> int:
    return max(0, int(getattr(settings, "CHAT_DB_THREADS", 4)))


def chat_lane(key: int) -> ThreadPoolExecutor | None:
    """The lane for `key` (a socket's number), or None for the thread-sensitive thread."""
    if not _lanes:
        for n in range(_lane_count()):
            _lanes.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"chat-db-{n}"))
    return _lanes[key % len(_lanes)] if _lanes else None


def chat_db(function, *, lane: int = 0):
    """`function` as a coroutine function run on lane `lane` (or the thread-sensitive
    thread). On a lane it is handed to the executor directly: asgiref's SyncToAsync
    machinery cost more CPU per chat message than the message's INSERT. The channel-layer
    sends the call rings up (e.g. the message's push, after commit) come back with its
    result and are awaited here, before the result is returned (so the other side's push
    goes out before the sender's ack)."""
    executor = chat_lane(lane)
    call = _keep_connection(function)
    if executor is None:
        return sync_to_async(call, thread_sensitive=True)

    def call_collecting():
        with events.sends_deferred() as sends:
            try:
                return call(), sends, None
            except Exception as exc:  # noqa: BLE001 - raised on the loop, after the sends
                return None, sends, exc

    async def run():
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        result, sends, error = await loop.run_in_executor(executor, context.run, call_collecting)
        for send, args in sends:  # what committed is announced even if a later step failed
            await send(*args)
        if error is not None:
            raise error
        return result

    return run


def _close_chat_connection() -> None:
    if _open_sockets == 0:
        connections[DEFAULT_DB_ALIAS].close()


def chat_connections_close() -> None:
    """Close every lane's connection now (from sync code, e.g. a test's teardown, so the
    test database can be dropped)."""
    for lane in _lanes:
        lane.submit(lambda: connections[DEFAULT_DB_ALIAS].close()).result(timeout=10)


async def _close_chat_connections() -> None:
    """After the process's last socket: close every lane's connection."""
    for lane in range(max(1, len(_lanes))):
        await chat_db(_close_chat_connection, lane=lane)()
