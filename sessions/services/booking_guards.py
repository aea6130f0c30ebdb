"""The client's own protections, checked by every booking path (page, API, and any other
caller of `orders.order_create`; per-minute sessions and plans call it too).

One function, `booking_guards_check`: the account must not be paused (self-exclusion,
`marketplace.exclusion`), and the booking must fit the client's own time limits
(`payments.services.limits`) given what they already booked in the session's week. The
budget cap is checked beside it by `payments.services.budget.budget_check`. Call it under
the lock of the client's user row (as `order_create` does) so that two bookings cannot both
squeeze under a limit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from marketplace.exclusion import exclusion_check
from payments.exceptions import LimitExceeded
from payments.models import ClientLimit
from payments.services.budget import SPENDING_STATES
from payments.services.limits import (
    booking_limits_check,
    limits_for_client,
    night_minutes_between,
    week_start,
)
from sessions.models import Order


def booked_in_week(*, client_id: int, week_from: datetime, now: datetime) -> tuple[int, int]:
    """(minutes, night minutes) of the client's counting orders starting in that week: the
    time bought, or up to the end for a session that ended early."""
    rows = (
        Order.objects.filter(
            client_id=client_id,
            state__in=SPENDING_STATES,
            starts_at__gte=week_from,
            starts_at__lt=week_from + timedelta(days=7),
        )
        .exclude(state=Order.State.PENDING_PAYMENT, payment_deadline__lte=now)
        .values_list("starts_at", "ends_at", "ended_at")
    )
    minutes = night = 0
    for starts_at, ends_at, ended_at in rows:
        end = min(ends_at, ended_at) if ended_at else ends_at
        minutes += max(round((end - starts_at).total_seconds() / 60), 0)
        night += night_minutes_between(starts_at, end)
    return minutes, night


def booking_guards_check(
    *, client_id: int, starts_at: datetime, minutes: int, now: datetime
) -> None:
    """Refuse (AccountPaused, LimitExceeded) a booking the client's own choices rule out."""
    exclusion_check(user_id=client_id, now=now)
    week_from = week_start(starts_at)
    week_minutes, week_night = booked_in_week(client_id=client_id, week_from=week_from, now=now)
    booking_limits_check(
        client_id=client_id,
        minutes=minutes,
        night_minutes=night_minutes_between(starts_at, starts_at + timedelta(minutes=minutes)),
        week_minutes=week_minutes,
        week_night_minutes=week_night,
        week_starts_at=week_from,
        now=now,
    )


def clients_with_limits(*, client_ids: list[int]) -> set[int]:
    """Which of these clients set any time limit (the others need no check): one query."""
    return set(
        ClientLimit.objects.filter(client_id__in=client_ids).values_list("client_id", flat=True)
    )


def next_minute_check(*, order: Order, now: datetime) -> None:
    """Refuse (LimitExceeded) the next minute of a running per-minute session when it
    would pass one of the client's own limits: the week's hours, the week's night hours
    (if that minute is at night) or the longest session. The minutes charged so far
    count in the week already (the order's `ends_at`)."""
    start = order.ends_at
    week_from = week_start(start)
    week_minutes, week_night = booked_in_week(
        client_id=order.client_id, week_from=week_from, now=now
    )
    booking_limits_check(
        client_id=order.client_id,
        minutes=1,
        night_minutes=night_minutes_between(start, start + timedelta(minutes=1)),
        week_minutes=week_minutes,
        week_night_minutes=week_night,
        week_starts_at=week_from,
        now=now,
    )
    session = limits_for_client(client_id=order.client_id, now=now)[
        ClientLimit.Kind.SESSION_MINUTES
    ].minutes
    if session is not None and order.minutes + 1 > session:
        raise LimitExceeded(
            _("Your own limit for one session is %(limit)s minutes.") % {"limit": session},
            code="limit_session_minutes",
        )
