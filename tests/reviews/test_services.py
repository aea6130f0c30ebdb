from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from listeners.models import ListenerStats
from marketplace.exceptions import NotFound
from reviews import services
from reviews.exceptions import ReviewInvalid, ReviewRefused
from reviews.models import Review, ReviewModeration, ReviewReport, ReviewTag
from sessions.models import Order
from tests.factories import StaffUserFactory, UserFactory
from tests.reviews.factories import (
    ListenerProfileFactory,
    OrderFactory,
    PricingTierFactory,
    ReviewFactory,
    ReviewReportFactory,
)

pytestmark = pytest.mark.django_db


def stats_of(listener) -> tuple:
    stats = ListenerStats.objects.filter(listener=listener).first()
    if stats is None:
        return (None, 0, 0)
    return (stats.rating_avg, stats.rating_count, stats.positive_count)


def create(order, **kwargs) -> Review:
    values = {"stars": 5, "tags": [], "text": ""} | kwargs
    return services.review_create(order_id=order.pk, client=order.client, **values)


# --- review_create ----------------------------------------------------------------------


def test_client_reviews_completed_order_and_rating_is_written():
    # given
    order = OrderFactory()
    # when
    review = create(order, stars=4, tags=["warm", "patient"], text="  很温暖，谢谢！ ")
    # then
    review.refresh_from_db()
    assert (review.order_id, review.listener_id, review.client_id) == (
        order.pk,
        order.listener_id,
        order.client_id,
    )
    assert review.stars == 4
    assert review.tags == ["patient", "warm"]  # the set's fixed order
    assert review.text == "很温暖，谢谢！"
    assert review.is_hidden is False
    assert review.replied_at is None
    assert stats_of(order.listener) == (Decimal("4.00"), 1, 1)


@pytest.mark.parametrize("state", [Order.State.TERMINATED, Order.State.SETTLED])
def test_terminated_and_settled_sessions_can_be_reviewed(state):
    # given
    order = OrderFactory(state=state)
    # when
    review = create(order, stars=2)
    # then
    assert Review.objects.get().pk == review.pk
    assert stats_of(order.listener) == (Decimal("2.00"), 1, 0)


def test_phone_number_in_review_text_is_masked():
    # given
    order = OrderFactory()
    # when
    review = create(order, text="加我 139 1234 5678 或 １３９１２３４５６７８")
    # then
    assert review.text == "加我 *** **** **** 或 ***********"
    assert "139" not in Review.objects.get().text


def test_aggregates_average_count_and_positive_share():
    # given
    listener = ListenerProfileFactory()
    tier = PricingTierFactory(listener=listener)
    # when
    for stars in (5, 4, 3, 5):
        create(OrderFactory(tier=tier), stars=stars)
    # then
    assert stats_of(listener) == (Decimal("4.25"), 4, 3)


def test_reviewing_someone_elses_order_is_not_found_and_changes_nothing():
    # given
    order = OrderFactory()
    stranger = UserFactory()
    # when
    with pytest.raises(NotFound):
        services.review_create(order_id=order.pk, client=stranger, stars=5)
    # then
    assert Review.objects.count() == 0
    assert stats_of(order.listener) == (None, 0, 0)


def test_reviewing_a_missing_order_is_not_found():
    # when / then
    with pytest.raises(NotFound):
        services.review_create(order_id=999_999, client=UserFactory(), stars=5)


@pytest.mark.parametrize(
    "state",
    [
        Order.State.PENDING_PAYMENT,
        Order.State.PAID,
        Order.State.ACCEPTED,
        Order.State.ACTIVE,
        Order.State.CANCELLED,
        Order.State.EXPIRED,
        Order.State.DECLINED,
    ],
)
def test_review_before_the_session_ended_is_refused(state):
    # given: cancelled, expired and declined orders carry an end time too
    ended = state in {Order.State.CANCELLED, Order.State.EXPIRED, Order.State.DECLINED}
    order = OrderFactory(state=state, ended_at=timezone.now() if ended else None)
    # when
    with pytest.raises(ReviewRefused) as refused:
        create(order)
    # then
    assert refused.value.code == "order_not_finished"
    assert refused.value.status == 409
    assert Review.objects.count() == 0
    assert stats_of(order.listener) == (None, 0, 0)


def test_review_on_the_last_second_of_the_window_is_accepted():
    # given
    order = OrderFactory()
    # when
    review = services.review_create(
        order_id=order.pk, client=order.client, stars=5, now=order.ended_at + timedelta(days=7)
    )
    # then
    assert review.created_at == order.ended_at + timedelta(days=7)


def test_review_after_seven_days_is_refused_and_changes_nothing():
    # given
    order = OrderFactory()
    late = order.ended_at + timedelta(days=7, seconds=1)
    # when
    with pytest.raises(ReviewRefused) as refused:
        services.review_create(order_id=order.pk, client=order.client, stars=5, now=late)
    # then
    assert refused.value.code == "review_window_closed"
    assert Review.objects.count() == 0
    assert stats_of(order.listener) == (None, 0, 0)


def test_second_review_of_the_same_order_is_refused_and_first_stays():
    # given
    order = OrderFactory()
    first = create(order, stars=5, text="好")
    # when
    with pytest.raises(ReviewRefused) as refused:
        create(order, stars=1, text="差")
    # then
    assert refused.value.code == "already_reviewed"
    assert list(Review.objects.values_list("pk", "stars", "text")) == [(first.pk, 5, "好")]
    assert stats_of(order.listener) == (Decimal("5.00"), 1, 1)


@pytest.mark.parametrize("stars", [0, 6, -1, "5", 4.5, True, None])
def test_stars_outside_one_to_five_are_refused(stars):
    # given
    order = OrderFactory()
    # when
    with pytest.raises(ReviewInvalid) as invalid:
        create(order, stars=stars)
    # then
    assert invalid.value.code == "invalid_stars"
    assert invalid.value.status == 400
    assert Review.objects.count() == 0
    assert stats_of(order.listener) == (None, 0, 0)


@pytest.mark.parametrize("stars", [1, 5])
def test_stars_at_the_bounds_are_accepted(stars):
    # when
    review = create(OrderFactory(), stars=stars)
    # then
    assert review.stars == stars


def test_unknown_tag_is_refused():
    # given
    order = OrderFactory()
    # when
    with pytest.raises(ReviewInvalid) as invalid:
        create(order, tags=["patient", "rich"])
    # then
    assert invalid.value.code == "invalid_tags"
    assert Review.objects.count() == 0


def test_too_many_tags_are_refused_and_duplicates_collapse():
    # given
    order = OrderFactory()
    # when
    with pytest.raises(ReviewInvalid):
        create(order, tags=ReviewTag.values[:7])
    review = create(order, tags=["warm", "warm", "patient"])
    # then
    assert review.tags == ["patient", "warm"]


def test_text_over_the_limit_is_refused_and_at_the_limit_accepted():
    # given
    order = OrderFactory()
    # when
    with pytest.raises(ReviewInvalid) as invalid:
        create(order, text="好" * 1001)
    review = create(order, text="好" * 1000)
    # then
    assert invalid.value.code == "text_too_long"
    assert len(review.text) == 1000


# --- review_reply -----------------------------------------------------------------------


def test_listener_replies_once():
    # given
    review = ReviewFactory()
    now = timezone.now()
    # when
    services.review_reply(
        review_id=review.pk, listener_user=review.listener.user, text=" 谢谢！ ", now=now
    )
    # then
    review.refresh_from_db()
    assert (review.reply_text, review.replied_at) == ("谢谢！", now)


def test_second_reply_is_refused_and_first_stays():
    # given
    review = ReviewFactory()
    services.review_reply(review_id=review.pk, listener_user=review.listener.user, text="谢谢")
    # when
    with pytest.raises(ReviewRefused) as refused:
        services.review_reply(review_id=review.pk, listener_user=review.listener.user, text="改")
    # then
    assert refused.value.code == "already_replied"
    review.refresh_from_db()
    assert review.reply_text == "谢谢"


@pytest.mark.parametrize("who", ["other_listener", "author", "stranger"])
def test_only_the_reviewed_listener_can_reply(who):
    # given
    review = ReviewFactory()
    user = {
        "other_listener": lambda: ListenerProfileFactory().user,
        "author": lambda: review.client,
        "stranger": UserFactory,
    }[who]()
    # when
    with pytest.raises(NotFound):
        services.review_reply(review_id=review.pk, listener_user=user, text="hi")
    # then
    review.refresh_from_db()
    assert (review.reply_text, review.replied_at) == ("", None)


def test_empty_reply_is_refused_and_reply_is_masked():
    # given
    review = ReviewFactory()
    listener_user = review.listener.user
    # when
    with pytest.raises(ReviewInvalid) as invalid:
        services.review_reply(review_id=review.pk, listener_user=listener_user, text="  ")
    services.review_reply(review_id=review.pk, listener_user=listener_user, text="13912345678")
    # then
    assert invalid.value.code == "text_required"
    review.refresh_from_db()
    assert review.reply_text == "***********"


# --- review_report ----------------------------------------------------------------------


def test_listener_and_any_signed_in_user_can_report_once_each():
    # given
    review = ReviewFactory()
    other = UserFactory()
    # when
    services.review_report(
        review_id=review.pk, reporter=review.listener.user, reason="false", note="没有这回事"
    )
    services.review_report(review_id=review.pk, reporter=other, reason="spam")
    # then
    assert sorted(ReviewReport.objects.values_list("reporter_id", "reason", "note")) == sorted(
        [(review.listener.user_id, "false", "没有这回事"), (other.pk, "spam", "")]
    )


def test_second_report_by_the_same_user_is_refused():
    # given
    report = ReviewReportFactory()
    # when
    with pytest.raises(ReviewRefused) as refused:
        services.review_report(review_id=report.review_id, reporter=report.reporter, reason="other")
    # then
    assert refused.value.code == "already_reported"
    assert list(ReviewReport.objects.values_list("pk", "reason")) == [(report.pk, "spam")]


def test_author_cannot_report_own_review_and_reason_must_be_known():
    # given
    review = ReviewFactory()
    # when
    with pytest.raises(ReviewInvalid) as own:
        services.review_report(review_id=review.pk, reporter=review.client, reason="spam")
    with pytest.raises(ReviewInvalid) as bad_reason:
        services.review_report(review_id=review.pk, reporter=UserFactory(), reason="boring")
    # then
    assert (own.value.code, bad_reason.value.code) == ("own_review", "invalid_reason")
    assert ReviewReport.objects.count() == 0


def test_hidden_review_cannot_be_reported():
    # given
    review = ReviewFactory(is_hidden=True, hidden_reason="abuse")
    # when / then
    with pytest.raises(NotFound):
        services.review_report(review_id=review.pk, reporter=UserFactory(), reason="spam")
    assert ReviewReport.objects.count() == 0


# --- review_hide / review_unhide --------------------------------------------------------


def test_staff_hide_removes_review_from_rating_and_unhide_restores_it():
    # given
    listener = ListenerProfileFactory()
    tier = PricingTierFactory(listener=listener)
    kept = create(OrderFactory(tier=tier), stars=5)
    unfair = create(OrderFactory(tier=tier), stars=1)
    staff = StaffUserFactory()
    assert stats_of(listener) == (Decimal("3.00"), 2, 1)
    # when
    services.review_hide(review_id=unfair.pk, staff=staff, reason="辱骂")
    # then
    unfair.refresh_from_db()
    assert (unfair.is_hidden, unfair.hidden_reason) == (True, "辱骂")
    assert unfair.hidden_at is not None
    assert stats_of(listener) == (Decimal("5.00"), 1, 1)
    # when
    services.review_unhide(review_id=unfair.pk, staff=staff, reason="申诉成功")
    # then
    unfair.refresh_from_db()
    assert (unfair.is_hidden, unfair.hidden_reason, unfair.hidden_at) == (False, "", None)
    assert stats_of(listener) == (Decimal("3.00"), 2, 1)
    assert list(
        ReviewModeration.objects.order_by("id").values_list("action", "reason", "staff_id")
    ) == [("hide", "辱骂", staff.pk), ("unhide", "申诉成功", staff.pk)]
    assert kept.pk != unfair.pk


def test_hiding_the_only_review_empties_the_rating():
    # given
    review = create(OrderFactory(), stars=4)
    # when
    services.review_hide(review_id=review.pk, staff=StaffUserFactory(), reason="spam")
    # then
    assert stats_of(review.listener) == (None, 0, 0)


def test_non_staff_cannot_hide_and_nothing_changes():
    # given
    review = create(OrderFactory(), stars=4)
    # when
    with pytest.raises(NotFound):
        services.review_hide(review_id=review.pk, staff=review.listener.user, reason="不喜欢")
    # then
    review.refresh_from_db()
    assert review.is_hidden is False
    assert ReviewModeration.objects.count() == 0
    assert stats_of(review.listener) == (Decimal("4.00"), 1, 1)


def test_hide_needs_a_reason_and_cannot_happen_twice():
    # given
    review = create(OrderFactory(), stars=4)
    staff = StaffUserFactory()
    # when
    with pytest.raises(ReviewInvalid) as no_reason:
        services.review_hide(review_id=review.pk, staff=staff, reason="  ")
    services.review_hide(review_id=review.pk, staff=staff, reason="spam")
    with pytest.raises(ReviewRefused) as twice:
        services.review_hide(review_id=review.pk, staff=staff, reason="again")
    shown = create(OrderFactory(), stars=3)
    with pytest.raises(ReviewRefused) as unhide_shown:
        services.review_unhide(review_id=shown.pk, staff=staff, reason="x")
    # then
    assert (no_reason.value.code, twice.value.code, unhide_shown.value.code) == (
        "reason_required",
        "already_hidden",
        "not_hidden",
    )
    assert list(ReviewModeration.objects.values_list("reason", flat=True)) == ["spam"]


def test_hiding_a_missing_review_is_not_found():
    # when / then
    with pytest.raises(NotFound):
        services.review_hide(review_id=999_999, staff=StaffUserFactory(), reason="x")
