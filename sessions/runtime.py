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
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
    transaction,
)

from marketplace.models import Outage
from marketplace.outages import OutageObserver
from sessions import events
from sessions.models import Order

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


# --- Group commit ---------------------------------------------------------------------------
# Chat messages queued on one lane while it is busy are written together: one transaction,
# the batch's orders locked first in id order (so two lanes' batches can never deadlock),
# each message in its own savepoint (its `message_send`'s atomic block: a refused message
# rolls back alone and never fails its neighbours), one COMMIT, then every push and every
# answer. A message reaching an idle lane is a batch of one and waits for nothing. A batch
# the database fails (the commit, a lost connection after the retry) answers each of its
# messages with that error: none is acknowledged.


@dataclass
class _Queued:
    function: Callable[[], Any]
    order_id: int
    context: contextvars.Context
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future = field(repr=False)


_queued: dict[int, list[_Queued]] = {}
_draining: set[int] = set()
_queued_lock = threading.Lock()
_finishing: set[asyncio.Future] = set()


def _batch_write(batch: list[_Queued]) -> list[tuple[Any, BaseException | None]]:
    """On the lane's thread: every message of `batch` in one transaction."""
    if len(batch) == 1:  # nothing to share: exactly the single path
        item = batch[0]
        try:
            return [(item.context.run(item.function), None)]
        except (OperationalError, InterfaceError):
            raise  # the connection: retried by _keep_connection
        except Exception as exc:  # noqa: BLE001 - answered on the loop, to its own socket
            return [(None, exc)]
    results: list[tuple[Any, BaseException | None]] = []
    with transaction.atomic():
        ids = sorted({item.order_id for item in batch})
        list(Order.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        for item in batch:
            try:
                results.append((item.context.run(item.function), None))
            except (OperationalError, InterfaceError):
                raise
            except Exception as exc:  # noqa: BLE001 - its savepoint rolled back; the rest go on
                results.append((None, exc))
    return results


def _drain(lane: int) -> None:
    """On the lane's thread: take what is queued (up to CHAT_GROUP_COMMIT_MAX), write it,
    hand the answers to the loop; another drain follows while more is queued."""
    with _queued_lock:
        queued = _queued.get(lane, [])
        batch, _queued[lane] = queued[: _batch_max()], queued[_batch_max() :]
        if _queued[lane]:
            chat_lane(lane).submit(_drain, lane)  # type: ignore[union-attr]
        else:
            _draining.discard(lane)
    if not batch:
        return
    with events.sends_deferred() as sends:
        try:
            results = _keep_connection(lambda: _batch_write(batch))()
        except Exception as exc:  # noqa: BLE001 - the whole batch failed: each is told
            results = [(None, exc) for _item in batch]
    batch[0].loop.call_soon_threadsafe(_answer, batch, results, list(sends))


def _answer(batch: list[_Queued], results: list, sends: list) -> None:
    """On the loop: the batch's pushes first (what committed is announced), then each
    message's answer."""

    async def finish() -> None:
        for send, args in sends:
            await send(*args)
        for item, (result, error) in zip(batch, results, strict=True):
            if item.future.done():
                continue
            if error is not None:
                item.future.set_exception(error)
            else:
                item.future.set_result(result)

    task = asyncio.ensure_future(finish())
    _finishing.add(task)  # held until done (the loop keeps only weak references)
    task.add_done_callback(_finishing.discard)


def _batch_max() -> int:
    return max(1, int(getattr(settings, "CHAT_GROUP_COMMIT_MAX", 1)))


async def chat_db_message(function: Callable[[], Any], *, order_id: int, lane: int) -> Any:
    """Write one chat message (`function` stores it: `chat.message_send`) through the
    lane's group commit; the answer comes after the batch's commit and pushes."""
    executor = chat_lane(lane)
    if executor is None:
        return await chat_db(function, lane=lane)()
    key = lane % len(_lanes)
    loop = asyncio.get_running_loop()
    item = _Queued(function, order_id, contextvars.copy_context(), loop, loop.create_future())
    with _queued_lock:
        _queued.setdefault(key, []).append(item)
        if key not in _draining:
            _draining.add(key)
            executor.submit(_drain, key)
    return await item.future
