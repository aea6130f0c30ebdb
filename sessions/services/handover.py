"""Hand-over (转单): the listener of an active session proposes handing it to another
listener; the client accepts or declines in the chat.

- In a team, the session goes to a teammate: online, below their concurrent-chat cap,
  receiving orders (on shift, not in a cool-down, within their limits: the same
  `listener_workload` that booking and team routing read). The client is asked at once.
- Without a team, to another online listener who passes the same checks; that listener
  accepts first on their dashboard, then the client is asked.
- A proposal is answered within HANDOVER_ANSWER_SECONDS at each step, or it lapses
  (recorded by the beat job `handovers_expire_sweep` or the next hand-over call on the
  order, whichever comes first; the chat page hides the card at the deadline). Not while
  a call rings or runs in the session. One proposal is open per order at a time. A
  declined or lapsed proposal changes nothing but its own row, which is also its audit
  record.

On the client's acceptance, in one transaction under the order's row lock (then the
listener rows): deadlines already missed are recorded against the previous listener
(`clocks_catch_up`), the new listener's availability is checked again, the order's
listener becomes the new one, an open reply clock moves to them with its deadline
unchanged (no breach for the hand-over itself if they reply in time), the order's payees
in payments get the new listener from this moment (settlement splits the listener share
by the time each served), a system message is posted, and every socket of the three
people gets the new session state (the new listener's join the session and resync its
whole transcript; the previous listener's leave it).
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from listeners.models import ListenerProfile, TeamMembership
from listeners.pricing import minute_is_night, night_window_for
from listeners.services import team_of
from marketplace.exceptions import DomainError, NotFound
from marketplace.models import User
from payments.models import OrderPayee
from payments.services.payees import listener_team_terms, order_payee_add
from sessions import events
from sessions.models import Call, Handover, Order
from sessions.services import clocks, presence
from sessions.services.orders import chat_slots_taken
from sessions.services.transcript import system_message_post
from sessions.services.workload import Reason, listener_workload, reason_text

HANDOVER_ANSWER_SECONDS = 120

HANDOVER_TEXTS = {
    "handover_proposed": gettext_noop(
        "%(from)s proposes handing this chat to %(to)s. The client decides."
    ),
    "handover_accepted": gettext_noop("The chat was handed over to %(to)s."),
    "handover_declined": gettext_noop("The client kept the chat with %(from)s."),
}


class HandoverRefused(DomainError):
    code = "handover_refused"
    status = 409


def _locked_order_for(*, user: User, order_id: object) -> Order:
    """The order row locked, if `user` is one of its parties; else NotFound."""
    if isinstance(order_id, bool) or not str(order_id).isdigit():
        raise NotFound(_("No such session."))
    order = _lock_order(order_id=int(str(order_id)))
    if order is None or user.pk not in (order.client_id, order.listener.user_id):
        raise NotFound(_("No such session."))
    return order


def _lock_order(*, order_id: int) -> Order | None:
    """The order row locked, then read with its listener and client. Locked alone first:
    a lock that waited on a hand-over re-checks only the order's own row, so a join to
    the listener it had before would drop the row."""
    if not Order.objects.select_for_update().filter(pk=order_id).exists():
        return None
    return Order.objects.select_related("listener", "client").get(pk=order_id)


def _lapse_stale(*, order: Order, now: datetime) -> int:
    """Record the lapse of the order's proposals past their deadline (under its lock)."""
    lapsed = 0
    for handover in Handover.objects.filter(
        order=order, state__in=Handover.OPEN_STATES, expires_at__lte=now
    ).select_related("from_listener", "to_listener"):
        handover.state = Handover.State.EXPIRED
        handover.answered_at = handover.expires_at
        handover.save(update_fields=["state", "answered_at"])
        _announce(handover, order=order)
        lapsed += 1
    return lapsed


def _announce(handover: Handover, *, order: Order) -> None:
    frame = events.handover_frame(handover, order=order)
    events.send_on_commit(events.order_group(order.pk), frame)
    # The listener asked is not in the session's group (yet).
    events.send_on_commit(events.user_group(handover.to_listener.user_id), frame)


def _check_available(*, target: ListenerProfile, now: datetime) -> None:
    """Refuse (HandoverRefused) a listener who could not take this chat now."""
    name = target.display_name
    workload = listener_workload(listener=target, now=now)
    if Reason.COOLDOWN in workload.reasons:
        raise HandoverRefused(
            _("%(name)s is taking a break and cannot take a chat now.") % {"name": name},
            code="handover_cooldown",
        )
    if Reason.OFF_SHIFT in workload.reasons:
        raise HandoverRefused(
            _("%(name)s is not on shift now.") % {"name": name}, code="handover_off_shift"
        )
    if workload.reasons:
        raise HandoverRefused(
            _("%(name)s cannot take a chat now: %(why)s")
            % {"name": name, "why": reason_text(workload.reasons[0], workload)},
            code="handover_limit",
        )
    if not target.takes_night_orders and minute_is_night(now, night_window_for(target)):
        raise HandoverRefused(
            _("%(name)s does not take chats at night.") % {"name": name},
            code="handover_no_nights",
        )
    if chat_slots_taken(listener_id=target.pk, now=now).count() >= target.max_concurrent_chats:
        raise HandoverRefused(
            _("%(name)s already has as many chats as they can take.") % {"name": name},
            code="handover_full",
        )
    if target.presence == ListenerProfile.Presence.OFFLINE:
        raise HandoverRefused(_("%(name)s is offline.") % {"name": name}, code="handover_offline")
    if target.presence != ListenerProfile.Presence.ONLINE:
        raise HandoverRefused(
            _("%(name)s is busy and not taking chats now.") % {"name": name},
            code="handover_busy",
        )


def _check_no_call(*, order: Order) -> None:
    if Call.objects.filter(order=order, state__in=Call.LIVE_STATES).exists():
        raise HandoverRefused(
            _("A call is ringing or running in this session; hand it over after the call."),
            code="handover_call_live",
        )


def _listener_id(value: object) -> int:
    if isinstance(value, bool) or not str(value).isdigit():
        raise HandoverRefused(_("Choose the listener to hand the chat to."), code="handover_whom")
    return int(str(value))


def handover_candidates(*, listener: ListenerProfile) -> list[ListenerProfile]:
    """Whom the dashboard offers: the listener's teammates, or (without a team) the other
    approved listeners online now. Availability is checked when proposing."""
    my_team = TeamMembership.objects.filter(listener=listener).values("team_id")
    people = (
        ListenerProfile.objects.filter(verification=ListenerProfile.Verification.APPROVED)
        .exclude(pk=listener.pk)
        .filter(
            Q(team_membership__team_id__in=my_team)
            | (Q(presence=ListenerProfile.Presence.ONLINE) & ~Exists(my_team))
        )
    )
    return list(people.order_by("display_name", "id")[:50])  # one query


def handover_propose(
    *, user: User, order_id: object, to_listener_id: object, now: datetime | None = None
) -> Handover:
    """The session's listener proposes handing it to `to_listener_id`."""
    target_id = _listener_id(to_listener_id)
    with transaction.atomic():
        order = _locked_order_for(user=user, order_id=order_id)
        now = now or timezone.now()
        if order.listener.user_id != user.pk:
            raise HandoverRefused(
                _("Only the session's listener can hand it over."), code="handover_not_yours"
            )
        if order.state != Order.State.ACTIVE:
            raise HandoverRefused(_("This session is not running."), code="session_closed")
        _lapse_stale(order=order, now=now)
        _check_no_call(order=order)
        if Handover.objects.filter(order=order, state__in=Handover.OPEN_STATES).exists():
            raise HandoverRefused(
                _("A hand-over of this session is already waiting for an answer."),
                code="handover_pending",
            )
        if target_id == order.listener_id:
            raise HandoverRefused(
                _("You cannot hand a chat over to yourself."), code="handover_self"
            )
        target = (
            ListenerProfile.objects.select_related("user")
            .filter(pk=target_id, verification=ListenerProfile.Verification.APPROVED)
            .exclude(user_id=order.client_id)
            .first()
        )
        if target is None:
            raise HandoverRefused(_("No such listener."), code="handover_no_listener")
        team = team_of(order.listener)
        if team is not None and team_of(target) != team:
            raise HandoverRefused(
                _("%(name)s is not in your team.") % {"name": target.display_name},
                code="handover_not_teammate",
            )
        _check_available(target=target, now=now)
        handover = Handover.objects.create(
            order=order,
            from_listener=order.listener,
            to_listener=target,
            within_team=team is not None,
            state=Handover.State.PROPOSED if team is not None else Handover.State.WAITING_LISTENER,
            proposed_at=now,
            expires_at=now + timedelta(seconds=HANDOVER_ANSWER_SECONDS),
        )
        if handover.state == Handover.State.PROPOSED:
            _post(order=order, handover=handover, code="handover_proposed", now=now)
        _announce(handover, order=order)
    return handover


def _post(*, order: Order, handover: Handover, code: str, now: datetime) -> None:
    system_message_post(
        order=order,
        code=code,
        text=HANDOVER_TEXTS[code],
        params={
            "from": handover.from_listener.display_name,
            "to": handover.to_listener.display_name,
        },
        now=now,
    )


def _open_handover(*, order: Order, handover_id: object) -> Handover:
    if isinstance(handover_id, bool) or not str(handover_id).isdigit():
        raise NotFound(_("No such hand-over."))
    handover = (
        Handover.objects.select_related("from_listener", "to_listener")
        .filter(pk=int(str(handover_id)), order=order)
        .first()
    )
    if handover is None:
        raise NotFound(_("No such hand-over."))
    return handover


def handover_listener_answer(
    *, user: User, handover_id: object, accept: bool, now: datetime | None = None
) -> Handover:
    """Without a team: the listener asked accepts (the client is asked next) or declines.
    A hand-over not addressed to `user` is NotFound."""
    if isinstance(handover_id, bool) or not str(handover_id).isdigit():
        raise NotFound(_("No such hand-over."))
    order_id = (
        Handover.objects.filter(pk=int(str(handover_id)), to_listener__user=user)
        .values_list("order_id", flat=True)
        .first()
    )
    if order_id is None:
        raise NotFound(_("No such hand-over."))
    with transaction.atomic():
        order = _lock_order(order_id=order_id)
        if order is None:
            raise NotFound(_("No such hand-over."))
        now = now or timezone.now()
        _lapse_stale(order=order, now=now)
        handover = _open_handover(order=order, handover_id=handover_id)
        if handover.state != Handover.State.WAITING_LISTENER:
            raise HandoverRefused(
                _("This hand-over was already answered or has lapsed."), code="handover_closed"
            )
        if order.state != Order.State.ACTIVE or order.listener_id != handover.from_listener_id:
            raise HandoverRefused(_("This session is not running."), code="session_closed")
        handover.listener_answered_at = now
        if not accept:
            handover.state = Handover.State.DECLINED
            handover.answered_at = now
            handover.answered_by = user
            handover.save(
                update_fields=["state", "listener_answered_at", "answered_at", "answered_by"]
            )
            _announce(handover, order=order)
            return handover
        target = ListenerProfile.objects.select_for_update().get(pk=handover.to_listener_id)
        _check_available(target=target, now=now)
        handover.state = Handover.State.PROPOSED
        handover.expires_at = now + timedelta(seconds=HANDOVER_ANSWER_SECONDS)
        handover.save(update_fields=["state", "listener_answered_at", "expires_at"])
        _post(order=order, handover=handover, code="handover_proposed", now=now)
        _announce(handover, order=order)
    return handover


def handover_answer(
    *,
    user: User,
    order_id: object,
    handover_id: object,
    accept: bool,
    now: datetime | None = None,
) -> Handover:
    """The client accepts or declines the proposal. Someone else's session is NotFound."""
    with transaction.atomic():
        order = _locked_order_for(user=user, order_id=order_id)
        now = now or timezone.now()
        if order.client_id != user.pk:
            raise HandoverRefused(
                _("Only the client can answer a hand-over."), code="handover_not_yours"
            )
        _lapse_stale(order=order, now=now)
        handover = _open_handover(order=order, handover_id=handover_id)
        if handover.state != Handover.State.PROPOSED:
            raise HandoverRefused(
                _("This hand-over was already answered or has lapsed."), code="handover_closed"
            )
        if order.state != Order.State.ACTIVE or order.listener_id != handover.from_listener_id:
            raise HandoverRefused(_("This session is not running."), code="session_closed")
        handover.answered_at = now
        handover.answered_by = user
        if not accept:
            handover.state = Handover.State.DECLINED
            handover.save(update_fields=["state", "answered_at", "answered_by"])
            _post(order=order, handover=handover, code="handover_declined", now=now)
            _announce(handover, order=order)
            return handover
        _check_no_call(order=order)
        target = ListenerProfile.objects.select_for_update().get(pk=handover.to_listener_id)
        _check_available(target=target, now=now)
        # Deadlines already passed were the previous listener's to meet.
        clock = clocks.clocks_catch_up(order=order, now=now)
        order.refresh_from_db(fields=["state", "ends_at", "ended_at"])
        if order.state != Order.State.ACTIVE:
            raise HandoverRefused(_("This session is not running."), code="session_closed")
        previous = order.listener
        _payees_record(order=order, previous=previous, target=target, now=now)
        Order.objects.filter(pk=order.pk).update(listener=target)
        order.listener = target
        if clock is not None:
            clock.listener_id = target.pk
            clock.save(update_fields=["listener"])
        handover.state = Handover.State.ACCEPTED
        handover.save(update_fields=["state", "answered_at", "answered_by"])
        _post(order=order, handover=handover, code="handover_accepted", now=now)
        _announce(handover, order=order)
        # The new listener's sockets join the session on this frame (and resync it whole);
        # the previous listener's leave it on the `handover` frame above.
        state = events.session_state_frame(order)
        for user_id in (order.client_id, target.user_id):
            events.send_on_commit(events.user_group(user_id), state)
        for listener_id in (previous.pk, target.pk):
            transaction.on_commit(
                functools.partial(presence.presence_refresh, listener_id=listener_id)
            )
    return handover


def _payees_record(
    *, order: Order, previous: ListenerProfile, target: ListenerProfile, now: datetime
) -> None:
    """Tell payments who earns the order from when (each with their team's share now)."""

    def add(listener: ListenerProfile, since: datetime) -> None:
        team_id, percent = listener_team_terms(listener_id=listener.pk)
        order_payee_add(
            order_id=order.pk,
            listener_id=listener.pk,
            since=since,
            team_id=team_id,
            team_percent=percent,
        )

    if not OrderPayee.objects.filter(order_id=order.pk).exists():
        add(previous, order.activated_at or order.starts_at)
    add(target, now)


def handovers_expire_sweep(*, now: datetime | None = None, limit: int = 200) -> int:
    """Beat: record the lapse of proposals nobody answered in time (the calls on an order
    also notice it; this makes every row's outcome final and hides the client's card).
    Idempotent: a lapse already recorded is not open any more. Returns lapses recorded."""
    now = now or timezone.now()
    order_ids = list(
        Handover.objects.filter(state__in=Handover.OPEN_STATES, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("order_id", flat=True)[:limit]
    )
    lapsed = 0
    for order_id in dict.fromkeys(order_ids):
        with transaction.atomic():
            order = _lock_order(order_id=order_id)
            if order is not None:
                lapsed += _lapse_stale(order=order, now=now)
    return lapsed


def handover_frames_for_sync(order: Order) -> list[events.Frame]:
    """For a resyncing socket: the open proposal on an active session, if any."""
    if order.state != Order.State.ACTIVE:
        return []
    now = timezone.now()
    handover = (
        Handover.objects.select_related("from_listener", "to_listener", "order__client")
        .filter(order=order, state__in=Handover.OPEN_STATES, expires_at__gt=now)
        .first()
    )
    return [events.handover_frame(handover, order=handover.order)] if handover else []


def handover_pending(*, order: Order, now: datetime | None = None) -> Handover | None:
    """The proposal waiting for the client on this order, if any (for the chat page)."""
    now = now or timezone.now()
    return (
        Handover.objects.select_related("from_listener", "to_listener")
        .filter(order=order, state=Handover.State.PROPOSED, expires_at__gt=now)
        .first()
    )


def handovers_waiting_for(
    *, listener: ListenerProfile, now: datetime | None = None
) -> list[Handover]:
    """Proposals (without a team) waiting for this listener's answer (for the dashboard)."""
    now = now or timezone.now()
    return list(
        Handover.objects.select_related("from_listener", "order", "order__client").filter(
            to_listener=listener, state=Handover.State.WAITING_LISTENER, expires_at__gt=now
        )
    )
