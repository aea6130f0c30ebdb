"""Group names and event payloads of the live chat, built in one place.

Frames are what a browser receives (JSON objects with a `type`, see docs/chat.md).
Services never call the channel layer directly: they call `send_on_commit(group, frame)`,
which sends after the surrounding transaction commits (and not at all if it rolls back).
The channel layer is only a doorbell: everything a frame says is already in the database,
so a lost frame costs latency, never data (clients resync with `after_seq`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Coroutine, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from redis.exceptions import ConnectionError as RedisConnectionError

from sessions import transport

if TYPE_CHECKING:
    from sessions.models import Breach, Handover, Message, Order, Pause

logger = logging.getLogger(__name__)

# The channel-layer message types of group events; consumers implement `chat_frame`
# (forward `frame` to their socket) and `chat_frames` (forward each of `frames`, in
# order: a batch for one group, one publish instead of one per frame).
LAYER_TYPE = "chat.frame"
LAYER_TYPE_MANY = "chat.frames"

Frame = dict[str, Any]


# --- Groups ------------------------------------------------------------------------------


def order_group(order_id: int) -> str:
    """Every socket of both participants of one order."""
    return f"chat.order.{order_id}"


def user_group(user_id: int) -> str:
    """Every socket of one user (new sessions, session state, instant orders)."""
    return f"chat.user.{user_id}"


# --- Frames ------------------------------------------------------------------------------


def ts(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def message_frame(message: Message, *, role: str | None = None) -> Frame:
    """`message.new`: one stored message. `role` is "client", "listener" or "system"."""
    return {
        "type": "message.new",
        "session": message.order_id,
        "seq": message.seq,
        "sender": message.sender_id,
        "role": role or ("system" if message.sender_id is None else ""),
        "kind": message.kind,
        "code": message.system_code,
        # A system message's parameters: each page fills them into its own language.
        "params": message.system_params or {},
        "text": message.text,
        # Kinds of personal data masked in it (the notice under it survives a reload).
        "masked": list(message.masked or ()),
        "at": ts(message.created_at),
    }


def message_dict(message: Message, *, client_user_id: int) -> Frame:
    """A message as the transcript API and resync return it."""
    frame = message_frame(message, role=sender_role(message, client_user_id=client_user_id))
    del frame["type"]
    return frame


def sender_role(message: Message, *, client_user_id: int) -> str:
    if message.sender_id is None:
        return "system"
    return "client" if message.sender_id == client_user_id else "listener"


def ack_frame(message: Message, *, client_id: str, duplicate: bool = False) -> Frame:
    """`message.ack`: the sender's message is stored as `seq` (also for a resend)."""
    return {
        "type": "message.ack",
        "session": message.order_id,
        "client_id": client_id,
        "seq": message.seq,
        "at": ts(message.created_at),
        "text": message.text,
        "duplicate": duplicate,
    }


def typing_frame(*, order_id: int, user_id: int, role: str) -> Frame:
    return {"type": "typing", "session": order_id, "user": user_id, "role": role}


def read_frame(*, order_id: int, user_id: int, role: str, seq: int) -> Frame:
    return {"type": "read", "session": order_id, "user": user_id, "role": role, "seq": seq}


def clock_frame(*, order_id: int, deadline: datetime | None) -> Frame:
    """`clock`: the reply deadline now running for the session, or null when none is."""
    return {"type": "clock", "session": order_id, "deadline": ts(deadline)}


def breach_frame(*, order_id: int, **details: Any) -> Frame:
    return {"type": "breach", "session": order_id, **details}


def breach_event_frame(
    breach: Breach, *, limit: int, deadline: datetime | None, excused: str | None = None
) -> Frame:
    """`breach`: one missed deadline, what it refunds, and the deadline now running;
    `excused` names the outage's cause ("database", "redis") when the deadline fell in
    one (no refund, not counted), else null."""
    return breach_frame(
        excused=excused,
        order_id=breach.order_id,
        breach=breach.pk,
        missed_deadline=ts(breach.deadline),
        recorded_at=ts(breach.recorded_at),
        streak=breach.streak,
        limit=limit,
        refund_fen=breach.refund_fen,
        terminated=breach.terminated,
        deadline=ts(deadline),
    )


def pause_frame(pause: Pause) -> Frame:
    """`pause`: a pause the listener asked for, and its answer."""
    return {
        "type": "pause",
        "session": pause.order_id,
        "pause": pause.pk,
        "state": pause.state,
        "seconds": pause.seconds,
        "requested_at": ts(pause.requested_at),
        "starts_at": ts(pause.starts_at),
        "ends_at": ts(pause.ends_at),
    }


def handover_frame(handover: Handover, *, order: Order) -> Frame:
    """`handover`: a proposal to hand the session to another listener, and how it ended
    (`waiting_listener`, `proposed`, `accepted`, `declined`, `expired`). To the order's
    group and to both listeners' own sockets; `order` is the order with its listener and
    client loaded. On `accepted` a socket of the previous listener leaves the session."""
    return {
        "type": "handover",
        "session": handover.order_id,
        "handover": handover.pk,
        "state": handover.state,
        "from_user": handover.from_listener.user_id,
        "from_name": handover.from_listener.display_name,
        "to_user": handover.to_listener.user_id,
        "to_name": handover.to_listener.display_name,
        "expires_at": ts(handover.expires_at),
        "client": str(order.client),
        "reply_window": order.reply_window_seconds,
        "ends_at": ts(order.ends_at),
    }


def session_state_frame(order: Order) -> Frame:
    return {
        "type": "session.state",
        "session": order.pk,
        "state": order.state,
        "starts_at": ts(order.starts_at),
        "ends_at": ts(order.ends_at),
        "ended_at": ts(order.ended_at),
        "end_reason": order.end_reason,
    }


def instant_order_frame(order: Order, *, client_name: str, answer_url: str) -> Frame:
    """`order.new`: a paid instant order the listener can accept or decline until
    `accept_deadline` (to the listener's own sockets; the dashboard lists it)."""
    return {
        "type": "order.new",
        "order": order.pk,
        "client": client_name,
        "minutes": order.minutes,
        "price_fen": order.price_fen,
        "accept_deadline": ts(order.accept_deadline),
        "answer_url": answer_url,
    }


def safety_frame(*, order_id: int, seq: int, masked: tuple[str, ...] | list[str]) -> Frame:
    """To the sender only: which personal data the stored message had masked."""
    return {
        "type": "safety",
        "session": order_id,
        "kind": "masked",
        "seq": seq,
        "masked": list(masked),
    }


def safety_notice_frame(*, order_id: int, kind: str, **details: Any) -> Frame:
    """`safety` of another `kind` (docs/safety.md): "off_platform" (a warning to the
    sender), "crisis" (hotlines to the client, guidance to the listener), "closed"."""
    return {"type": "safety", "session": order_id, "kind": kind, **details}


def error_frame(*, code: str, detail: str, **extra: Any) -> Frame:
    return {"type": "error", "code": code, "detail": detail, **extra}


# --- Sending -----------------------------------------------------------------------------


def layer_event(frame: Frame, *, exclude_channel: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"type": LAYER_TYPE, "frame": frame}
    if exclude_channel:
        event["exclude"] = exclude_channel
    return event


def event_frames(event: dict[str, Any]) -> list[Frame]:
    """The frames a group event carries: one (`chat.frame`) or several (`chat.frames`)."""
    return event["frames"] if event.get("type") == LAYER_TYPE_MANY else [event["frame"]]


def layer_events_by_group(frames: list[tuple[str, Frame]]) -> list[tuple[str, dict[str, Any]]]:
    """(group, frame) pairs as one event per group: its frames in order, in one
    `chat.frames` event (a single frame stays a `chat.frame`)."""
    per_group: dict[str, list[Frame]] = {}
    for group, frame in frames:
        per_group.setdefault(group, []).append(frame)
    return [
        (
            group,
            layer_event(batch[0])
            if len(batch) == 1
            else {"type": LAYER_TYPE_MANY, "frames": batch},
        )
        for group, batch in per_group.items()
    ]


# The web process's event loop, registered by the chat consumer. Sync code running in a
# worker thread of that process hands its sends to the loop without waiting for them
# (they are doorbells; the data is committed). Process-local, like the loop itself.
_loop: asyncio.AbstractEventLoop | None = None


def register_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _loop
    _loop = loop


# A pooled Redis connection that outlived a Redis restart fails its next command (and is
# then replaced): each publish is tried once more on a connection error.
PUBLISH_ATTEMPTS = 2


async def _send_logged(layer, group: str, event: dict[str, Any]) -> None:
    for attempt in range(1, PUBLISH_ATTEMPTS + 1):
        try:
            await layer.group_send(group, event)
            return
        except (OSError, RedisConnectionError) as exc:
            if attempt == PUBLISH_ATTEMPTS:
                logger.warning("channel layer send to %s failed: %r", group, exc)
        except Exception as exc:  # noqa: BLE001 - redis errors must never surface here
            logger.warning("channel layer send to %s failed: %r", group, exc)
            return


def _in_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


# A chat frame's database call runs on a lane thread and returns to the loop anyway
# (sessions.runtime.chat_db): the sends it rings up ride back with its result instead of
# each waking the loop from the lane thread (cross-thread hand-offs cost more CPU here than
# the sends themselves: docs/chat.md).
_deferred = threading.local()
Send = tuple[Callable[..., Coroutine[Any, Any, None]], tuple[Any, ...]]


@contextlib.contextmanager
def sends_deferred() -> Iterator[list[Send]]:
    """Within the block, this thread's sends are not handed to the web loop: they are
    appended to the yielded list as (coroutine function, args), for the caller to await
    on that loop (in order)."""
    outbox: list[Send] = []
    _deferred.outbox = outbox
    try:
        yield outbox
    finally:
        _deferred.outbox = None


def _hand_to_web_loop(send: Callable[..., Coroutine[Any, Any, None]], *args: Any) -> bool:
    """From a worker thread of a web process: schedule `send(*args)` on the process's loop
    (or into the thread's `sends_deferred` outbox) and return at once. False anywhere else
    (no web loop, or on that loop's own thread): the caller then sends its own way."""
    outbox = getattr(_deferred, "outbox", None)
    if outbox is not None:
        outbox.append((send, args))
        return True
    loop = _loop
    if loop is None or not loop.is_running() or _in_loop(loop):
        return False
    asyncio.run_coroutine_threadsafe(send(*args), loop)
    return True


def send_now(group: str, frame: Frame, *, exclude_channel: str | None = None) -> None:
    """Ring the doorbell from sync code. A broken channel layer is logged, not raised:
    the data is committed and clients catch up on resync.
    Not `send_many_now` of one frame: this is the chat's per-message path, and a plain
    `group_send` is one PUBLISH where the batched script call costs Redis several times
    that (and its fallbacks outside a web process differ)."""
    layer = get_channel_layer()
    if layer is None:
        return
    event = layer_event(frame, exclude_channel=exclude_channel)
    if _hand_to_web_loop(_send_logged, layer, group, event):
        return
    try:
        async_to_sync(_send_logged)(layer, group, event)
    except Exception as exc:  # noqa: BLE001 - e.g. called on a loop's thread: never undo a commit
        logger.warning("channel layer send to %s failed: %r", group, exc)


def send_on_commit(group: str, frame: Frame, *, exclude_channel: str | None = None) -> None:
    """Send `frame` to `group` once the current transaction commits."""
    transaction.on_commit(lambda: send_now(group, frame, exclude_channel=exclude_channel))


# --- Sending many at once ------------------------------------------------------------------


async def _send_many_logged(layer, sends: list[tuple[str, dict[str, Any]]]) -> None:
    for attempt in range(1, PUBLISH_ATTEMPTS + 1):
        try:
            if await transport.publish_batched(layer, sends):
                return
            break
        except (OSError, RedisConnectionError) as exc:  # a stale connection: once more
            if attempt == PUBLISH_ATTEMPTS:
                logger.warning("channel layer batch of %d sends failed: %r", len(sends), exc)
                return
        except Exception as exc:  # noqa: BLE001 - redis errors must never surface here
            logger.warning("channel layer batch of %d sends failed: %r", len(sends), exc)
            return
    # Other layers: one event-loop pass, groups concurrently (one event per group).
    limit = asyncio.Semaphore(16)

    async def one_group(group: str, event: dict[str, Any]) -> None:
        async with limit:
            await _send_logged(layer, group, event)

    await asyncio.gather(*(one_group(group, event) for group, event in sends))


# Outside a web process (Celery workers) batches go through one long-lived event loop in
# a daemon thread, so its Redis connection is reused: `async_to_sync` would build a new
# loop, layer and connection for every call. Per process (re-created after a fork).
_sender: tuple[int, asyncio.AbstractEventLoop] | None = None
_sender_lock = threading.Lock()
SEND_MANY_TIMEOUT = 5.0


def _sender_loop() -> asyncio.AbstractEventLoop:
    global _sender
    with _sender_lock:
        if _sender is None or _sender[0] != os.getpid() or not _sender[1].is_running():
            loop = asyncio.new_event_loop()
            started = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(started.set)
                loop.run_forever()

            threading.Thread(target=run, name="events-sender", daemon=True).start()
            started.wait(5)
            _sender = (os.getpid(), loop)
        return _sender[1]


def send_many_now(frames: list[tuple[str, Frame]]) -> None:
    """Ring many doorbells from sync code in one event-loop pass (for the pub/sub layer,
    one Redis round trip). `frames` are (group, frame) pairs, sent in order per group
    and as one channel-layer event per group.
    In a web process they are handed to its loop without waiting; elsewhere this waits
    (at most SEND_MANY_TIMEOUT) until they are out. Failures are logged, never raised,
    as in `send_now`."""
    layer = get_channel_layer()
    if layer is None or not frames:
        return
    sends = layer_events_by_group(frames)
    if _hand_to_web_loop(_send_many_logged, layer, sends):
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None:  # sync code called on a loop's own thread: don't block it
        running.create_task(_send_many_logged(layer, sends))
        return
    try:
        future = asyncio.run_coroutine_threadsafe(_send_many_logged(layer, sends), _sender_loop())
        future.result(timeout=SEND_MANY_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - redis errors must never undo a commit
        logger.warning("channel layer batch of %d sends failed: %r", len(sends), exc)


def send_many_on_commit(frames: list[tuple[str, Frame]]) -> None:
    """Send (group, frame) pairs in one batch once the current transaction commits (and
    not at all if it rolls back)."""
    transaction.on_commit(lambda: send_many_now(frames))
