"""A live session starting, ending on time, ending early, or being terminated.

Each change goes through `order_transition` (the order's row lock and transition table),
writes its system message in the same transaction, and tells both sides after commit.
`sessions_due_sweep` is what the beat job runs: it starts and ends sessions on time even
when nobody is connected, and is safe to run twice or concurrently (a lost race is an
InvalidTransition, which it skips).

What happens to the money when a session ends (settlement, pro-rata refunds of unused
time) belongs to the order and payment services, which read `ended_at` and `end_reason`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from marketplace.exceptions import DomainError, NotFound
from marketplace.models import User
from payments.models import Refund
from payments.services.refunds import order_refund_full, refund_submit_on_commit
from sessions import events
from sessions.exceptions import InvalidTransition
from sessions.models import Order
from sessions.selectors.plans import PLAN_DAY_MISSED_REASON, plan_day_missed

# clocks <-> lifecycle name each other: the end of a session stops its reply clock, and a
# streak of missed replies ends the session. Module imports, used at call time, allow it.
from sessions.services import clocks, presence
from sessions.services.transcript import system_message_post
from sessions.services.transitions import order_lock, order_transition

logger = logging.getLogger(__name__)

# System message texts (English source; pages show the translation for the code).
SYSTEM_TEXTS = {
    "started": gettext_noop("The session has started."),
    "time_over": gettext_noop("Service time is over."),
    "client_ended": gettext_noop("The client ended the session."),
    "listener_ended": gettext_noop("The listener ended the session. The unused time is refunded."),
    "terminated": gettext_noop("The session was ended by the platform."),
    "balance_out": gettext_noop(
        "The balance ran out and the grace period passed, so the session has ended."
    ),
    "plan_day_missed": gettext_noop(
        "The listener did not write during this plan day, so the day is refunded to the "
        "client's wallet."
    ),
    "limit_reached": gettext_noop(
        "The client's own time limit is reached, so the session has ended. Nothing more is charged."
    ),
    "terminated_missed_replies": gettext_noop(
        "The listener missed too many replies in a row, so the session has ended. "
        "The unused time is refunded."
    ),
}

END_REASON_TIME_OVER = "time_over"
END_REASON_CLIENT_ENDED = "client_ended"
END_REASON_LISTENER_ENDED = "listener_ended"
END_REASON_BALANCE_OUT = "balance_out"
END_REASON_LIMIT_REACHED = "limit_reached"


def _announce(order: Order) -> None:
    """After commit: the new state to every socket of both parties (sockets that were
    not yet subscribed to the session join it on this frame)."""
    frame = events.session_state_frame(order)
    for user_id in (order.client_id, order.listener.user_id):
        events.send_on_commit(events.user_group(user_id), frame)
    listener_id = order.listener_id
    transaction.on_commit(lambda: presence.presence_refresh(listener_id=listener_id))


def session_activate(*, order_id: int, now: datetime | None = None) -> Order:
    """ACCEPTED -> ACTIVE once the start time has come."""
    now = now or timezone.now()
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.state == Order.State.ACCEPTED and order.starts_at > now:
            raise DomainError(_("This session has not started yet."), code="not_started")
        fields = {}
        if order.kind == Order.Kind.METERED:
            # The minutes charged start counting when the chat starts, not at booking.
            fields["ends_at"] = now + timedelta(minutes=order.minutes)
        order = order_transition(order_id=order_id, to=Order.State.ACTIVE, now=now, **fields)
        order = Order.objects.select_related("listener").get(pk=order.pk)
        system_message_post(order=order, code="started", text=SYSTEM_TEXTS["started"], now=now)
        _announce(order)
    return order


def _end(
    *,
    order_id: int,
    to: str,
    code: str,
    reason: str,
    now: datetime,
    check: Callable[[Order], None] | None = None,
    money: Callable[[Order], None] | None = None,
    ended_at: datetime | None = None,
) -> Order:
    """End the session at `ended_at` (default `now`); the system message is posted `now`;
    `money(order)` books what the end owes, inside the same transaction."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if check is not None:
            check(order)
        order = order_transition(
            order_id=order_id, to=to, now=ended_at or now, end_reason=reason[:200]
        )
        order = Order.objects.select_related("listener").get(pk=order.pk)
        system_message_post(order=order, code=code, text=SYSTEM_TEXTS[code], now=now)
        clocks.step_stop_clocks(order)
        if money is not None:
            money(order)  # e.g. the early end's refund, reserved with the end
        _announce(order)
    return order


def session_complete(*, order_id: int, now: datetime | None = None) -> Order:
    """ACTIVE -> COMPLETED at the end time, with the "service time is over" message. A plan
    day in which the listener wrote nothing was not delivered: it ends TERMINATED instead
    and its whole price goes back to the client's wallet."""
    now = now or timezone.now()

    def check(order: Order) -> None:
        if order.state == Order.State.ACTIVE and order.ends_at > now:
            raise DomainError(_("This session has time left."), code="not_over")

    missed = plan_day_missed(order=Order.objects.select_related("listener").get(pk=order_id))
    return _end(
        order_id=order_id,
        to=Order.State.TERMINATED if missed else Order.State.COMPLETED,
        code="plan_day_missed" if missed else "time_over",
        reason=PLAN_DAY_MISSED_REASON if missed else END_REASON_TIME_OVER,
        now=now,
        check=check,
        money=_refund_all_missed_day if missed else None,
    )


def _refund_all_missed_day(order: Order) -> None:
    refund = order_refund_full(
        order=order, cause=Refund.Cause.PLAN_DAY_MISSED, reason="the listener missed the day"
    )
    if refund is not None:
        refund_submit_on_commit(refund_id=refund.pk)


def session_end_early(*, user: User, order_id: int, now: datetime | None = None) -> Order:
    """The client ends an active session before its end time."""
    now = now or timezone.now()

    from sessions.services.early_end import early_end_refund_reserve

    def check(order: Order) -> None:
        if order.client_id != user.pk:
            raise NotFound(_("No such session."))

    return _end(
        order_id=order_id,
        to=Order.State.COMPLETED,
        code="client_ended",
        reason=END_REASON_CLIENT_ENDED,
        now=now,
        check=check,
        money=lambda order: early_end_refund_reserve(order=order, by_listener=False),
    )


def session_end_by_listener(*, user: User, order_id: int, now: datetime | None = None) -> Order:
    """The listener ends an active session before its end time: all unused time is
    refunded to the client."""
    from sessions.services.early_end import early_end_refund_reserve

    now = now or timezone.now()

    def check(order: Order) -> None:
        if order.listener.user_id != user.pk:
            raise NotFound(_("No such session."))

    return _end(
        order_id=order_id,
        to=Order.State.COMPLETED,
        code="listener_ended",
        reason=END_REASON_LISTENER_ENDED,
        now=now,
        check=check,
        money=lambda order: early_end_refund_reserve(order=order, by_listener=True),
    )


def session_end_out_of_balance(*, order_id: int, now: datetime | None = None) -> Order:
    """A paused per-minute session whose grace passed without a top-up ends normally."""
    return _end(
        order_id=order_id,
        to=Order.State.COMPLETED,
        code="balance_out",
        reason=END_REASON_BALANCE_OUT,
        now=now or timezone.now(),
    )


def session_end_at_limit(*, order_id: int, now: datetime | None = None) -> Order:
    """A per-minute session whose next minute would pass the client's own time limit
    ends at the end of the minutes paid (docs/care.md)."""
    return _end(
        order_id=order_id,
        to=Order.State.COMPLETED,
        code="limit_reached",
        reason=END_REASON_LIMIT_REACHED,
        now=now or timezone.now(),
    )


def session_terminate(
    *,
    order_id: int,
    reason: str,
    now: datetime | None = None,
    ended_at: datetime | None = None,
) -> Order:
    """ACTIVE -> TERMINATED by the platform (e.g. too many missed replies); `reason` is
    stored as the order's end_reason, and a reason with its own system text (see
    SYSTEM_TEXTS) tells both sides why. `ended_at` is when the session really ended
    when that was before it was noticed (the deadline of the miss that ended it: time
    after it was not served, and the pro-rata refund counts from there)."""
    specific = f"terminated_{reason}"
    now = now or timezone.now()
    return _end(
        order_id=order_id,
        to=Order.State.TERMINATED,
        code=specific if specific in SYSTEM_TEXTS else "terminated",
        reason=reason,
        now=now,
        ended_at=min(ended_at, now) if ended_at is not None else None,
    )


def sessions_due_sweep(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Start every accepted session whose start time has come and end every active one
    whose end time has passed. Idempotent; returns how many of each it changed."""
    now = now or timezone.now()
    done = {"activated": 0, "completed": 0}
    due_start = Order.objects.filter(state=Order.State.ACCEPTED, starts_at__lte=now).order_by(
        "starts_at"
    )
    for order_id in due_start.values_list("pk", flat=True)[:limit]:
        try:
            session_activate(order_id=order_id, now=now)
            done["activated"] += 1
        except (InvalidTransition, DomainError) as exc:
            logger.info("order %s not activated: %s", order_id, exc)
    # Per-minute sessions end by their metering (stop, or the grace after a pause), never
    # at `ends_at`, which is only the end of the minutes charged so far.
    due_end = (
        Order.objects.filter(state=Order.State.ACTIVE, ends_at__lte=now)
        .exclude(kind=Order.Kind.METERED)
        .order_by("ends_at")
    )
    for order_id in due_end.values_list("pk", flat=True)[:limit]:
        try:
            session_complete(order_id=order_id, now=now)
            done["completed"] += 1
        except (InvalidTransition, DomainError) as exc:
            logger.info("order %s not completed: %s", order_id, exc)
    return done
