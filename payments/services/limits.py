"""Clients' self-set time limits, beside the monthly budget (`budget.py`).

Three limits, each optional, in minutes: hours per week, night hours per week (night is the
platform's night window, `NIGHT_WINDOW_START`-`NIGHT_WINDOW_END`, Asia/Shanghai) and the
longest single session. As with the budget, lowering (or setting a first limit) applies at
once; raising or removing waits `LIMIT_RAISE_DELAY_HOURS`, and asking again restarts that
wait, so it cannot be skipped by asking twice.

This module takes ids and figures and returns outcomes: the booking side
(`sessions.services.booking_guards`) counts what the client already booked in the week and
calls `booking_limits_check`. A week runs Monday 00:00 to Monday 00:00, Asia/Shanghai.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from listeners.pricing import night_window_for
from marketplace.timezones import display_localtime
from payments.exceptions import InvalidAmount, LimitExceeded
from payments.models import ClientLimit
from payments.services.budget import BUDGET_RAISE_DELAY_HOURS

LIMIT_RAISE_DELAY_HOURS = BUDGET_RAISE_DELAY_HOURS
Kind = ClientLimit.Kind
# The largest value each limit takes (a week has 168 hours, 56 of them at night).
MAX_MINUTES = {
    Kind.WEEKLY_MINUTES: 168 * 60,
    Kind.NIGHT_MINUTES: 7 * 8 * 60,
    Kind.SESSION_MINUTES: 24 * 60,
}


@dataclass(frozen=True)
class LimitView:
    kind: str
    minutes: int | None  # what applies now; None: no limit
    pending_minutes: int | None
    pending_remove: bool
    pending_effective_at: datetime | None  # only while still in the future

    @property
    def has_pending(self) -> bool:
        return self.pending_effective_at is not None


def week_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    monday = local - timedelta(days=local.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


def night_minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes of [start, end) inside the platform's night window (Asia/Shanghai)."""
    if end <= start:
        return 0
    night_start, night_end = night_window_for(None)
    if night_start == night_end:
        return 0
    tz = timezone.get_current_timezone()
    local_start = timezone.localtime(start, tz)
    seconds = 0.0
    day = local_start.date() - timedelta(days=1)
    while True:
        opens = datetime.combine(day, night_start, tzinfo=tz)
        if opens >= end:
            break
        closes_day = day + timedelta(days=1) if night_end <= night_start else day
        closes = datetime.combine(closes_day, night_end, tzinfo=tz)
        overlap = (min(end, closes) - max(start, opens)).total_seconds()
        if overlap > 0:
            seconds += overlap
        day += timedelta(days=1)
    return round(seconds / 60)


def _effective(row: ClientLimit, now: datetime) -> LimitView:
    due = row.pending_effective_at is not None and row.pending_effective_at <= now
    if due:
        minutes = None if row.pending_remove else row.pending_minutes
        return LimitView(row.kind, minutes, None, False, None)
    return LimitView(
        row.kind,
        row.minutes,
        row.pending_minutes,
        row.pending_remove,
        row.pending_effective_at,
    )


def limits_for_client(*, client_id: int, now: datetime | None = None) -> dict[str, LimitView]:
    """Every kind, with what applies at `now` (a due raise counts without being written)."""
    now = now or timezone.now()
    rows = {row.kind: row for row in ClientLimit.objects.filter(client_id=client_id)}
    return {
        kind: _effective(rows[kind], now)
        if kind in rows
        else LimitView(kind, None, None, False, None)
        for kind in Kind.values
    }


def limit_minutes_valid(kind: str, minutes: int | None) -> None:
    if kind not in Kind.values:
        raise InvalidAmount(_("Choose a limit."), code="limit_kind_invalid")
    if minutes is None:
        return
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise InvalidAmount(_("A limit is a whole number, zero or more."), code="limit_invalid")
    if minutes > MAX_MINUTES[kind]:
        raise InvalidAmount(_("This limit is larger than the time there is."), code="limit_invalid")


def limit_set(
    *, client_id: int, kind: str, minutes: int | None, now: datetime | None = None
) -> LimitView:
    """Set (or with None remove) one limit. Lower: now. Higher or removed: in 24 h.
    The row is locked, so two requests cannot interleave."""
    now = now or timezone.now()
    limit_minutes_valid(kind, minutes)
    with transaction.atomic():
        return _limit_set_locked(client_id=client_id, kind=kind, minutes=minutes, now=now)


def _limit_set_locked(
    *, client_id: int, kind: str, minutes: int | None, now: datetime
) -> LimitView:
    row, _created = ClientLimit.objects.select_for_update().get_or_create(
        client_id=client_id, kind=kind
    )
    current = _effective(row, now).minutes
    if minutes is not None and (current is None or minutes <= current):
        row.minutes = minutes
        row.pending_minutes = None
        row.pending_remove = False
        row.pending_effective_at = None
    elif minutes is None and current is None:
        row.minutes = None  # nothing to remove; a pending raise is dropped
        row.pending_minutes = None
        row.pending_remove = False
        row.pending_effective_at = None
    else:
        row.minutes = current
        row.pending_minutes = minutes
        row.pending_remove = minutes is None
        row.pending_effective_at = now + timedelta(hours=LIMIT_RAISE_DELAY_HOURS)
    row.updated_at = now
    row.save()
    return _effective(row, now)


def _hours(minutes: int) -> str:
    hours = minutes / 60
    return f"{hours:g}" if hours == int(hours) else f"{hours:.1f}"


def booking_limits_check(
    *,
    client_id: int,
    minutes: int,
    night_minutes: int,
    week_minutes: int,
    week_night_minutes: int,
    week_starts_at: datetime,
    now: datetime | None = None,
) -> None:
    """Refuse a booking of `minutes` (`night_minutes` of them at night) that would pass one
    of the client's limits, given what is already booked in the session's week. The message
    names the limit and when it resets."""
    limits = limits_for_client(client_id=client_id, now=now)
    resets = date_format(
        display_localtime(week_starts_at + timedelta(days=7)), "Y-m-d H:i", use_l10n=False
    )
    session = limits[Kind.SESSION_MINUTES].minutes
    if session is not None and minutes > session:
        raise LimitExceeded(
            _(
                "Your own limit for one session is %(limit)s minutes; this booking is "
                "%(minutes)s minutes. Choose a shorter session, or change the limit on "
                "your limits page (a higher limit applies after 24 hours)."
            )
            % {"limit": session, "minutes": minutes},
            code="limit_session_minutes",
        )
    weekly = limits[Kind.WEEKLY_MINUTES].minutes
    if weekly is not None and week_minutes + minutes > weekly:
        raise LimitExceeded(
            _(
                "This booking would pass your own limit of %(limit)s hours a week "
                "(%(left)s hours left that week). The limit resets on %(resets)s."
            )
            % {
                "limit": _hours(weekly),
                "left": _hours(max(weekly - week_minutes, 0)),
                "resets": resets,
            },
            code="limit_weekly_minutes",
        )
    night = limits[Kind.NIGHT_MINUTES].minutes
    if night is not None and night_minutes and week_night_minutes + night_minutes > night:
        start, end = night_window_for(None)
        raise LimitExceeded(
            _(
                "This booking would pass your own limit of %(limit)s night hours a week "
                "(%(start)s-%(end)s; %(left)s hours left that week). The limit resets on "
                "%(resets)s."
            )
            % {
                "limit": _hours(night),
                "left": _hours(max(night - week_night_minutes, 0)),
                "start": start.strftime("%H:%M"),
                "end": end.strftime("%H:%M"),
                "resets": resets,
            },
            code="limit_night_minutes",
        )
