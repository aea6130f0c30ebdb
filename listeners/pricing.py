"""The quote engine: one pure function from (tier, start, minutes or package) to a price.

Rules (also in docs/listeners.md):

- Time is cut into whole minutes from `start`. A minute is a *night* minute when the
  Asia/Shanghai wall-clock minute it begins in lies inside the night window
  `[night_start, night_end)` (the window may wrap midnight; equal ends mean no night).
  The window is the listener's own when both ends are set, else the platform's
  (settings.NIGHT_WINDOW_START / NIGHT_WINDOW_END).
- Day rate = `price_per_hour_fen`; night rate = day rate x (100 + surcharge) / 100.
- Line items: `day` (day minutes at the day rate), `night` (night minutes at the day
  rate), `night_surcharge` (the surcharge on those night minutes) and, for a package,
  `package_discount` (negative), or `plan_discount` for a day of a weekly/monthly plan.
- Rounding: the exact total is computed in integer units of 1/600,000 fen, rounded once
  to the nearest fen (halves up). The lines are then allocated with the largest-remainder
  method: each line gets the floor of its exact amount and the fen left over go, one each,
  to the lines with the largest remainders (ties to the earlier line). So the lines
  always sum to the total, the total is never more than half a fen from the exact price,
  and no line is more than one fen from its own exact amount.

Nothing here touches the database beyond reading `tier.listener` (loaded if needed);
the function never reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from listeners.exceptions import QuoteError

if TYPE_CHECKING:
    from listeners.models import Package, PricingTier

# A single booking covers at most one day.
MAX_QUOTE_MINUTES = 24 * 60
QUOTE_VERSION = 1
WALL_CLOCK = ZoneInfo("Asia/Shanghai")

# 60 minutes x 100 (surcharge percent) x 100 (discount percent): every exact amount is an
# integer number of these units per fen.
_UNITS_PER_FEN = 60 * 100 * 100

LINE_LABELS = {
    "day": gettext_lazy("Daytime minutes"),
    "night": gettext_lazy("Night minutes"),
    "night_surcharge": gettext_lazy("Night surcharge"),
    "package_discount": gettext_lazy("Package discount"),
    "plan_discount": gettext_lazy("Plan discount"),
}


@dataclass(frozen=True)
class QuoteLine:
    kind: str  # "day" | "night" | "night_surcharge" | "package_discount" | "plan_discount"
    minutes: int
    amount_fen: int
    label_key: str  # stable key into LINE_LABELS (the same as `kind` today)

    @property
    def label(self) -> str:
        return str(LINE_LABELS[self.label_key])

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "minutes": self.minutes,
            "amount_fen": self.amount_fen,
            "label_key": self.label_key,
        }


@dataclass(frozen=True)
class QuoteSegment:
    """A run of consecutive minutes of one kind, for showing when night starts."""

    kind: str  # "day" | "night"
    starts_at: datetime
    ends_at: datetime
    minutes: int

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "minutes": self.minutes,
        }


@dataclass(frozen=True)
class Quote:
    tier_id: int | None
    package_id: int | None
    starts_at: datetime
    ends_at: datetime
    minutes: int
    day_minutes: int
    night_minutes: int
    price_per_hour_fen: int
    night_surcharge_percent: int
    discount_percent: int
    night_window: tuple[str, str]
    lines: tuple[QuoteLine, ...]
    segments: tuple[QuoteSegment, ...]
    total_fen: int
    currency: str = "cny"

    def to_json(self) -> dict[str, Any]:
        return {
            "version": QUOTE_VERSION,
            "tier_id": self.tier_id,
            "package_id": self.package_id,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "minutes": self.minutes,
            "day_minutes": self.day_minutes,
            "night_minutes": self.night_minutes,
            "price_per_hour_fen": self.price_per_hour_fen,
            "night_price_per_hour_fen": night_rate_fen(
                self.price_per_hour_fen, self.night_surcharge_percent
            ),
            "night_surcharge_percent": self.night_surcharge_percent,
            "discount_percent": self.discount_percent,
            "night_window": list(self.night_window),
            "lines": [line.to_json() for line in self.lines],
            "segments": [segment.to_json() for segment in self.segments],
            "total_fen": self.total_fen,
            "currency": self.currency,
        }


def _round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def night_rate_fen(price_per_hour_fen: int, surcharge_percent: int) -> int:
    """The night price per hour for display, rounded to the nearest fen (halves up)."""
    return _round_half_up(price_per_hour_fen * (100 + surcharge_percent), 100)


def minute_prices_fen(tier: PricingTier) -> tuple[int, int]:
    """(day, night) price of one minute of a per-minute tier: as set on the tier, or the
    hourly price / 60 (night: with the night surcharge), rounded half up, at least 1 fen."""
    derived_day = max(1, _round_half_up(tier.price_per_hour_fen, 60))
    derived_night = max(
        1, _round_half_up(tier.price_per_hour_fen * (100 + tier.night_surcharge_percent), 6000)
    )
    if tier.minute_price_fen:
        day = tier.minute_price_fen
        derived_night = max(1, _round_half_up(day * (100 + tier.night_surcharge_percent), 100))
    else:
        day = derived_day
    return day, tier.night_minute_price_fen or derived_night


def minute_is_night(at: datetime, window: tuple[time, time]) -> bool:
    """Whether the minute starting at `at` (in Beijing time) falls in the night window."""
    local = at.astimezone(WALL_CLOCK)
    night_start = window[0].hour * 60 + window[0].minute
    night_end = window[1].hour * 60 + window[1].minute
    return _in_window(local.hour * 60 + local.minute, night_start, night_end)


def _parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def night_window_for(listener) -> tuple[time, time]:
    """The listener's night window if both ends are set, else the platform's."""
    if listener is not None and listener.night_start and listener.night_end:
        return listener.night_start, listener.night_end
    return _parse_hhmm(settings.NIGHT_WINDOW_START), _parse_hhmm(settings.NIGHT_WINDOW_END)


def _in_window(minute_of_day: int, start: int, end: int) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= minute_of_day < end
    return minute_of_day >= start or minute_of_day < end  # wraps midnight


def _segments(start: datetime, minutes: int, window: tuple[time, time]) -> tuple[QuoteSegment, ...]:
    night_start = window[0].hour * 60 + window[0].minute
    night_end = window[1].hour * 60 + window[1].minute
    segments: list[QuoteSegment] = []
    run_kind: str | None = None
    run_start = 0
    for index in range(minutes + 1):
        if index < minutes:
            local = (start + timedelta(minutes=index)).astimezone(WALL_CLOCK)
            kind = (
                "night"
                if _in_window(local.hour * 60 + local.minute, night_start, night_end)
                else "day"
            )
        else:
            kind = None  # flushes the last run
        if kind != run_kind:
            if run_kind is not None:
                segments.append(
                    QuoteSegment(
                        kind=run_kind,
                        starts_at=start + timedelta(minutes=run_start),
                        ends_at=start + timedelta(minutes=index),
                        minutes=index - run_start,
                    )
                )
            run_kind, run_start = kind, index
    return tuple(segments)


def _allocate(total_fen: int, exact_units: list[tuple[str, int, int]]) -> tuple[QuoteLine, ...]:
    """Largest-remainder allocation of `total_fen` over lines given in exact units."""
    floors = [units // _UNITS_PER_FEN for _kind, _minutes, units in exact_units]
    remainders = [units % _UNITS_PER_FEN for _kind, _minutes, units in exact_units]
    extra = total_fen - sum(floors)
    order = sorted(range(len(exact_units)), key=lambda i: (-remainders[i], i))
    amounts = list(floors)
    for i in order[:extra]:
        amounts[i] += 1
    return tuple(
        QuoteLine(kind=kind, minutes=minutes, amount_fen=amount, label_key=kind)
        for (kind, minutes, _units), amount in zip(exact_units, amounts, strict=True)
    )


def quote_build(
    *,
    tier: PricingTier,
    start: datetime,
    minutes: int | None = None,
    package: Package | None = None,
    plan_discount_percent: int = 0,
) -> Quote:
    """Price `minutes` (or `package`) of `tier` starting at `start`; `plan_discount_percent`
    prices one day of a weekly or monthly plan. Raises QuoteError."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise QuoteError(_("The start time needs a time zone."), code="naive_start")
    if not tier.is_active:
        raise QuoteError(_("This pricing tier is no longer offered."), code="tier_inactive")
    if not tier.is_bookable:
        raise QuoteError(
            _("Only text chat can be booked for now; voice and video are coming soon."),
            code="tier_not_bookable",
        )
    if (minutes is None) == (package is None):
        raise QuoteError(
            _("Choose either a number of minutes or a package."), code="minutes_or_package"
        )

    discount_percent = plan_discount_percent
    discount_line = "plan_discount"
    if package is not None:
        discount_line = "package_discount"
        if package.tier_id != tier.pk or not package.is_active:
            raise QuoteError(
                _("This package is not offered with this pricing tier."), code="package_mismatch"
            )
        minutes = package.minutes
        discount_percent = package.discount_percent
    else:
        assert minutes is not None
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise QuoteError(_("Minutes must be a whole number."), code="minutes_invalid")
        if minutes < tier.min_minutes:
            raise QuoteError(
                _("This listener's minimum booking is %(min)d minutes.")
                % {"min": tier.min_minutes},
                code="minutes_too_few",
            )
    if minutes < 1 or minutes > MAX_QUOTE_MINUTES:
        raise QuoteError(
            _("A booking lasts between 1 minute and 24 hours."), code="minutes_out_of_range"
        )

    listener = tier.listener
    window = night_window_for(listener)
    segments = _segments(start, minutes, window)
    night_minutes = sum(s.minutes for s in segments if s.kind == "night")
    day_minutes = minutes - night_minutes
    if night_minutes and not listener.takes_night_orders:
        raise QuoteError(
            _("This listener does not take night orders; choose a time outside %(start)s-%(end)s.")
            % {"start": window[0].strftime("%H:%M"), "end": window[1].strftime("%H:%M")},
            code="night_not_offered",
        )

    price = tier.price_per_hour_fen
    surcharge = tier.night_surcharge_percent
    # Exact amounts in 1/600,000 fen.
    exact: list[tuple[str, int, int]] = []
    if day_minutes:
        exact.append(("day", day_minutes, day_minutes * price * 100 * 100))
    if night_minutes:
        exact.append(("night", night_minutes, night_minutes * price * 100 * 100))
        if surcharge:
            exact.append(
                ("night_surcharge", night_minutes, night_minutes * price * surcharge * 100)
            )
    if discount_percent:
        subtotal_per_percent = day_minutes * price * 100 + night_minutes * price * (100 + surcharge)
        exact.append((discount_line, minutes, -subtotal_per_percent * discount_percent))
    total_fen = _round_half_up(sum(units for _k, _m, units in exact), _UNITS_PER_FEN)
    if total_fen <= 0:
        raise QuoteError(_("This booking is too short to charge for."), code="total_zero")

    return Quote(
        tier_id=tier.pk,
        package_id=package.pk if package is not None else None,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        minutes=minutes,
        day_minutes=day_minutes,
        night_minutes=night_minutes,
        price_per_hour_fen=price,
        night_surcharge_percent=surcharge,
        discount_percent=discount_percent,
        night_window=(window[0].strftime("%H:%M"), window[1].strftime("%H:%M")),
        lines=_allocate(total_fen, exact),
        segments=segments,
        total_fen=total_fen,
        currency=settings.PLATFORM_CURRENCY,
    )
