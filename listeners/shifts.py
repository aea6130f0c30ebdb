"""Reading a listener's weekly schedule (pure: no queries, no clock).

A schedule is a list of `Shift`-like rows (weekday 0 = Monday, start, end; end 00:00 is
midnight) on the Asia/Shanghai wall clock. A listener with no shifts has published no
schedule and is treated as always on shift (the product before schedules existed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True)
class Period:
    starts_at: datetime
    ends_at: datetime


def _tz():
    return timezone.get_current_timezone() if settings.USE_TZ else None


def shift_seconds(start: time, end: time) -> int:
    """Length of a shift; an end of 00:00 is the end of the day."""
    end_s = 86400 if end == time(0) else end.hour * 3600 + end.minute * 60 + end.second
    return end_s - (start.hour * 3600 + start.minute * 60 + start.second)


def shift_periods(shifts, *, around: datetime, days: int = 8) -> list[Period]:
    """The concrete periods of the schedule from the day before `around` for `days`
    days, in time order, touching periods merged (Sunday 22:00-24:00 + Monday 00:00-02:00
    is one period)."""
    tz = _tz()
    first = timezone.localtime(around, tz).date() - timedelta(days=1)
    periods: list[Period] = []
    for offset in range(days + 1):
        day = first + timedelta(days=offset)
        for shift in sorted(
            (s for s in shifts if s.weekday == day.weekday()), key=lambda s: s.start
        ):
            starts_at = datetime.combine(day, shift.start, tzinfo=tz)
            ends_at = starts_at + timedelta(seconds=shift_seconds(shift.start, shift.end))
            if periods and periods[-1].ends_at >= starts_at:
                periods[-1] = Period(periods[-1].starts_at, max(periods[-1].ends_at, ends_at))
            else:
                periods.append(Period(starts_at, ends_at))
    return periods


def current_shift(shifts, *, now: datetime) -> Period | None:
    for period in shift_periods(shifts, around=now):
        if period.starts_at <= now < period.ends_at:
            return period
    return None


def next_shift(shifts, *, now: datetime) -> Period | None:
    for period in shift_periods(shifts, around=now):
        if period.starts_at > now:
            return period
    return None


def covers(shifts, *, starts_at: datetime, ends_at: datetime) -> bool:
    """Does the schedule cover all of [starts_at, ends_at)? True without a schedule."""
    if not shifts:
        return True
    days = (ends_at - starts_at).days + 2
    return any(
        p.starts_at <= starts_at and ends_at <= p.ends_at
        for p in shift_periods(shifts, around=starts_at, days=days)
    )
