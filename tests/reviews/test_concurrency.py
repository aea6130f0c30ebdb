"""Races on PostgreSQL, with real threads and real row locks."""

from decimal import Decimal
from functools import partial

import pytest

from listeners.models import ListenerStats
from marketplace.exceptions import DomainError
from reviews import services
from reviews.models import Review
from tests.concurrency import run_together
from tests.reviews.factories import OrderFactory, PricingTierFactory

THREADS = 4


def review_race(arguments: list[dict]) -> tuple[list, list]:
    """`review_create` with each argument set, all at one instant: (reviews, refusals)."""
    outcomes = run_together(*(partial(services.review_create, **kwargs) for kwargs in arguments))
    errors = [outcome for outcome in outcomes if isinstance(outcome, DomainError)]
    return [o for o in outcomes if not isinstance(o, DomainError)], errors


@pytest.mark.django_db(transaction=True)
def test_simultaneous_reviews_of_one_order_yield_exactly_one():
    # given
    order = OrderFactory()
    attempts = [
        {"order_id": order.pk, "client": order.client, "stars": stars} for stars in range(1, 5)
    ][:THREADS]
    # when
    results, errors = review_race(attempts)
    # then
    assert len(results) == 1
    assert [error.code for error in errors] == ["already_reviewed"] * (THREADS - 1)
    review = Review.objects.get()
    assert review.pk == results[0].pk
    stats = ListenerStats.objects.get(listener_id=order.listener_id)
    assert (stats.rating_avg, stats.rating_count) == (Decimal(review.stars), 1)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_reviews_of_one_listener_all_count_in_the_rating():
    # given: four clients finish sessions with the same listener and review at once
    tier = PricingTierFactory()
    orders = [OrderFactory(tier=tier) for _ in range(THREADS)]
    attempts = [
        {"order_id": order.pk, "client": order.client, "stars": stars}
        for order, stars in zip(orders, (5, 4, 3, 2), strict=True)
    ]
    # when
    results, errors = review_race(attempts)
    # then: no review lost from the figures, whatever order the commits landed in
    assert (len(results), errors) == (THREADS, [])
    stats = ListenerStats.objects.get(listener_id=tier.listener_id)
    assert (stats.rating_avg, stats.rating_count, stats.positive_count) == (
        Decimal("3.50"),
        4,
        2,
    )
