"""The quote engine: examples, refusals and properties (hypothesis).

The engine is pure, so these tests build unsaved model instances and need no database.
"""

from datetime import UTC, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from listeners.exceptions import QuoteError
from listeners.models import ListenerProfile, Package, PricingTier
from listeners.pricing import MAX_QUOTE_MINUTES, quote_build

SH = ZoneInfo("Asia/Shanghai")


def make_tier(
    *,
    price=6000,
    surcharge=200,
    min_minutes=1,
    night_start=None,
    night_end=None,
    takes_night=True,
    medium=PricingTier.Medium.TEXT,
    active=True,
    pk=1,
) -> PricingTier:
    listener = ListenerProfile(
        pk=1, takes_night_orders=takes_night, night_start=night_start, night_end=night_end
    )
    return PricingTier(
        pk=pk,
        listener=listener,
        medium=medium,
        reply_window_seconds=30,
        price_per_hour_fen=price,
        night_surcharge_percent=surcharge,
        min_minutes=min_minutes,
        is_active=active,
    )


def at(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SH)


def total(tier, start, minutes) -> int:
    """The total, with "too short to charge for" (rounds to 0 fen) counted as 0."""
    try:
        return quote_build(tier=tier, start=start, minutes=minutes).total_fen
    except QuoteError as error:
        if error.code != "total_zero":
            raise
        return 0


def amounts(quote) -> dict[str, int]:
    return {line.kind: line.amount_fen for line in quote.lines}


def exact_total(tier: PricingTier, quote, discount: int = 0) -> Fraction:
    price = tier.price_per_hour_fen
    day = Fraction(quote.day_minutes * price, 60)
    night = Fraction(quote.night_minutes * price * (100 + tier.night_surcharge_percent), 6000)
    return (day + night) * Fraction(100 - discount, 100)


# --- Examples ---------------------------------------------------------------------------


def test_daytime_hour_costs_the_day_price():
    # given
    tier = make_tier(price=6000)
    # when
    quote = quote_build(tier=tier, start=at(14), minutes=60)
    # then
    assert quote.total_fen == 6000
    assert amounts(quote) == {"day": 6000}
    assert quote.ends_at == at(15)
    assert (quote.day_minutes, quote.night_minutes) == (60, 0)


def test_booking_across_23_00_splits_day_and_night_with_surcharge():
    # given: ¥60/h, +200 % at night (¥180/h)
    tier = make_tier(price=6000, surcharge=200)
    # when: 22:30-23:30
    quote = quote_build(tier=tier, start=at(22, 30), minutes=60)
    # then: 30 day minutes ¥30, 30 night minutes ¥30 + ¥60 surcharge
    assert amounts(quote) == {"day": 3000, "night": 3000, "night_surcharge": 6000}
    assert quote.total_fen == 12000
    assert [(s.kind, s.minutes) for s in quote.segments] == [("day", 30), ("night", 30)]
    assert quote.segments[1].starts_at == at(23)


def test_booking_across_midnight_and_07_00_spans_two_days():
    # given
    tier = make_tier(price=6000, surcharge=100)
    # when: 06:00 day 10 ... but starting the evening before: 22:00 day 9 to 08:00 day 10
    quote = quote_build(tier=tier, start=at(22, day=9), minutes=600)
    # then: 1 h day, 8 h night (23-07), 1 h day
    assert [(s.kind, s.minutes) for s in quote.segments] == [
        ("day", 60),
        ("night", 480),
        ("day", 60),
    ]
    assert quote.total_fen == 2 * 6000 + 8 * 12000


def test_start_given_in_utc_uses_shanghai_wall_clock():
    # given: 15:30 UTC is 23:30 in Shanghai
    tier = make_tier(price=6000, surcharge=200)
    # when
    quote = quote_build(tier=tier, start=datetime(2026, 3, 10, 15, 30, tzinfo=UTC), minutes=30)
    # then
    assert quote.night_minutes == 30


def test_listener_night_window_replaces_the_platform_default():
    # given: this listener's night is 22:00-06:00
    tier = make_tier(price=6000, surcharge=100, night_start=time(22), night_end=time(6))
    # when
    quote = quote_build(tier=tier, start=at(22), minutes=60)
    # then
    assert quote.night_minutes == 60
    assert quote.night_window == ("22:00", "06:00")


def test_package_discount_is_a_negative_line():
    # given: 60-minute package at 10 % off
    tier = make_tier(price=6000)
    package = Package(pk=7, tier=tier, minutes=60, discount_percent=10)
    # when
    quote = quote_build(tier=tier, start=at(10), package=package)
    # then
    assert amounts(quote) == {"day": 6000, "package_discount": -600}
    assert quote.total_fen == 5400
    assert quote.package_id == 7


def test_rounding_allocates_the_odd_fen_to_the_largest_remainder():
    # given: ¥0.07/h for 10 minutes: exact 7/6 fen, half at night at x2 (+100 %)
    tier = make_tier(price=7, surcharge=100)
    # when: 22:55-23:05
    quote = quote_build(tier=tier, start=at(22, 55), minutes=10)
    # then: exact 35/60 + 35/60 + 35/60 = 1.75 fen -> 2; lines still sum to it
    assert quote.total_fen == 2
    assert sum(line.amount_fen for line in quote.lines) == 2


def test_to_json_is_json_safe_and_complete():
    import json

    # given
    tier = make_tier(price=6000)
    # when
    data = quote_build(tier=tier, start=at(22, 30), minutes=60).to_json()
    # then
    assert json.loads(json.dumps(data)) == data
    assert data["total_fen"] == 12000
    assert data["night_price_per_hour_fen"] == 18000
    assert [line["kind"] for line in data["lines"]] == ["day", "night", "night_surcharge"]
    assert data["starts_at"] == "2026-03-10T22:30:00+08:00"


# --- Refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "tier_kwargs", "code"),
    [
        ({"minutes": 10}, {"min_minutes": 15}, "minutes_too_few"),
        ({"minutes": MAX_QUOTE_MINUTES + 1}, {}, "minutes_out_of_range"),
        ({"minutes": 60}, {"active": False}, "tier_inactive"),
        ({"minutes": 60}, {"medium": PricingTier.Medium.VOICE}, "tier_not_bookable"),
        ({}, {}, "minutes_or_package"),
        ({"minutes": 30.5}, {}, "minutes_invalid"),
    ],
)
def test_impossible_requests_are_refused(kwargs, tier_kwargs, code):
    # given
    tier = make_tier(**tier_kwargs)
    # when / then
    with pytest.raises(QuoteError) as error:
        quote_build(tier=tier, start=at(12), **kwargs)
    assert error.value.code == code
    assert error.value.message


def test_night_minutes_refused_when_listener_takes_no_night_orders():
    # given
    tier = make_tier(takes_night=False)
    # when / then
    with pytest.raises(QuoteError) as error:
        quote_build(tier=tier, start=at(22, 30), minutes=60)
    assert error.value.code == "night_not_offered"
    assert "23:00" in error.value.message


def test_package_of_another_tier_is_refused():
    # given
    tier = make_tier(pk=1)
    other = make_tier(pk=2)
    package = Package(pk=3, tier=other, minutes=60, discount_percent=10)
    # when / then
    with pytest.raises(QuoteError) as error:
        quote_build(tier=tier, start=at(12), package=package)
    assert error.value.code == "package_mismatch"


def test_naive_start_is_refused():
    with pytest.raises(QuoteError) as error:
        quote_build(tier=make_tier(), start=datetime(2026, 3, 10, 12), minutes=60)
    assert error.value.code == "naive_start"


# --- Properties -------------------------------------------------------------------------

prices = st.integers(min_value=1, max_value=1_000_000)
surcharges = st.integers(min_value=0, max_value=500)
starts = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2027, 1, 1),
).map(lambda d: d.replace(second=0, microsecond=0, tzinfo=SH))
minute_counts = st.integers(min_value=1, max_value=MAX_QUOTE_MINUTES)
windows = st.one_of(
    st.just((None, None)),
    st.tuples(
        st.integers(0, 23).map(lambda h: time(h)), st.integers(0, 23).map(lambda h: time(h))
    ).filter(lambda w: w[0] != w[1]),
)


@settings(max_examples=150, deadline=None)
@given(price=prices, surcharge=surcharges, start=starts, minutes=minute_counts, window=windows)
def test_total_is_the_sum_of_lines_and_within_half_a_fen_of_exact(
    price, surcharge, start, minutes, window
):
    assume(price * minutes >= 30)  # at least half a fen, so never "too short to charge"
    tier = make_tier(price=price, surcharge=surcharge, night_start=window[0], night_end=window[1])
    quote = quote_build(tier=tier, start=start, minutes=minutes)
    assert quote.total_fen == sum(line.amount_fen for line in quote.lines)
    assert abs(quote.total_fen - exact_total(tier, quote)) <= Fraction(1, 2)
    assert quote.day_minutes + quote.night_minutes == minutes
    assert sum(s.minutes for s in quote.segments) == minutes


@settings(max_examples=100, deadline=None)
@given(
    price=prices,
    surcharge=surcharges,
    start=starts,
    minutes=minute_counts,
    discount=st.integers(0, 90),
)
def test_package_lines_sum_to_total_and_each_line_is_within_a_fen(
    price, surcharge, start, minutes, discount
):
    assume(price * minutes * (100 - discount) >= 3000)
    tier = make_tier(price=price, surcharge=surcharge)
    package = Package(pk=1, tier=tier, minutes=minutes, discount_percent=discount)
    quote = quote_build(tier=tier, start=start, package=package)
    assert quote.total_fen == sum(line.amount_fen for line in quote.lines)
    assert abs(quote.total_fen - exact_total(tier, quote, discount)) <= Fraction(1, 2)
    subtotal = exact_total(tier, quote)
    exact_lines = {
        "day": Fraction(quote.day_minutes * price, 60),
        "night": Fraction(quote.night_minutes * price, 60),
        "night_surcharge": Fraction(quote.night_minutes * price * surcharge, 6000),
        "package_discount": -subtotal * Fraction(discount, 100),
    }
    for line in quote.lines:
        assert abs(line.amount_fen - exact_lines[line.kind]) < 1


@settings(max_examples=100, deadline=None)
@given(
    price=prices,
    surcharge=surcharges,
    start=starts,
    minutes=minute_counts,
    more=st.integers(1, 120),
)
def test_a_longer_booking_never_costs_less(price, surcharge, start, minutes, more):
    tier = make_tier(price=price, surcharge=surcharge)
    longer = min(minutes + more, MAX_QUOTE_MINUTES)
    assert total(tier, start, longer) >= total(tier, start, minutes)


@settings(max_examples=100, deadline=None)
@given(price=prices, surcharge=surcharges, start=starts, window=windows)
def test_any_minute_inside_the_night_window_costs_the_surcharged_rate(
    price, surcharge, start, window
):
    # Hour-long quotes starting around the clock: the first minute is night exactly when
    # it begins inside the window, and an hour wholly inside costs the night rate.
    tier = make_tier(price=price, surcharge=surcharge, night_start=window[0], night_end=window[1])
    night = (window[0] or time(23), window[1] or time(7))
    for offset in range(0, 24 * 60, 97):
        minute_start = start + timedelta(minutes=offset)
        local = minute_start.astimezone(SH).time()
        inside = (
            night[0] <= local < night[1]
            if night[0] < night[1]
            else (local >= night[0] or local < night[1])
        )
        quote = quote_build(tier=tier, start=minute_start, minutes=60)
        assert quote.segments[0].kind == ("night" if inside else "day")
        rate = Fraction(price * (100 + surcharge), 100) if inside else Fraction(price)
        if quote.segments[0].minutes == 60:
            assert abs(quote.total_fen - rate) <= Fraction(1, 2)


@settings(max_examples=150, deadline=None)
@given(
    price=prices,
    surcharge=surcharges,
    start=starts,
    minutes=st.integers(min_value=2, max_value=MAX_QUOTE_MINUTES),
    data=st.data(),
)
def test_splitting_a_booking_changes_the_total_by_at_most_one_fen(
    price, surcharge, start, minutes, data
):
    # Each of the three totals is within half a fen of its exact price, and the exact
    # prices add up, so the split can differ by at most one fen.
    tier = make_tier(price=price, surcharge=surcharge)
    cut = data.draw(st.integers(min_value=1, max_value=minutes - 1))
    whole = total(tier, start, minutes)
    first = total(tier, start, cut)
    second = total(tier, start + timedelta(minutes=cut), minutes - cut)
    assert abs(first + second - whole) <= 1
