from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from listeners.models import ListenerProfile, ListenerStats
from reviews.models import Review, ReviewReport
from sessions.models import Order
from tests.factories import UserFactory
from tests.reviews.factories import (
    ListenerProfileFactory,
    OrderFactory,
    PricingTierFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db


def api_as(user=None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def review_url(order) -> str:
    return f"/api/orders/{order.pk}/review/"


def rating_of(listener) -> tuple:
    stats = ListenerStats.objects.filter(listener=listener).first()
    return None if stats is None else (stats.rating_avg, stats.rating_count, stats.positive_count)


# --- POST /api/orders/{id}/review/ --------------------------------------------------------


def test_client_posts_a_review_of_a_completed_order():
    # given
    order = OrderFactory()
    # when
    response = api_as(order.client).post(
        review_url(order),
        {"stars": 5, "tags": ["replies_fast"], "text": "秒回！13912345678"},
        format="json",
    )
    # then
    assert response.status_code == 201
    review = Review.objects.get()
    body = response.json()
    assert body == {
        "id": review.pk,
        "listener": order.listener_id,
        "stars": 5,
        "tags": [{"slug": "replies_fast", "label": "回复快"}],
        "text": "秒回！***********",
        "author": review.author_label,
        "created_at": body["created_at"],
        "reply": None,
    }
    assert rating_of(order.listener) == (Decimal("5.00"), 1, 1)


def test_review_of_someone_elses_order_is_404_and_changes_nothing():
    # given
    order = OrderFactory()
    # when
    response = api_as(UserFactory()).post(review_url(order), {"stars": 5}, format="json")
    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert Review.objects.count() == 0
    assert rating_of(order.listener) is None


def test_anonymous_review_is_refused():
    # given
    order = OrderFactory()
    # when
    response = api_as().post(review_url(order), {"stars": 5}, format="json")
    # then
    assert response.status_code == 401
    assert Review.objects.count() == 0


def test_review_of_an_unfinished_order_is_409_with_a_clear_message():
    # given
    order = OrderFactory(state=Order.State.ACTIVE, ended_at=None)
    # when
    response = api_as(order.client).post(review_url(order), {"stars": 5}, format="json")
    # then
    assert response.status_code == 409
    assert response.json() == {
        "code": "order_not_finished",
        "detail": "会话结束后才能评价。",
    }
    assert Review.objects.count() == 0


def test_review_after_seven_days_is_refused():
    # given
    order = OrderFactory(ended_at=timezone.now() - timedelta(days=7, minutes=1))
    # when
    response = api_as(order.client).post(review_url(order), {"stars": 5}, format="json")
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "review_window_closed"
    assert Review.objects.count() == 0
    assert rating_of(order.listener) is None


def test_second_review_is_refused_and_first_unchanged():
    # given
    order = OrderFactory()
    api = api_as(order.client)
    api.post(review_url(order), {"stars": 4, "text": "好"}, format="json")
    # when
    response = api.post(review_url(order), {"stars": 1, "text": "差"}, format="json")
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "already_reviewed"
    assert list(Review.objects.values_list("stars", "text")) == [(4, "好")]
    assert rating_of(order.listener) == (Decimal("4.00"), 1, 1)


@pytest.mark.parametrize("stars", [0, 6, -3, 100])
def test_stars_outside_one_to_five_are_400(stars):
    # given
    order = OrderFactory()
    # when
    response = api_as(order.client).post(review_url(order), {"stars": stars}, format="json")
    # then
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_stars"
    assert Review.objects.count() == 0
    assert rating_of(order.listener) is None


@pytest.mark.parametrize(
    "body",
    [{}, {"stars": "many"}, {"stars": 5, "tags": "warm"}, {"stars": 5, "tags": ["rich"]}],
)
def test_malformed_review_is_400(body):
    # given
    order = OrderFactory()
    # when
    response = api_as(order.client).post(review_url(order), body, format="json")
    # then
    assert response.status_code == 400
    assert Review.objects.count() == 0


# --- POST /api/reviews/{id}/reply/ and /report/ -------------------------------------------


def test_listener_replies_once_through_the_api():
    # given
    review = ReviewFactory()
    api = api_as(review.listener.user)
    # when
    first = api.post(f"/api/reviews/{review.pk}/reply/", {"text": "谢谢您"}, format="json")
    second = api.post(f"/api/reviews/{review.pk}/reply/", {"text": "再次"}, format="json")
    # then
    assert first.status_code == 200
    assert first.json()["reply"]["text"] == "谢谢您"
    assert (second.status_code, second.json()["code"]) == (409, "already_replied")
    review.refresh_from_db()
    assert review.reply_text == "谢谢您"


def test_reply_by_someone_else_is_404():
    # given
    review = ReviewFactory()
    # when
    response = api_as(review.client).post(
        f"/api/reviews/{review.pk}/reply/", {"text": "hi"}, format="json"
    )
    # then
    assert response.status_code == 404
    review.refresh_from_db()
    assert review.replied_at is None


def test_report_once_per_user():
    # given
    review = ReviewFactory()
    reporter = UserFactory()
    api = api_as(reporter)
    url = f"/api/reviews/{review.pk}/report/"
    # when
    first = api.post(url, {"reason": "abusive", "note": "骂人"}, format="json")
    second = api.post(url, {"reason": "spam"}, format="json")
    # then
    report = ReviewReport.objects.get()
    assert first.status_code == 201
    assert first.json() == {"id": report.pk, "review": review.pk, "reason": "abusive"}
    assert (second.status_code, second.json()["code"]) == (409, "already_reported")
    assert (report.reporter_id, report.note) == (reporter.pk, "骂人")


@pytest.mark.parametrize(
    ("who", "status"), [("author", 400), ("anonymous", 401)], ids=["author", "anonymous"]
)
def test_report_refused_for_author_and_anonymous(who, status):
    # given
    review = ReviewFactory()
    api = api_as(review.client if who == "author" else None)
    # when
    response = api.post(f"/api/reviews/{review.pk}/report/", {"reason": "spam"}, format="json")
    # then
    assert response.status_code == status
    assert ReviewReport.objects.count() == 0


# --- GET /api/listeners/{id}/reviews/ ---------------------------------------------------


def test_listener_reviews_are_public_paginated_newest_first_without_hidden():
    # given
    listener = ListenerProfileFactory()
    tier = PricingTierFactory(listener=listener)
    now = timezone.now()
    reviews = [
        ReviewFactory(order=OrderFactory(tier=tier), created_at=now - timedelta(hours=i))
        for i in range(12)
    ]
    ReviewFactory(order=OrderFactory(tier=tier), created_at=now, is_hidden=True)
    ReviewFactory()  # another listener's
    reviews[0].reply_text, reviews[0].replied_at = "谢谢", now
    reviews[0].save()
    # when
    page1 = api_as().get(f"/api/listeners/{listener.pk}/reviews/")
    page2 = api_as().get(f"/api/listeners/{listener.pk}/reviews/?page=2")
    # then
    assert page1.status_code == 200
    body = page1.json()
    assert body["count"] == 12
    assert [item["id"] for item in body["results"]] == [r.pk for r in reviews[:10]]
    assert body["results"][0]["reply"] == {
        "text": "谢谢",
        "at": body["results"][0]["reply"]["at"],
    }
    assert [item["id"] for item in page2.json()["results"]] == [r.pk for r in reviews[10:]]


@pytest.mark.parametrize("count", [2, 12])
def test_listener_reviews_query_count_does_not_grow(django_assert_num_queries, count):
    # given
    tier = PricingTierFactory()
    for _ in range(count):
        ReviewFactory(order=OrderFactory(tier=tier), tags=["warm"])
    api = api_as()
    # when / then: listener exists, count, page (with authors joined)
    with django_assert_num_queries(3):
        response = api.get(f"/api/listeners/{tier.listener_id}/reviews/")
    assert len(response.json()["results"]) == min(count, 10)


def test_reviews_of_unknown_or_unapproved_listener_are_404():
    # given
    pending = ListenerProfileFactory(verification=ListenerProfile.Verification.PENDING)
    # when
    missing = api_as().get("/api/listeners/999999/reviews/")
    unapproved = api_as().get(f"/api/listeners/{pending.pk}/reviews/")
    # then
    assert (missing.status_code, unapproved.status_code) == (404, 404)
