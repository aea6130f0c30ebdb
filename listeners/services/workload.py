"""The listener's weekly schedule and own workload limits (writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from itertools import pairwise

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from listeners.exceptions import ListenerError
from listeners.models import ListenerProfile, Shift
from listeners.shifts import shift_seconds

MAX_SHIFTS = 28  # four a day is plenty; a bound on what one request writes
MIN_SHIFT_MINUTES = 30
LIMIT_FIELDS = ("max_hours_day", "max_hours_week", "max_night_hours_week")


@dataclass(frozen=True)
class Limits:
    """Effective limits in hours: the listener's own, never above the platform's."""

    hours_day: int
    hours_week: int
    night_hours_week: int


def platform_limits() -> Limits:
    return Limits(
        settings.LISTENER_MAX_HOURS_DAY,
        settings.LISTENER_MAX_HOURS_WEEK,
        settings.LISTENER_MAX_NIGHT_HOURS_WEEK,
    )


def listener_limits(listener: ListenerProfile) -> Limits:
    platform = platform_limits()

    def pick(own, ceiling):
        return ceiling if own is None else min(own, ceiling)

    return Limits(
        pick(listener.max_hours_day, platform.hours_day),
        pick(listener.max_hours_week, platform.hours_week),
        pick(listener.max_night_hours_week, platform.night_hours_week),
    )


def listener_limits_set(
    *,
    listener: ListenerProfile,
    max_hours_day: int | None,
    max_hours_week: int | None,
    max_night_hours_week: int | None,
) -> ListenerProfile:
    """The listener lowers their own limits (None: the platform's)."""
    platform = platform_limits()
    values = {
        "max_hours_day": (max_hours_day, platform.hours_day, _("Hours per day")),
        "max_hours_week": (max_hours_week, platform.hours_week, _("Hours per week")),
        "max_night_hours_week": (
            max_night_hours_week,
            platform.night_hours_week,
            _("Night hours per week"),
        ),
    }
    for value, ceiling, label in values.values():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= ceiling:
            raise ListenerError(
                _("%(field)s must be a whole number from 0 to %(max)s (the platform's limit).")
                % {"field": label, "max": ceiling},
                code="limit_invalid",
            )
    with transaction.atomic():
        profile = ListenerProfile.objects.select_for_update().get(pk=listener.pk)
        for field, (value, _ceiling, _label) in values.items():
            setattr(profile, field, value)
        profile.save(update_fields=list(LIMIT_FIELDS))
    return profile


def listener_shifts_set(
    *, listener: ListenerProfile, shifts: list[tuple[int, time, time]]
) -> list[Shift]:
    """Replace the weekly schedule with `shifts` ((weekday, start, end), Asia/Shanghai;
    end 00:00 is midnight). An empty list removes the schedule (always on shift)."""
    if len(shifts) > MAX_SHIFTS:
        raise ListenerError(
            _("At most %(count)s shifts a week.") % {"count": MAX_SHIFTS}, code="shifts_invalid"
        )
    cleaned = []
    for weekday, start, end in shifts:
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ListenerError(_("Choose a weekday for every shift."), code="shifts_invalid")
        if not isinstance(start, time) or not isinstance(end, time):
            raise ListenerError(
                _("Give every shift a start and an end time."), code="shifts_invalid"
            )
        if shift_seconds(start, end) < MIN_SHIFT_MINUTES * 60:
            raise ListenerError(
                _("A shift ends after it starts and lasts at least %(minutes)s minutes.")
                % {"minutes": MIN_SHIFT_MINUTES},
                code="shifts_invalid",
            )
        cleaned.append((weekday, start, end))
    cleaned.sort(key=lambda s: (s[0], s[1]))
    for (day_a, _start_a, end_a), (day_b, start_b, _end_b) in pairwise(cleaned):
        if day_a == day_b and (end_a == time(0) or start_b < end_a):
            raise ListenerError(_("Two shifts overlap on the same day."), code="shifts_overlap")
    with transaction.atomic():
        profile = ListenerProfile.objects.select_for_update().get(pk=listener.pk)
        Shift.objects.filter(listener=profile).delete()
        return Shift.objects.bulk_create(
            Shift(listener=profile, weekday=d, start=s, end=e) for d, s, e in cleaned
        )
