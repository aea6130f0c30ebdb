"""Self-set time limits: lower at once, raise or remove after 24 h, and booking obeys them
on every path (service, page, API)."""

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone, translation

from payments.exceptions import InvalidAmount, LimitExceeded
from payments.models import ClientLimit
from payments.services.limits import (
    limit_set,
    limits_for_client,
    night_minutes_between,
    week_start,
)
from sessions.models import Order
from sessions.services import orders
from tests.factories import UserFactory
from tests.listeners.factories import PricingTierFactory

pytestmark = pytest.mark.django_db

Kind = ClientLimit.Kind
TZ = timezone.get_current_timezone()


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TZ)


def set_limit(client, kind, minutes, now):
    with transaction.atomic():
        return limit_set(client_id=client.pk, kind=kind, minutes=minutes, now=now)


def test_lowering_applies_at_once_and_raising_after_24_hours():
    # given
    client = UserFactory()
    t0 = local(2026, 12, 1, 12, 0)
    set_limit(client, Kind.WEEKLY_MINUTES, 600, t0)
    # when
    view = set_limit(client, Kind.WEEKLY_MINUTES, 900, t0)
    # then
    assert view.minutes == 600
    assert view.pending_minutes == 900
    assert view.pending_effective_at == t0 + timedelta(hours=24)
    assert (
        limits_for_client(client_id=client.pk, now=t0 + timedelta(hours=23, minutes=59))[
            Kind.WEEKLY_MINUTES
        ].minutes
        == 600
    )
    assert (
        limits_for_client(client_id=client.pk, now=t0 + timedelta(hours=24))[
            Kind.WEEKLY_MINUTES
        ].minutes
        == 900
    )


def test_asking_twice_restarts_the_wait_instead_of_skipping_it():
    # given
    client = UserFactory()
    t0 = local(2026, 12, 1, 12, 0)
    set_limit(client, Kind.SESSION_MINUTES, 60, t0)
    set_limit(client, Kind.SESSION_MINUTES, 120, t0)
    # when: a second raise 23 hours later
    set_limit(client, Kind.SESSION_MINUTES, 180, t0 + timedelta(hours=23))

    # then
    def at(hours):
        limits = limits_for_client(client_id=client.pk, now=t0 + timedelta(hours=hours))
        return limits[Kind.SESSION_MINUTES].minutes

    assert at(25) == 60
    assert at(47) == 180


def test_removing_waits_and_lowering_cancels_a_pending_raise():
    # given
    client = UserFactory()
    t0 = local(2026, 12, 1, 12, 0)
    set_limit(client, Kind.NIGHT_MINUTES, 120, t0)
    # when
    removed = set_limit(client, Kind.NIGHT_MINUTES, None, t0)
    # then
    assert (removed.minutes, removed.pending_remove) == (120, True)
    assert (
        limits_for_client(client_id=client.pk, now=t0 + timedelta(hours=24))[
            Kind.NIGHT_MINUTES
        ].minutes
        is None
    )
    # when: lowered before the removal applied
    lowered = set_limit(client, Kind.NIGHT_MINUTES, 60, t0 + timedelta(hours=1))
    # then
    assert (lowered.minutes, lowered.has_pending) == (60, False)
    assert (
        limits_for_client(client_id=client.pk, now=t0 + timedelta(days=3))[
            Kind.NIGHT_MINUTES
        ].minutes
        == 60
    )


@pytest.mark.parametrize("bad", [-1, 10**9, 1.5, float("nan"), float("inf"), "60", True])
def test_bad_values_are_refused_and_change_nothing(bad):
    # given
    client = UserFactory()
    set_limit(client, Kind.SESSION_MINUTES, 60, timezone.now())
    # when
    with pytest.raises(InvalidAmount):
        set_limit(client, Kind.SESSION_MINUTES, bad, timezone.now())
    # then
    row = ClientLimit.objects.get(client=client, kind=Kind.SESSION_MINUTES)
    assert (row.minutes, row.pending_minutes, row.pending_effective_at) == (60, None, None)


def test_night_minutes_follow_the_platform_window():
    assert night_minutes_between(local(2026, 12, 1, 22, 0), local(2026, 12, 2, 0, 30)) == 90
    assert night_minutes_between(local(2026, 12, 2, 6, 0), local(2026, 12, 2, 8, 0)) == 60
    assert night_minutes_between(local(2026, 12, 2, 8, 0), local(2026, 12, 2, 22, 0)) == 0
    assert week_start(local(2026, 12, 6, 23, 59)) == local(2026, 11, 30, 0, 0)


def appointment(client, tier, start, minutes=60):
    return orders.order_create(
        client=client,
        tier_id=tier.pk,
        kind="appointment",
        start=start,
        minutes=minutes,
        now=week_start(start) - timedelta(hours=1),  # one moment: unpaid ones still count
    )


def next_monday_10() -> datetime:
    now = timezone.localtime()
    monday = week_start(now) + timedelta(days=7)
    return monday.replace(hour=10)


def test_booking_past_the_weekly_limit_is_refused_naming_the_limit_and_the_reset():
    # given: 2 hours a week, 90 minutes already booked that week
    client = UserFactory()
    tier = PricingTierFactory()
    start = next_monday_10()
    set_limit(client, Kind.WEEKLY_MINUTES, 120, timezone.now())
    appointment(client, tier, start, minutes=90)
    # when
    with pytest.raises(LimitExceeded) as refused:
        appointment(client, tier, start + timedelta(hours=3), minutes=60)
    # then
    assert refused.value.code == "limit_weekly_minutes"
    resets = (week_start(start) + timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    assert refused.value.message == (
        "This booking would pass your own limit of 2 hours a week (0.5 hours left that "
        f"week). The limit resets on {resets}."
    )
    assert Order.objects.filter(client=client).count() == 1
    # and 30 minutes still fit
    appointment(client, tier, start + timedelta(hours=3), minutes=30)


def test_session_and_night_limits_refuse_at_booking():
    # given
    client = UserFactory()
    tier = PricingTierFactory()
    tier.listener.takes_night_orders = True
    tier.listener.save()
    start = next_monday_10()
    set_limit(client, Kind.SESSION_MINUTES, 45, timezone.now())
    set_limit(client, Kind.NIGHT_MINUTES, 0, timezone.now())
    # when / then
    with pytest.raises(LimitExceeded) as too_long:
        appointment(client, tier, start, minutes=60)
    assert too_long.value.code == "limit_session_minutes"
    with pytest.raises(LimitExceeded) as at_night:
        appointment(client, tier, start.replace(hour=23), minutes=30)
    assert at_night.value.code == "limit_night_minutes"
    assert "23:00-07:00" in at_night.value.message
    assert Order.objects.filter(client=client).count() == 0


def test_booking_through_the_api_past_a_limit_is_refused(client):
    # given
    user = UserFactory()
    tier = PricingTierFactory()
    set_limit(user, Kind.SESSION_MINUTES, 30, timezone.now())
    client.force_login(user)
    # when
    response = client.post(
        "/api/orders/",
        {
            "tier": tier.pk,
            "kind": "appointment",
            "start": next_monday_10().isoformat(),
            "minutes": 60,
        },
        content_type="application/json",
    )
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "limit_session_minutes"
    assert Order.objects.count() == 0


def test_booking_page_past_a_limit_shows_the_message(client):
    # given
    user = UserFactory()
    tier = PricingTierFactory()
    set_limit(user, Kind.SESSION_MINUTES, 30, timezone.now())
    client.force_login(user)
    client.cookies["django_language"] = "en"
    # when
    response = client.post(
        f"/chat/book/{tier.pk}/",
        {
            "kind": "appointment",
            "start": next_monday_10().strftime("%Y-%m-%dT%H:%M"),
            "minutes": "60",
        },
    )
    # then
    assert response.status_code == 200
    assert "limit for one session is 30 minutes" in response.content.decode()
    assert Order.objects.count() == 0


def test_the_refusal_reads_in_chinese():
    # given
    client = UserFactory()
    tier = PricingTierFactory()
    set_limit(client, Kind.SESSION_MINUTES, 30, timezone.now())
    # when
    with translation.override("zh-hans"), pytest.raises(LimitExceeded) as refused:
        appointment(client, tier, next_monday_10(), minutes=60)
    # then
    assert refused.value.message.startswith("你为自己设定的单次会话上限是 30 分钟")
