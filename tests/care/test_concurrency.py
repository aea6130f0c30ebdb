"""Two bookings at once cannot both squeeze under a weekly limit, and a pause started while
a booking runs is never slipped past (real threads, PostgreSQL row locks)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.exclusion import AccountPaused, exclusion_start
from payments.exceptions import LimitExceeded
from payments.models import ClientLimit
from payments.services.limits import limit_set, week_start
from sessions.models import Order
from sessions.services import orders
from tests.concurrency import run_together
from tests.factories import UserFactory
from tests.listeners.factories import PricingTierFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_bookings_at_once_cannot_both_fit_under_the_weekly_limit():
    # given: 90 minutes a week left, two listeners, two 60-minute bookings at once
    client = UserFactory()
    tiers = [PricingTierFactory(), PricingTierFactory()]
    limit_set(client_id=client.pk, kind=ClientLimit.Kind.WEEKLY_MINUTES, minutes=90)
    start = week_start(timezone.now()) + timedelta(days=7, hours=10)

    def book(tier):
        return lambda: orders.order_create(
            client=client, tier_id=tier.pk, kind="appointment", start=start, minutes=60
        )

    # when
    results = run_together(*(book(tier) for tier in tiers))
    # then
    assert sorted(type(r).__name__ for r in results) == ["LimitExceeded", "Order"]
    assert Order.objects.filter(client=client).count() == 1
    assert any(isinstance(r, LimitExceeded) for r in results)


def test_a_pause_and_a_booking_at_once_never_both_win():
    # given
    client = UserFactory()
    tier = PricingTierFactory()
    start = timezone.now() + timedelta(days=2)

    def book():
        return orders.order_create(
            client=client, tier_id=tier.pk, kind="appointment", start=start, minutes=60
        )

    # when
    booked, paused = run_together(book, lambda: exclusion_start(user_id=client.pk, days=7))
    # then: either the booking came first (and stands), or the pause did and it was refused
    assert not isinstance(paused, Exception)
    if isinstance(booked, AccountPaused):
        assert Order.objects.filter(client=client).count() == 0
    else:
        assert isinstance(booked, Order)
        assert Order.objects.filter(client=client).count() == 1
