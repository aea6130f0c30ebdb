"""The chat socket: one per browser tab at /ws/chat/, multiplexing all the user's sessions.

A protocol adapter only: it authenticates the socket (session cookie, session epoch),
parses and size-checks each frame, authorises it against the user's own sessions, calls
one service or selector, and forwards group events. Frames are described in docs/chat.md.

Close codes: 4401 not signed in / signed out / access lost; 4429 flooding; 1013 the
channel layer is unavailable (try again later).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from marketplace.exceptions import DomainError
from marketplace.jsonlimits import json_too_deep
from sessions import events, runtime
from sessions.selectors import chat as chat_selectors
from sessions.services import calls as call_services
from sessions.services import chat as chat_services
from sessions.services import presence

logger = logging.getLogger(__name__)

CLOSE_UNAUTHORISED = 4401
CLOSE_FLOOD = 4429
CLOSE_UNAVAILABLE = 1013  # "try again later"
LAYER_ERRORS = (OSError, RedisError)

# A valid frame is at most a 2,000-character message, each character escaped as \uXXXX
# (6 bytes) plus the envelope, or a call's SDP; anything longer is refused before parsing.
# A call.signal frame carries an SDP of up to MAX_SDP_CHARS plus its envelope.
MAX_FRAME_CHARS = 19_456
MAX_SDP_CHARS = 16_384
MAX_CANDIDATE_CHARS = 2_048
MAX_JSON_DEPTH = 4
# Per-socket token bucket: a sustained rate and a burst. Frames over it are dropped with
# one error frame per second; a socket that keeps flooding is closed.
RATE_PER_SECOND = 20.0
RATE_BURST = 60.0
FLOOD_CLOSE_AFTER_DROPS = 200
TYPING_MIN_INTERVAL = 2.0  # seconds between typing frames forwarded per session
HEARTBEAT_MIN_INTERVAL = 10.0  # seconds between presence heartbeats written


def frame_parse(text: str) -> dict[str, Any]:
    """The frame as a dict with a string `type`, or DomainError with a stable code."""
    if len(text) > MAX_FRAME_CHARS:
        raise DomainError(_("Frame too large."), code="frame_too_large")
    if json_too_deep(text, MAX_JSON_DEPTH):
        raise DomainError(_("Frame nested too deeply."), code="bad_frame")
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DomainError(_("Frames must be JSON objects."), code="bad_frame") from exc
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise DomainError(_("Frames must be JSON objects with a type."), code="bad_frame")
    if "\\u" in text and not _encodable(frame):
        # A lone surrogate (\ud800) decodes to a str that cannot become UTF-8 again: it
        # could be neither stored nor echoed. Refused here, so no error frame repeats it.
        raise DomainError(_("Frames must be valid Unicode text."), code="bad_frame")
    return frame


def _encodable(frame: dict[str, Any]) -> bool:
    try:
        json.dumps(frame, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


def _int_field(frame: dict[str, Any], name: str, *, minimum: int = 0) -> int:
    value = frame.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise DomainError(
            _("Field %(name)s must be an integer.") % {"name": name}, code="missing_field"
        )
    if value > 2**31:
        raise DomainError(_("Field %(name)s is out of range.") % {"name": name}, code="bad_frame")
    return value


def call_signal_payload(frame: dict[str, Any]) -> dict[str, Any]:
    """The `sdp` ({type: offer|answer, sdp}) or `candidate` ({candidate, sdpMid,
    sdpMLineIndex}, or null: the end of candidates) of a call.signal frame, exactly one,
    within size; DomainError (code bad_signal) otherwise."""

    def refuse(detail: str):
        return DomainError(detail, code="bad_signal")

    if ("sdp" in frame) == ("candidate" in frame):
        raise refuse(_("A call signal carries either an sdp or a candidate."))
    if "sdp" in frame:
        sdp = frame["sdp"]
        if (
            not isinstance(sdp, dict)
            or sdp.get("type") not in ("offer", "answer")
            or not isinstance(sdp.get("sdp"), str)
            or not sdp["sdp"].startswith("v=0")
        ):
            raise refuse(_("The sdp is not a session description."))
        if len(sdp["sdp"]) > MAX_SDP_CHARS:
            raise refuse(_("The sdp is too large."))
        return {"sdp": {"type": sdp["type"], "sdp": sdp["sdp"]}}
    candidate = frame["candidate"]
    if candidate is None:
        return {"candidate": None}
    if not isinstance(candidate, dict) or not isinstance(candidate.get("candidate"), str):
        raise refuse(_("The candidate is not an ICE candidate."))
    mid, index = candidate.get("sdpMid"), candidate.get("sdpMLineIndex")
    if not (mid is None or (isinstance(mid, str) and len(mid) <= 64)) or not (
        index is None
        or (isinstance(index, int) and not isinstance(index, bool) and 0 <= index < 64)
    ):
        raise refuse(_("The candidate is not an ICE candidate."))
    if len(candidate["candidate"]) > MAX_CANDIDATE_CHARS:
        raise refuse(_("The candidate is too large."))
    return {
        "candidate": {"candidate": candidate["candidate"], "sdpMid": mid, "sdpMLineIndex": index}
    }


class Delivered:
    """The seqs of one session this socket has already been given, so a message that
    arrives both by push and by resync reaches the page once. Everything up to
    `watermark` was delivered; `above` holds the out-of-order ones past it."""

    __slots__ = ("above", "watermark")

    def __init__(self) -> None:
        self.watermark = 0
        self.above: set[int] = set()

    def first_time(self, seq: int) -> bool:
        if seq <= self.watermark or seq in self.above:
            return False
        self.above.add(seq)
        while self.watermark + 1 in self.above:
            self.watermark += 1
            self.above.discard(self.watermark)
        return True

    def skip_to(self, seq: int) -> None:
        """A resync from after_seq=`seq`: the client says it has everything up to it."""
        if seq > self.watermark:
            self.watermark = seq
            self.above = {s for s in self.above if s > seq}


class ChatConsumer(AsyncWebsocketConsumer):
    user_id: int | None = None
    listener_id: int | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its `close_old_connections` hop before every frame
        and every group event: with CONN_MAX_AGE=0 that closed the database connection
        each time (a reconnect per message). chat_db looks after the connection instead."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- Connection ----------------------------------------------------------------------

    async def connect(self) -> None:
        events.register_loop(asyncio.get_running_loop())
        user = self.scope.get("user")
        self.sessions: set[int] = set()
        self.socket_id = uuid.uuid4().hex
        self.language = self._language()
        self._tokens = RATE_BURST
        self._tokens_at = time.monotonic()
        self._drops = 0
        self._last_error_at = 0.0
        self._typing_at: dict[int, float] = {}
        self._roles: dict[int, str] = {}  # order id -> this user's role (never changes)
        self._delivered: dict[int, Delivered] = {}
        # call id -> (session, the other party's user id): a live call's signals are
        # authorised once; forgotten when its call.state or session.state says it is over.
        self._call_targets: dict[int, tuple[int, int]] = {}
        self._heartbeat_at = 0.0
        self._checker: asyncio.Task | None = None
        self._background: set[asyncio.Future] = set()
        self._lane = runtime.socket_opened()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHORISED)
            return
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if not await self._db(
            chat_selectors.socket_access_ok, user_id=user.pk, session_key=session_key
        ):
            await self.close(code=CLOSE_UNAUTHORISED)
            return
        self.user = user
        self.user_id = user.pk
        self.session_key = session_key
        self.listener_id = await self._db(chat_selectors.listener_id_for_user, user_id=user.pk)
        self.sessions = await self._db(chat_selectors.subscribed_order_ids, user=user)
        groups = [events.user_group(user.pk), *map(events.order_group, self.sessions)]
        if not await self._join(groups):
            # The channel layer is down: refuse rather than run a socket that would
            # never hear from the other side. The page retries with backoff.
            await self.close(code=CLOSE_UNAVAILABLE)
            return
        await self.accept()
        runtime.socket_counted()
        self._counted = True
        if self.listener_id is not None:
            await self._presence(presence.presence_connect)
        await self._send({"type": "hello", "user": user.pk, "sessions": sorted(self.sessions)})
        self._checker = asyncio.create_task(self._access_loop())

    async def _join(self, groups: list[str]) -> bool:
        """Join the groups, retrying once: the first command on a pooled connection to a
        Redis that restarted fails and reconnects."""
        for attempt in range(2):
            try:
                for group in groups:
                    await self.channel_layer.group_add(group, self.channel_name)
                return True
            except LAYER_ERRORS as exc:
                logger.warning("channel layer join failed (attempt %d): %r", attempt + 1, exc)
        return False

    async def disconnect(self, code: int) -> None:
        if self._checker is not None:
            self._checker.cancel()
        if self.user_id is None:
            return
        try:
            await self.channel_layer.group_discard(
                events.user_group(self.user_id), self.channel_name
            )
            for order_id in self.sessions:
                await self.channel_layer.group_discard(
                    events.order_group(order_id), self.channel_name
                )
        except LAYER_ERRORS as exc:  # the layer is down; memberships expire
            logger.info("group discard failed: %s", exc)
        if self.listener_id is not None:
            await self._presence(presence.presence_disconnect)
        if getattr(self, "_counted", False):
            self._counted = False
            await runtime.socket_gone()

    async def _access_loop(self) -> None:
        """Close the socket once the user has logged out (everywhere) or been disabled."""
        interval = float(getattr(settings, "CHAT_ACCESS_CHECK_SECONDS", 15))
        # Spread over the interval: sockets that connected together (a deploy, a network
        # blip) would otherwise all hit the database at the same instant, every time.
        delay = interval * random.uniform(0.5, 1.0)  # noqa: S311 - not security
        while True:
            await asyncio.sleep(delay)
            delay = interval * random.uniform(0.9, 1.1)  # noqa: S311
            try:
                ok = await self._db(
                    chat_selectors.socket_access_ok,
                    user_id=self.user_id,
                    session_key=self.session_key,
                )
            except DatabaseError:
                continue
            if not ok:
                await self._send(events.error_frame(code="signed_out", detail=_("Signed out.")))
                await self.close(code=CLOSE_UNAUTHORISED)
                return

    # --- Frames in -----------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self._take_token():
            return
        with translation.override(self.language):
            await self._receive(text_data)

    async def _receive(self, text_data: str | None) -> None:
        frame: dict[str, Any] | None = None
        try:
            if text_data is None:
                raise DomainError(_("Binary frames are not supported."), code="bad_frame")
            frame = frame_parse(text_data)
            handler = self.HANDLERS.get(frame["type"])
            if handler is None:
                raise DomainError(_("Unknown frame type."), code="unknown_type")
            await handler(self, frame)
        except DomainError as exc:
            await self._send(self._error(exc, frame=frame))
        except DatabaseError:
            logger.exception("chat frame failed on the database")
            unavailable = DomainError(_("Please try again."), code="unavailable")
            await self._send(self._error(unavailable, frame=frame))

    def _error(self, exc: DomainError, *, frame: dict[str, Any] | None) -> events.Frame:
        """The error frame, naming the frame it refuses (`session`, `client_id`, `for`), so
        the page can mark that very message failed and retry it with the same client_id."""
        extra: dict[str, Any] = {}
        if isinstance(frame, dict):
            for name in ("session", "client_id"):
                value = frame.get(name)
                if isinstance(value, (int, str)) and not isinstance(value, bool):
                    extra[name] = value if isinstance(value, int) else value[:64]
            extra["for"] = frame.get("type") if isinstance(frame.get("type"), str) else None
        return events.error_frame(code=exc.code, detail=exc.message, **extra)

    def _take_token(self) -> bool:
        now = time.monotonic()
        self._tokens = min(RATE_BURST, self._tokens + (now - self._tokens_at) * RATE_PER_SECOND)
        self._tokens_at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        self._drops += 1
        if self._drops >= FLOOD_CLOSE_AFTER_DROPS:
            self._spawn(self.close(code=CLOSE_FLOOD))
        elif now - self._last_error_at >= 1.0:
            self._last_error_at = now
            with translation.override(self.language):
                detail = _("Too many frames.")
            self._spawn(self._send(events.error_frame(code="rate_limited", detail=detail)))
        return False

    def _spawn(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _authorised_session(self, frame: dict[str, Any]) -> int:
        """The frame's session id if it is one of the user's sessions (checked against the
        database when it is not one this socket already follows)."""
        order_id = _int_field(frame, "session", minimum=1)
        if order_id not in self.sessions:
            await self._db(chat_selectors.access_order_for_user, user=self.user, order_id=order_id)
            await self._follow(order_id)
        return order_id

    async def _follow(self, order_id: int) -> None:
        if order_id not in self.sessions and await self._join([events.order_group(order_id)]):
            self.sessions.add(order_id)

    async def _leave(self, order_id: int) -> None:
        self.sessions.discard(order_id)
        self._roles.pop(order_id, None)
        try:
            await self.channel_layer.group_discard(events.order_group(order_id), self.channel_name)
        except LAYER_ERRORS as exc:  # the membership expires
            logger.info("group discard failed: %s", exc)

    async def on_ping(self, frame: dict[str, Any]) -> None:
        """Heartbeat. The pong carries each followed session's last seq, so a client that
        missed a push (e.g. while Redis restarted) notices within one ping and resyncs."""
        seqs = await self._db(chat_selectors.last_seqs, order_ids=set(self.sessions))
        await self._send({"type": "pong", "last_seq": {str(k): v for k, v in seqs.items()}})
        now = time.monotonic()
        if self.listener_id is not None and now - self._heartbeat_at >= HEARTBEAT_MIN_INTERVAL:
            self._heartbeat_at = now
            await self._presence(presence.presence_heartbeat)

    async def on_message_send(self, frame: dict[str, Any]) -> None:
        order_id = _int_field(frame, "session", minimum=1)
        if "text" not in frame or "client_id" not in frame:
            raise DomainError(_("message.send needs text and client_id."), code="missing_field")
        language, user = self.language, self.user

        def store():
            with translation.override(language):
                return chat_services.message_send(
                    user=user,
                    order_id=order_id,
                    client_id=frame["client_id"],
                    text=frame["text"],
                    origin_channel=self.channel_name,
                )

        # Through the lane's group commit: written with the messages queued beside it.
        result = await runtime.chat_db_message(store, order_id=order_id, lane=self._lane)
        self._delivered_for(order_id).first_time(result.message.seq)
        await self._send(
            events.ack_frame(
                result.message, client_id=frame["client_id"], duplicate=result.duplicate
            )
        )
        if result.masked:
            await self._send(
                events.safety_frame(order_id=order_id, seq=result.message.seq, masked=result.masked)
            )
        await self._follow(order_id)

    async def on_typing(self, frame: dict[str, Any]) -> None:
        order_id = await self._authorised_session(frame)
        now = time.monotonic()
        if now - self._typing_at.get(order_id, 0.0) < TYPING_MIN_INTERVAL:
            return
        self._typing_at[order_id] = now
        role = self._roles.get(order_id)
        if role is None:
            role = self._roles[order_id] = await self._db(
                chat_selectors.role_for_user, order_id=order_id, user_id=self.user_id
            )
        try:
            await self.channel_layer.group_send(
                events.order_group(order_id),
                events.layer_event(
                    events.typing_frame(order_id=order_id, user_id=self.user_id, role=role),
                    exclude_channel=self.channel_name,
                ),
            )
        except LAYER_ERRORS as exc:  # typing is ephemeral: drop it
            logger.info("typing not sent: %r", exc)

    async def on_read(self, frame: dict[str, Any]) -> None:
        order_id = await self._authorised_session(frame)
        seq = _int_field(frame, "seq")
        await self._db(chat_services.messages_mark_read, user=self.user, order_id=order_id, seq=seq)

    async def on_sync(self, frame: dict[str, Any]) -> None:
        """Resend messages after `after_seq` (up to `until_seq` when given: a gap the page
        found), then the session's current state."""
        order_id = _int_field(frame, "session", minimum=1)
        after_seq = _int_field(frame, "after_seq")
        until_seq = _int_field(frame, "until_seq") if "until_seq" in frame else None
        frames = await self._db(
            chat_services.sync_frames,
            user=self.user,
            order_id=order_id,
            after_seq=after_seq,
            until_seq=until_seq,
        )
        await self._follow(order_id)
        delivered = self._delivered_for(order_id)
        delivered.skip_to(after_seq)
        for out in frames:
            if out["type"] != "message.new" or delivered.first_time(out["seq"]):
                await self._send(out)

    # --- Calls (docs/chat.md "Calls"): state changes are services; signals are relayed.

    async def on_call_start(self, frame: dict[str, Any]) -> None:
        order_id = _int_field(frame, "session", minimum=1)
        await self._db(
            call_services.call_start, user=self.user, order_id=order_id, kind=frame.get("kind")
        )

    async def _call_step(self, frame: dict[str, Any], service) -> None:
        order_id = _int_field(frame, "session", minimum=1)
        call_id = _int_field(frame, "call", minimum=1)
        await self._db(service, user=self.user, order_id=order_id, call_id=call_id)

    async def on_call_answer(self, frame: dict[str, Any]) -> None:
        await self._call_step(frame, call_services.call_answer)

    async def on_call_decline(self, frame: dict[str, Any]) -> None:
        await self._call_step(frame, call_services.call_decline)

    async def on_call_hangup(self, frame: dict[str, Any]) -> None:
        await self._call_step(frame, call_services.call_hangup)

    async def on_call_media(self, frame: dict[str, Any]) -> None:
        await self._call_step(frame, call_services.call_media)

    async def on_call_signal(self, frame: dict[str, Any]) -> None:
        """An SDP offer/answer or an ICE candidate, checked for shape and size, relayed to
        the other party's sockets only; never stored."""
        order_id = _int_field(frame, "session", minimum=1)
        call_id = _int_field(frame, "call", minimum=1)
        payload = call_signal_payload(frame)
        cached = self._call_targets.get(call_id)
        if cached is not None and cached[0] == order_id:
            target = cached[1]
        else:
            target = await self._db(
                call_services.call_relay_target, user=self.user, order_id=order_id, call_id=call_id
            )
            if order_id in self.sessions:  # followed: this socket hears when the call ends
                self._call_targets[call_id] = (order_id, target)
        out = {"type": "call.signal", "session": order_id, "call": call_id, **payload}
        try:
            await self.channel_layer.group_send(events.user_group(target), events.layer_event(out))
        except LAYER_ERRORS as exc:
            logger.info("call signal not relayed: %r", exc)
            raise DomainError(_("Please try again."), code="unavailable") from exc

    HANDLERS = {
        "call.start": on_call_start,
        "call.answer": on_call_answer,
        "call.decline": on_call_decline,
        "call.hangup": on_call_hangup,
        "call.media": on_call_media,
        "call.signal": on_call_signal,
        "ping": on_ping,
        "message.send": on_message_send,
        "typing": on_typing,
        "read": on_read,
        "sync": on_sync,
    }

    # --- Frames out ----------------------------------------------------------------------

    async def chat_frame(self, event: dict[str, Any]) -> None:
        """A group event: forward its frame unless this socket sent it."""
        if event.get("exclude") == self.channel_name:
            return
        await self._forward(event["frame"])

    async def chat_frames(self, event: dict[str, Any]) -> None:
        """A group event carrying several frames (e.g. a breach's message, breach and
        clock): forward each, in order."""
        for frame in events.event_frames(event):
            await self._forward(frame)

    async def _forward(self, frame: events.Frame) -> None:
        kind = frame.get("type")
        if kind == "message.new" and not self._delivered_for(frame["session"]).first_time(
            frame["seq"]
        ):
            return  # already delivered (by a resync that overtook the push)
        if kind == "session.state" and isinstance(frame.get("session"), int):
            await self._follow(frame["session"])
            if frame.get("state") != "active":
                self._call_targets = {
                    call: entry
                    for call, entry in self._call_targets.items()
                    if entry[0] != frame["session"]
                }
        if (
            kind == "handover"
            and frame.get("state") == "accepted"
            and frame.get("from_user") == self.user_id
            and isinstance(frame.get("session"), int)
        ):
            await self._leave(frame["session"])  # the chat is the new listener's now
        if kind == "call.state" and frame.get("state") not in ("ringing", "connected"):
            self._call_targets.pop(frame.get("call"), None)
        await self._send(frame)

    def _delivered_for(self, order_id: int) -> Delivered:
        delivered = self._delivered.get(order_id)
        if delivered is None:
            delivered = self._delivered[order_id] = Delivered()
        return delivered

    async def _send(self, frame: events.Frame) -> None:
        await self.send(text_data=json.dumps(frame, ensure_ascii=False, separators=(",", ":")))

    # --- Helpers -------------------------------------------------------------------------

    def _language(self) -> str:
        cookies = self.scope.get("cookies") or {}
        chosen = cookies.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        return chosen if chosen in supported else settings.LANGUAGE_CODE

    async def _db(self, function, **kwargs):
        language = self.language

        def call():
            with translation.override(language):
                return function(**kwargs)

        return await runtime.chat_db(call, lane=self._lane)()

    async def _presence(self, function) -> None:
        try:
            await self._db(function, listener_id=self.listener_id, socket_id=self.socket_id)
        except (*LAYER_ERRORS, DatabaseError) as exc:
            # Presence is advisory; a Redis or database hiccup must not break the chat.
            logger.warning("presence update failed: %r", exc)
