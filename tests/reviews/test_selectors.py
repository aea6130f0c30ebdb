from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from reviews import selectors
from reviews.selectors import RatingSummary
from tests.reviews.factories import (
    ListenerProfileFactory,
    OrderFactory,
    PricingTierFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db


def reviews_of(listener, *specs) -> list:
    tier = PricingTierFactory(listener=listener)
    return [ReviewFactory(order=OrderFactory(tier=tier), **spec) for spec in specs]


@pytest.mark.parametrize("count", [3, 30])
def test_listener_rating_is_one_aggregate_query_whatever_the_count(
    django_assert_num_queries, count
):
    # given
    listener = ListenerProfileFactory()
    reviews_of(listener, *[{"stars": 5 if i % 3 else 3} for i in range(count)])
    reviews_of(listener, {"stars": 1, "is_hidden": True})
    reviews_of(ListenerProfileFactory(), {"stars": 1})
    # when
    with django_assert_num_queries(1):
        rating = selectors.listener_rating(listener_id=listener.pk)
    # then
    positive = count - len(range(0, count, 3))
    assert rating.rating_count == count
    assert rating.positive_count == positive
    expected = Decimal(5 * positive + 3 * (count - positive)) / count
    assert rating.rating_avg == expected.quantize(Decimal("0.01"))


def test_listener_without_reviews_has_an_empty_rating():
    # when
    rating = selectors.listener_rating(listener_id=ListenerProfileFactory().pk)
    # then
    assert rating == RatingSummary(rating_avg=None, rating_count=0, positive_count=0)
    assert rating.positive_percent is None


@pytest.mark.parametrize(
    ("positive", "count", "percent"), [(49, 50, 98), (199, 200, 99), (1, 3, 33), (2, 2, 100)]
)
def test_positive_share_rounds_down(positive, count, percent):
    # when / then
    assert rating_positive(positive, count) == percent


def rating_positive(positive: int, count: int) -> int | None:
    return selectors.rating_positive_percent(positive_count=positive, rating_count=count)


def test_reviews_for_listener_newest_first_hidden_only_on_request():
    # given
    listener = ListenerProfileFactory()
    now = timezone.now()
    old, hidden, new = reviews_of(
        listener,
        {"created_at": now - timedelta(days=2)},
        {"created_at": now - timedelta(days=1), "is_hidden": True},
        {"created_at": now},
    )
    reviews_of(ListenerProfileFactory(), {})
    # when
    public = list(selectors.reviews_for_listener(listener_id=listener.pk))
    everything = list(selectors.reviews_for_listener(listener_id=listener.pk, include_hidden=True))
    # then
    assert public == [new, old]
    assert everything == [new, hidden, old]
