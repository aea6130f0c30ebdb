"""Races on PostgreSQL, with real threads and real row locks."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from listeners.models import ListenerStats
from marketplace.exceptions import DomainError
from reviews import services
from reviews.models import Review
from tests.reviews.factories import OrderFactory, PricingTierFactory

THREADS = 4


def run_together(target, arguments: list[dict]) -> tuple[list, list]:
    """Start one thread per argument set at the same instant; collect results and errors."""
    barrier = threading.Barrier(len(arguments))
    results, errors = [], []
    lock = threading.Lock()

    def worker(kwargs):
        try:
            barrier.wait(timeout=10)
            outcome = target(**kwargs)
            with lock:
                results.append(outcome)
        except DomainError as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(kwargs,)) for kwargs in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_reviews_of_one_order_yield_exactly_one():
    # given
    order = OrderFactory()
    attempts = [
        {"order_id": order.pk, "client": order.client, "stars": stars} for stars in range(1, 5)
    ][:THREADS]
    # when
    results, errors = run_together(services.review_create, attempts)
    # then
    assert len(results) == 1
    assert [error.code for error in errors] == ["already_reviewed"] * (THREADS - 1)
    review = Review.objects.get()
    assert review.pk == results[0].pk
    stats = ListenerStats.objects.get(listener_id=order.listener_id)
    assert (stats.rating_avg, stats.rating_count) == (Decimal(review.stars), 1)


@pytest.mark.postgres
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
    results, errors = run_together(services.review_create, attempts)
    # then: no review lost from the figures, whatever order the commits landed in
    assert (len(results), errors) == (THREADS, [])
    stats = ListenerStats.objects.get(listener_id=tier.listener_id)
    assert (stats.rating_avg, stats.rating_count, stats.positive_count) == (
        Decimal("3.50"),
        4,
        2,
    )
