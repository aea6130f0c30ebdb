"""Whether a listener may receive new orders now: their shifts, their workload limits
and their cool-down. Read by booking (`order_create`), by presence (an online listener
who may not receive orders is shown as busy, so the catalogue's "online now" and instant
booking follow) and by the dashboard, which says why.

Everything is computed from rows and the given `now` (no stored timers): the hours come
from the listener's orders, the cool-down from their last sessions.

- Limits count the booked minutes of orders that hold or held the listener's time
  (everything but cancelled, declined and expired; unpaid ones until their deadline), by
  the order's start: per Asia/Shanghai day, per week from Monday, night minutes per week
  (the platform's night window).
- Cool-down (`LISTENER_COOLDOWN_MINUTES`): after a session that had a crisis escalation,
  from its end; after `LISTENER_CONTINUOUS_WORK_HOURS` of continuous work (sessions with
  gaps shorter than the cool-down count as one run), from the end of the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from listeners.models import ListenerProfile
from listeners.services import Limits, listener_limits
from listeners.shifts import Period, covers, current_shift, next_shift
from marketplace.timezones import display_localtime
from payments.services.limits import night_minutes_between, week_start
from sessions.models import Escalation, Order

NOT_WORKING = (Order.State.CANCELLED, Order.State.DECLINED, Order.State.EXPIRED)


class Reason:
    """Why a listener does not receive new orders (codes, also the booking refusals')."""

    OFF_SHIFT = "off_shift"
    COOLDOWN = "listener_cooldown"
    DAY_LIMIT = "listener_day_limit"
    WEEK_LIMIT = "listener_week_limit"
    NIGHT_LIMIT = "listener_night_limit"


@dataclass(frozen=True)
class Workload:
    has_schedule: bool
    current_shift: Period | None
    next_shift: Period | None
    minutes_day: int
    minutes_week: int
    night_minutes_week: int
    limits: Limits
    cooldown_until: datetime | None
    cooldown_after_crisis: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def on_shift(self) -> bool:
        return not self.has_schedule or self.current_shift is not None

    @property
    def takes_orders(self) -> bool:
        return not self.reasons


def _day_start(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def _booked(*, listener_id: int, since: datetime, until: datetime, now: datetime):
    """(starts_at, end) of the listener's working orders starting in [since, until)."""
    rows = (
        Order.objects.filter(listener_id=listener_id, starts_at__gte=since, starts_at__lt=until)
        .exclude(state__in=NOT_WORKING)
        .exclude(state=Order.State.PENDING_PAYMENT, payment_deadline__lte=now)
        .values_list("starts_at", "ends_at", "ended_at")
    )
    return [(s, min(e, ended) if ended else e) for s, e, ended in rows]


def _minutes(periods) -> int:
    return sum(max(round((end - start).total_seconds() / 60), 0) for start, end in periods)


def _cooldown(*, listener_id: int, now: datetime) -> tuple[datetime | None, bool]:
    """(until, after a crisis) of a cool-down running at `now`, else (None, False)."""
    pause = timedelta(minutes=settings.LISTENER_COOLDOWN_MINUTES)
    crisis_end = (
        Escalation.objects.filter(
            listener_id=listener_id, order__ended_at__gt=now - pause, order__ended_at__lte=now
        )
        .order_by("-order__ended_at")
        .values_list("order__ended_at", flat=True)
        .first()
    )
    if crisis_end is not None:
        return crisis_end + pause, True
    run = timedelta(hours=settings.LISTENER_CONTINUOUS_WORK_HOURS)
    served = Order.objects.filter(listener_id=listener_id, starts_at__lt=now).filter(
        Q(state=Order.State.ACTIVE) | Q(ended_at__gt=now - run - pause * 2 - timedelta(days=1))
    )
    periods = sorted(
        (starts_at, ended_at or ends_at)
        for starts_at, ends_at, ended_at in served.values_list("starts_at", "ends_at", "ended_at")
    )
    block: tuple[datetime, datetime] | None = None
    for start, end in periods:
        if block and start - block[1] < pause:
            block = (block[0], max(block[1], end))
        elif block is None or end > block[1]:
            block = (start, end)
    if block is None or block[1] + pause <= now:
        return None, False
    worked = min(block[1], now) - block[0]
    if worked >= run:
        return max(block[1], now) + pause, False
    return None, False


def listener_workload(*, listener: ListenerProfile, now: datetime | None = None) -> Workload:
    now = now or timezone.now()
    shifts = list(listener.shifts.all())
    current = current_shift(shifts, now=now) if shifts else None
    day_from, week_from = _day_start(now), week_start(now)
    week = _booked(
        listener_id=listener.pk, since=week_from, until=week_from + timedelta(days=7), now=now
    )
    limits = listener_limits(listener)
    minutes_day = _minutes(p for p in week if p[0] >= day_from and p[0] < day_from + timedelta(1))
    minutes_week = _minutes(week)
    night_week = sum(night_minutes_between(s, e) for s, e in week)
    until, crisis = _cooldown(listener_id=listener.pk, now=now)
    reasons = []
    if shifts and current is None:
        reasons.append(Reason.OFF_SHIFT)
    if until is not None:
        reasons.append(Reason.COOLDOWN)
    if minutes_day >= limits.hours_day * 60:
        reasons.append(Reason.DAY_LIMIT)
    if minutes_week >= limits.hours_week * 60:
        reasons.append(Reason.WEEK_LIMIT)
    if night_week >= limits.night_hours_week * 60 and night_minutes_between(
        now, now + timedelta(minutes=1)
    ):
        reasons.append(Reason.NIGHT_LIMIT)
    return Workload(
        has_schedule=bool(shifts),
        current_shift=current,
        next_shift=next_shift(shifts, now=now) if shifts else None,
        minutes_day=minutes_day,
        minutes_week=minutes_week,
        night_minutes_week=night_week,
        limits=limits,
        cooldown_until=until,
        cooldown_after_crisis=crisis,
        reasons=reasons,
    )


def reason_text(code: str, workload: Workload, *, for_listener: bool = False) -> str:
    """What a client booking (or, `for_listener`, the listener's dashboard) is told."""
    if code == Reason.OFF_SHIFT and for_listener:
        return _("You are outside your shifts: you may stay online, but no orders reach you.")
    if code == Reason.OFF_SHIFT:
        return _("This listener is not on shift now.")
    if code == Reason.COOLDOWN:
        local = display_localtime(workload.cooldown_until).strftime("%H:%M")  # viewer's clock
        if workload.cooldown_after_crisis:
            return _("A break after a difficult session, until %(time)s.") % {"time": local}
        return _("A break after a long stretch of work, until %(time)s.") % {"time": local}
    if code == Reason.DAY_LIMIT:
        return _("The daily limit of %(hours)s hours of chat is reached.") % {
            "hours": workload.limits.hours_day
        }
    if code == Reason.WEEK_LIMIT:
        return _("The weekly limit of %(hours)s hours of chat is reached.") % {
            "hours": workload.limits.hours_week
        }
    return _("The weekly limit of %(hours)s night hours is reached.") % {
        "hours": workload.limits.night_hours_week
    }


def workload_booking_check(
    *, listener: ListenerProfile, instant: bool, starts_at: datetime, ends_at: datetime, now
) -> None:
    """Refuse (BookingError) an order the listener's schedule, limits or cool-down rule
    out. Call it under the listener's row lock (as `order_create` does)."""
    from sessions.services.orders import BookingError

    shifts = list(listener.shifts.all())
    if not instant and not covers(shifts, starts_at=starts_at, ends_at=ends_at):
        raise BookingError(
            _("This listener does not work at that time; choose a time inside their shifts."),
            code="outside_shift",
        )
    if instant:
        workload = listener_workload(listener=listener, now=now)
        for code in (Reason.OFF_SHIFT, Reason.COOLDOWN):
            if code in workload.reasons:
                raise BookingError(reason_text(code, workload), code=code)
    minutes = max(round((ends_at - starts_at).total_seconds() / 60), 0)
    limits = listener_limits(listener)
    day_from, week_from = _day_start(starts_at), week_start(starts_at)
    week = _booked(
        listener_id=listener.pk, since=week_from, until=week_from + timedelta(days=7), now=now
    )
    day = [p for p in week if day_from <= p[0] < day_from + timedelta(days=1)]
    night = night_minutes_between(starts_at, ends_at)
    if _minutes(day) + minutes > limits.hours_day * 60:
        code, hours = Reason.DAY_LIMIT, limits.hours_day
        text = _("This booking would take the listener past their %(hours)s hours a day.")
    elif _minutes(week) + minutes > limits.hours_week * 60:
        code, hours = Reason.WEEK_LIMIT, limits.hours_week
        text = _("This booking would take the listener past their %(hours)s hours a week.")
    elif night and sum(night_minutes_between(s, e) for s, e in week) + night > (
        limits.night_hours_week * 60
    ):
        code, hours = Reason.NIGHT_LIMIT, limits.night_hours_week
        text = _("This booking would take the listener past their %(hours)s night hours a week.")
    else:
        return
    raise BookingError(text % {"hours": hours}, code=code)
