"""Voice and video calls inside an active session (docs/chat.md "Calls").

Either party rings the other; the other answers or declines; the pages then negotiate
media peer to peer (WebRTC) with `call.signal` frames the server only relays, and report
`call.media` once media flows. Unanswered for RING_SECONDS the call is missed; answered
but without media for MEDIA_SECONDS it failed. At most one live call per session, only
while the session is active and not paused, only in a tier whose medium offers it
(a voice tier: voice; a video tier: voice and video; a text tier: none).

Money: a call costs nothing of its own. It runs inside its session, whose time is what
the client pays for: a per-minute session's minutes are charged from the wallet by the
metering pass (docs/payments.md "metering"), and when that pass pauses the session at
zero the call ends (`calls_end_for_order`). The transcript records each call as system
messages (started, answered, duration, who ended it), never anything said.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from listeners.models import PricingTier
from marketplace.exceptions import DomainError, NotFound
from sessions import events
from sessions.models import Call, Message, MessageFlag, Order, ReplyClock
from sessions.services.clocks import CALL_CLOCK_HOLD, clocks_catch_up
from sessions.services.transcript import system_message_post

RING_SECONDS = 30
MEDIA_SECONDS = 15

CALL_TEXTS = {
    "call_started_voice": gettext_noop("Voice call started."),
    "call_started_video": gettext_noop("Video call started."),
    "call_answered": gettext_noop("Call answered."),
    "call_declined": gettext_noop("Call declined."),
    "call_missed": gettext_noop("Missed call."),
    "call_cancelled": gettext_noop("Call cancelled before it was answered."),
    "call_failed": gettext_noop("The call could not connect; it cost nothing."),
    "call_ended_client": gettext_noop("The client ended the call after %(duration)s."),
    "call_ended_listener": gettext_noop("The listener ended the call after %(duration)s."),
    "call_ended_balance": gettext_noop("The call ended after %(duration)s: the balance ran out."),
    "call_ended_session": gettext_noop("The call ended after %(duration)s with the session."),
}

# Which call kinds each tier medium offers.
KINDS_BY_MEDIUM = {
    PricingTier.Medium.TEXT: (),
    PricingTier.Medium.VOICE: (Call.Kind.VOICE,),
    PricingTier.Medium.VIDEO: (Call.Kind.VOICE, Call.Kind.VIDEO),
}


class CallRefused(DomainError):
    code = "call_refused"
    status = 409


def call_kinds_for(order: Order) -> tuple[str, ...]:
    """The call kinds the order's tier offers (what the chat page's buttons show)."""
    medium = order.tier.medium if order.tier_id else PricingTier.Medium.TEXT
    return tuple(str(kind) for kind in KINDS_BY_MEDIUM.get(medium, ()))


def _role(order: Order, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return "client" if user_id == order.client_id else "listener"


def _caller_name(call: Call, order: Order) -> str:
    if call.started_by_id == order.client_id:
        return str(order.client)
    return order.listener.display_name


def turn_credentials(*, call_id: int, now: datetime) -> dict[str, str]:
    """A TURN password for one call, valid TURN_TTL_SECONDS: coturn's `use-auth-secret`
    (the TURN REST scheme) checks base64(HMAC-SHA1(secret, username)) and the expiry
    that starts the username; nothing is stored."""
    expires = int(now.timestamp()) + settings.TURN_TTL_SECONDS
    username = f"{expires}:call{call_id}"
    digest = hmac.new(settings.TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()
    return {"username": username, "credential": base64.b64encode(digest).decode()}


def call_ice_servers(call: Call, *, now: datetime) -> list[dict]:
    """The ICE servers of this call: WEBRTC_ICE_SERVERS, plus our TURN server with the
    call's own short-lived password when one is configured."""
    servers = list(settings.WEBRTC_ICE_SERVERS)
    if settings.TURN_URLS and settings.TURN_SECRET:
        servers.append(
            {"urls": list(settings.TURN_URLS), **turn_credentials(call_id=call.pk, now=now)}
        )
    return servers


def call_frame(call: Call, order: Order) -> events.Frame:
    live = call.state in Call.LIVE_STATES
    return {
        "type": "call.state",
        "session": order.pk,
        "call": call.pk,
        "kind": call.kind,
        "state": call.state,
        "started_by": _role(order, call.started_by_id),
        "ended_by": _role(order, call.ended_by_id),
        "reason": call.end_reason or None,
        "started_at": events.ts(call.started_at),
        "answered_at": events.ts(call.answered_at),
        "media_at": events.ts(call.media_at),
        "ended_at": events.ts(call.ended_at),
        # Who is calling, as the other party knows them (the ring notice on the dashboard
        # and on the other chats' pages names them); only while it rings.
        "caller": _caller_name(call, order) if call.state == Call.State.RINGING else None,
        # Only the two parties receive call frames (their order group).
        "ice_servers": call_ice_servers(call, now=timezone.now()) if live else None,
    }


def _announce(call: Call, order: Order) -> None:
    events.send_on_commit(events.order_group(order.pk), call_frame(call, order))


def _locked_order(*, user, order_id: int) -> Order:
    """The session locked, if `user` is one of its two parties (NotFound otherwise)."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("listener", "tier", "client")
        .filter(pk=order_id)
        .first()
    )
    if order is None or user.pk not in (order.client_id, order.listener.user_id):
        raise NotFound(_("No such session."))
    return order


def _live_order(*, user, order_id: int) -> Order:
    order = _locked_order(user=user, order_id=order_id)
    if order.state != Order.State.ACTIVE:
        raise CallRefused(
            _("Calls are possible only while the session is running."), code="session_closed"
        )
    if order.paused_at is not None:
        raise CallRefused(_("The session is paused; top up to call."), code="session_paused")
    return order


def _call_of(order: Order, call_id: object) -> Call:
    call = (
        Call.objects.filter(pk=call_id, order=order).first() if isinstance(call_id, int) else None
    )
    if call is None:
        raise NotFound(_("No such call."))
    return call


def _clock_hold(call: Call, order: Order, *, now: datetime) -> None:
    """Media started: the running reply clock (after recording what it already missed)
    stops, its time left kept on the call."""
    clock = clocks_catch_up(order=order, now=now)
    if clock is None:
        return
    call.clock_left_seconds = max(0, math.ceil((clock.deadline - now).total_seconds()))
    call.save(update_fields=["clock_left_seconds"])
    clock.deadline = now + CALL_CLOCK_HOLD
    clock.save(update_fields=["deadline"])
    events.send_on_commit(
        events.order_group(order.pk), events.clock_frame(order_id=order.pk, deadline=None)
    )


def _clock_release(call: Call, order: Order, *, now: datetime) -> None:
    """The call with media ended: a held clock runs again with the time it had left; a
    clock the client opened during the call gets its whole window from now."""
    clock = (
        ReplyClock.objects.select_for_update()
        .filter(order=order, status=ReplyClock.Status.OPEN)
        .first()
    )
    if clock is None or clock.deadline < now + CALL_CLOCK_HOLD / 2:
        return
    held = call.clock_left_seconds is not None and clock.opened_at < call.media_at
    left = call.clock_left_seconds if held else clock.window_seconds
    clock.deadline = now + timedelta(seconds=left)
    clock.save(update_fields=["deadline"])
    events.send_on_commit(
        events.order_group(order.pk),
        events.clock_frame(order_id=order.pk, deadline=clock.deadline),
    )


def _post(
    call: Call, order: Order, code: str, *, now: datetime, params: dict[str, str] | None = None
) -> None:
    """A transcript entry of `call`; its parameters name the call (the page's report link)."""
    system_message_post(
        order=order,
        code=code,
        text=CALL_TEXTS[code],
        params={"call": call.pk, **(params or {})},
        now=now,
    )


def _finish(call: Call, order: Order, *, state: str, now: datetime, by=None, reason="") -> None:
    """Close a live call and write its transcript entry."""
    call.state = state
    call.ended_at = now
    call.ended_by = by
    call.end_reason = reason
    call.save(update_fields=["state", "ended_at", "ended_by", "end_reason"])
    if call.media_at is not None:
        _clock_release(call, order, now=now)
    if state == Call.State.ENDED and call.answered_at is None:
        _post(call, order, "call_cancelled", now=now)
    elif state == Call.State.ENDED and call.media_at is None:
        call.state = Call.State.FAILED
        call.save(update_fields=["state"])
        _post(call, order, "call_failed", now=now)
    elif state == Call.State.ENDED:
        code = f"call_ended_{reason or _role(order, call.ended_by_id)}"
        _post(call, order, code, now=now, params={"duration": call.duration})
    else:
        _post(call, order, f"call_{state}", now=now)
    _announce(call, order)


def _expire_stale(order: Order, *, now: datetime) -> None:
    """Missed and failed calls of this session, before deciding anything on it."""
    for call in Call.objects.filter(order=order, state__in=Call.LIVE_STATES):
        _expire_if_due(call, order, now=now)


def _expire_if_due(call: Call, order: Order, *, now: datetime) -> bool:
    if call.state == Call.State.RINGING and now >= call.started_at + timedelta(
        seconds=RING_SECONDS
    ):
        _finish(call, order, state=Call.State.MISSED, now=now, reason="timeout")
        return True
    if (
        call.state == Call.State.CONNECTED
        and call.media_at is None
        and now >= call.answered_at + timedelta(seconds=MEDIA_SECONDS)
    ):
        _finish(call, order, state=Call.State.FAILED, now=now, reason="timeout")
        return True
    return False


@transaction.atomic
def call_start(*, user, order_id: int, kind: object, now: datetime | None = None) -> Call:
    """Ring the other party. Refused in a tier without that kind, while another call of
    the session is live, and outside a running session."""
    now = now or timezone.now()
    order = _live_order(user=user, order_id=order_id)
    if kind not in (Call.Kind.VOICE, Call.Kind.VIDEO):
        raise CallRefused(_("A call is voice or video."), code="bad_frame")
    if kind not in call_kinds_for(order):
        raise CallRefused(
            _("This session's tier does not offer this kind of call."), code="call_not_offered"
        )
    _expire_stale(order, now=now)
    if Call.objects.filter(order=order, state__in=Call.LIVE_STATES).exists():
        raise CallRefused(_("A call is already under way in this session."), code="call_busy")
    call = Call.objects.create(order=order, started_by=user, kind=kind, started_at=now)
    _post(call, order, f"call_started_{kind}", now=now)
    _announce(call, order)
    return call


def _ringing_for_answer(
    *, user, order_id: int, call_id: object, now: datetime
) -> tuple[Call, Order]:
    order = _live_order(user=user, order_id=order_id)
    call = _call_of(order, call_id)
    _expire_if_due(call, order, now=now)
    if call.started_by_id == user.pk:
        raise CallRefused(_("Only the other side can answer this call."), code="call_not_yours")
    if call.state != Call.State.RINGING:
        raise CallRefused(_("This call is no longer ringing."), code="call_closed")
    return call, order


@transaction.atomic
def call_answer(*, user, order_id: int, call_id: object, now: datetime | None = None) -> Call:
    now = now or timezone.now()
    call, order = _ringing_for_answer(user=user, order_id=order_id, call_id=call_id, now=now)
    call.state = Call.State.CONNECTED
    call.answered_at = now
    call.save(update_fields=["state", "answered_at"])
    _post(call, order, "call_answered", now=now)
    _announce(call, order)
    return call


@transaction.atomic
def call_decline(*, user, order_id: int, call_id: object, now: datetime | None = None) -> Call:
    now = now or timezone.now()
    call, order = _ringing_for_answer(user=user, order_id=order_id, call_id=call_id, now=now)
    _finish(call, order, state=Call.State.DECLINED, now=now, by=user)
    return call


def _live_call(*, user, order_id: int, call_id: object, now: datetime) -> tuple[Call, Order]:
    order = _locked_order(user=user, order_id=order_id)
    call = _call_of(order, call_id)
    if call.state not in Call.LIVE_STATES or _expire_if_due(call, order, now=now):
        raise CallRefused(_("This call has already ended."), code="call_closed")
    return call, order


@transaction.atomic
def call_hangup(*, user, order_id: int, call_id: object, now: datetime | None = None) -> Call:
    """Either party ends the call (the caller cancels it while it rings)."""
    now = now or timezone.now()
    call, order = _live_call(user=user, order_id=order_id, call_id=call_id, now=now)
    _finish(call, order, state=Call.State.ENDED, now=now, by=user)
    return call


@transaction.atomic
def call_media(*, user, order_id: int, call_id: object, now: datetime | None = None) -> Call:
    """A page reports media flowing: the call's time counts from the first report."""
    now = now or timezone.now()
    call, order = _live_call(user=user, order_id=order_id, call_id=call_id, now=now)
    if call.state != Call.State.CONNECTED:
        raise CallRefused(_("This call has not been answered."), code="call_not_answered")
    if call.media_at is None:
        call.media_at = now
        call.save(update_fields=["media_at"])
        _clock_hold(call, order, now=now)
        _announce(call, order)
    return call


def call_relay_target(*, user, order_id: int, call_id: object) -> int:
    """The user id a `call.signal` of `user` goes to: the other party of a live call of a
    running session of theirs (NotFound / CallRefused otherwise). Nothing is written."""
    order = Order.objects.select_related("listener").filter(pk=order_id).first()
    if order is None or user.pk not in (order.client_id, order.listener.user_id):
        raise NotFound(_("No such session."))
    if order.state != Order.State.ACTIVE:
        raise CallRefused(
            _("Calls are possible only while the session is running."), code="session_closed"
        )
    call = _call_of(order, call_id)
    if call.state not in Call.LIVE_STATES:
        raise CallRefused(_("This call has already ended."), code="call_closed")
    return order.listener.user_id if user.pk == order.client_id else order.client_id


def calls_end_for_order(*, order: Order, now: datetime, reason: str) -> None:
    """Inside the order's lock: end its live call (the balance ran out, the session
    ended). A call that never rang through or never had media ends as it would have."""
    for call in Call.objects.filter(order=order, state__in=Call.LIVE_STATES):
        if call.state == Call.State.RINGING:
            _finish(call, order, state=Call.State.MISSED, now=now, reason=reason)
        else:
            _finish(call, order, state=Call.State.ENDED, now=now, reason=reason)


def call_timeout_sweep(*, now: datetime | None = None) -> int:
    """Beat (`sessions.calls_sweep`): missed and failed calls, and live calls of sessions
    that ended or paused. Each call in its order's lock. Returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    order_ids = (
        Call.objects.filter(state__in=Call.LIVE_STATES)
        .values_list("order_id", flat=True)
        .distinct()
    )
    for order_id in list(order_ids):
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(of=("self",))
                .select_related("listener", "tier")
                .get(pk=order_id)
            )
            before = Call.objects.filter(order=order, state__in=Call.LIVE_STATES).count()
            if order.state != Order.State.ACTIVE:
                calls_end_for_order(order=order, now=now, reason="session")
            elif order.paused_at is not None:
                calls_end_for_order(order=order, now=now, reason="balance")
            else:
                _expire_stale(order, now=now)
            closed += before - Call.objects.filter(order=order, state__in=Call.LIVE_STATES).count()
    return closed


def calls_for_page(*, order: Order) -> dict:
    """What the chat page needs at load: the kinds offered and the live call, if any."""
    live = Call.objects.filter(order=order, state__in=Call.LIVE_STATES).first()
    return {"kinds": list(call_kinds_for(order)), "live": call_frame(live, order) if live else None}


# --- Reporting a call (docs/chat.md "Reporting a call") ----------------------------------

MAX_REPORT_NOTE_CHARS = 2000


def _report_note(*, reason: str, note: object) -> str:
    if note is not None and not isinstance(note, str):
        raise DomainError(_("The note must be text."), code="note_invalid")
    note = (note or "").strip()
    if reason == MessageFlag.ReportReason.OTHER and not note:
        raise DomainError(_("Say in a few words what happened."), code="note_required")
    if len(note) > MAX_REPORT_NOTE_CHARS:
        raise DomainError(
            _("A note can be at most %(max)d characters.") % {"max": MAX_REPORT_NOTE_CHARS},
            code="note_too_long",
        )
    return note


def _call_entry(call: Call) -> Message | None:
    """The call's last transcript entry (how it ended, with its duration): the one its
    parameters name, or, for an entry written before they did, the one of its end."""
    return (
        Message.objects.filter(
            order_id=call.order_id, kind=Message.Kind.SYSTEM, system_code__startswith="call_"
        )
        .filter(Q(system_params__call=call.pk) | Q(created_at=call.ended_at))
        .order_by("-seq")
        .first()
    )


def call_report(
    *,
    user: object,
    order_id: int,
    call_id: object,
    reason: object,
    note: object = "",
    now: datetime | None = None,
) -> MessageFlag:
    """Either party reports an ended call of their session to staff, from its transcript
    entry: a `call_report` flag on that entry, naming the call, who reported it, why and
    their note. Staff see it on the safety desk and on the session's staff transcript;
    the other party is not told. NotFound for a session or call that is not the user's;
    DomainError for a bad reason or note; CallRefused (`call_live`, `already_reported`)
    for a call still under way or reported before. Nothing is written on a refusal."""
    user_id = getattr(user, "pk", None)
    order = (
        Order.objects.select_related("listener").filter(pk=order_id).first()
        if user_id is not None
        else None
    )
    if order is None or user_id not in (order.client_id, order.listener.user_id):
        raise NotFound(_("No such session."))
    call = _call_of(order, call_id)
    if reason not in MessageFlag.ReportReason.values:
        raise DomainError(_("Choose what happened on the call."), code="reason_invalid")
    clean_note = _report_note(reason=str(reason), note=note)
    if call.state in Call.LIVE_STATES:
        raise CallRefused(_("You can report this call once it has ended."), code="call_live")
    already = CallRefused(
        _("You have already reported this call. Staff will look at it."),
        code="already_reported",
    )
    if MessageFlag.objects.filter(
        kind=MessageFlag.Kind.CALL_REPORT, call=call, reported_by_id=user_id
    ).exists():
        raise already
    entry = _call_entry(call)
    if entry is None:  # every ended call has its entry; a hand-edited database may not
        raise NotFound(_("No such call."))
    try:
        with transaction.atomic():
            return MessageFlag.objects.create(
                message=entry,
                order=order,
                listener_id=order.listener_id,
                sender_role="client" if user_id == order.client_id else "listener",
                kind=MessageFlag.Kind.CALL_REPORT,
                call=call,
                reported_by_id=user_id,
                reason=reason,
                note=clean_note,
                created_at=now or timezone.now(),
            )
    except IntegrityError as exc:  # the same report sent twice at once
        raise already from exc


def calls_reported_by(*, user_id: int, order_ids: list[int]) -> list[int]:
    """The calls of these sessions this user has reported (the pages mark their entries)."""
    return sorted(
        MessageFlag.objects.filter(
            kind=MessageFlag.Kind.CALL_REPORT, reported_by_id=user_id, order_id__in=order_ids
        ).values_list("call_id", flat=True)
    )


def calls_ringing_for(*, user_id: int, now: datetime) -> list[events.Frame]:
    """The `call.state` frames of calls ringing for this user (rung by the other party of
    one of their running sessions, not yet missed), in one query: the ring notice of a
    page loaded while they ring."""
    ringing = (
        Call.objects.filter(
            Q(order__client_id=user_id) | Q(order__listener__user_id=user_id),
            order__state=Order.State.ACTIVE,
            state=Call.State.RINGING,
            started_at__gt=now - timedelta(seconds=RING_SECONDS),
        )
        .exclude(started_by_id=user_id)
        .select_related("order", "order__client", "order__listener")
        .order_by("started_at", "pk")
    )
    return [call_frame(call, call.order) for call in ringing]
