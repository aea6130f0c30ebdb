from datetime import timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from listeners.models import ListenerStats
from reviews import selectors, services
from reviews.models import Review, ReviewModeration, ReviewReport
from sessions.models import Order
from tests.factories import StaffUserFactory, UserFactory
from tests.reviews.factories import (
    ListenerProfileFactory,
    OrderFactory,
    PricingTierFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db


def write_url(order) -> str:
    return reverse("reviews:write", kwargs={"order_id": order.pk})


# --- the client's review page -----------------------------------------------------------


def test_client_writes_a_review_on_the_page_and_then_sees_it(client):
    # given
    order = OrderFactory()
    client.force_login(order.client)
    # when
    form = client.get(write_url(order))
    posted = client.post(write_url(order), {"stars": "4", "tags": ["warm"], "text": "谢谢倾听"})
    shown = client.get(write_url(order))
    # then
    assert form.status_code == 200
    assert 'name="stars"' in form.content.decode()
    assert posted.status_code == 302
    assert posted["Location"] == write_url(order)
    review = Review.objects.get()
    assert (review.stars, review.tags, review.text) == (4, ["warm"], "谢谢倾听")
    page = shown.content.decode()
    assert "谢谢倾听" in page
    assert "温暖" in page
    assert 'name="stars"' not in page


def test_review_page_of_someone_elses_order_is_404(client):
    # given
    order = OrderFactory()
    client.force_login(UserFactory())
    # when
    get = client.get(write_url(order))
    post = client.post(write_url(order), {"stars": "5"})
    # then
    assert (get.status_code, post.status_code) == (404, 404)
    assert Review.objects.count() == 0


def test_review_page_asks_anonymous_visitors_to_sign_in(client):
    # when
    response = client.get(write_url(OrderFactory()))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_review_page_explains_why_an_unfinished_order_cannot_be_reviewed(client):
    # given
    order = OrderFactory(state=Order.State.ACTIVE, ended_at=None)
    client.force_login(order.client)
    # when
    page = client.get(write_url(order))
    post = client.post(write_url(order), {"stars": "5"})
    # then
    assert "会话结束后才能评价。" in page.content.decode()
    assert 'name="stars"' not in page.content.decode()
    assert post.status_code == 409
    assert Review.objects.count() == 0


def test_review_page_after_the_window_refuses(client):
    # given
    order = OrderFactory(ended_at=timezone.now() - timedelta(days=8))
    client.force_login(order.client)
    # when
    post = client.post(write_url(order), {"stars": "5"})
    # then
    assert post.status_code == 409
    assert "评价期已结束" in post.content.decode()
    assert Review.objects.count() == 0


def test_review_form_without_stars_is_refused(client):
    # given
    order = OrderFactory()
    client.force_login(order.client)
    # when
    response = client.post(write_url(order), {"stars": "9", "text": "x"})
    # then
    assert response.status_code == 400
    assert Review.objects.count() == 0


# --- the listener's pages ---------------------------------------------------------------


def test_listener_replies_from_the_reply_page(client):
    # given
    review = ReviewFactory(text="很好")
    client.force_login(review.listener.user)
    url = reverse("reviews:reply", kwargs={"review_id": review.pk})
    # when
    form = client.get(url)
    posted = client.post(url, {"text": "谢谢您的信任"})
    again = client.post(url, {"text": "再来一次"})
    # then
    assert form.status_code == 200
    assert posted.status_code == 302
    assert posted["Location"] == reverse("reviews:mine")
    assert again.status_code == 409
    review.refresh_from_db()
    assert review.reply_text == "谢谢您的信任"


def test_reply_page_is_404_for_anyone_but_the_reviewed_listener(client):
    # given
    review = ReviewFactory()
    client.force_login(ListenerProfileFactory().user)
    # when
    response = client.post(reverse("reviews:reply", kwargs={"review_id": review.pk}), {"text": "x"})
    # then
    assert response.status_code == 404
    review.refresh_from_db()
    assert review.replied_at is None


def test_listener_sees_own_reviews_including_hidden_ones_with_reply_links(client):
    # given
    listener = ListenerProfileFactory()
    tier = PricingTierFactory(listener=listener)
    shown = ReviewFactory(order=OrderFactory(tier=tier), text="很耐心")
    ReviewFactory(order=OrderFactory(tier=tier), text="差评", is_hidden=True, hidden_reason="辱骂")
    client.force_login(listener.user)
    # when
    page = client.get(reverse("reviews:mine")).content.decode()
    # then
    assert "很耐心" in page
    assert "已被平台隐藏：辱骂" in page
    assert reverse("reviews:reply", kwargs={"review_id": shown.pk}) in page


def test_my_reviews_page_is_404_for_clients(client):
    # given
    client.force_login(UserFactory())
    # when / then
    assert client.get(reverse("reviews:mine")).status_code == 404


# --- public list, include, report -------------------------------------------------------


@pytest.mark.parametrize("count", [1, 10])
def test_public_reviews_page_hides_hidden_reviews_in_constant_queries(
    client, django_assert_max_num_queries, count
):
    # given
    listener = ListenerProfileFactory()
    tier = PricingTierFactory(listener=listener)
    for _ in range(count):
        ReviewFactory(order=OrderFactory(tier=tier), text="公开评价", tags=["warm"])
    ReviewFactory(order=OrderFactory(tier=tier), text="隐藏评价", is_hidden=True)
    url = reverse("reviews:listener", kwargs={"listener_id": listener.pk})
    # when: listener, rating aggregate, count, page (plus the session machinery)
    with django_assert_max_num_queries(4):
        response = client.get(url)
    # then
    page = response.content.decode()
    assert page.count("公开评价") == count
    assert "隐藏评价" not in page


def test_list_include_renders_summary_and_reviews_without_a_query_per_review(
    django_assert_num_queries, rf
):
    # given
    listener = ListenerProfileFactory()
    tier = PricingTierFactory(listener=listener)
    for stars in (5, 5, 4, 2):
        ReviewFactory(order=OrderFactory(tier=tier), stars=stars, tags=["warm"])
    stats = selectors.listener_rating(listener_id=listener.pk)
    request = rf.get("/")
    request.user = UserFactory()
    # when: one query for the page of reviews with their authors
    with django_assert_num_queries(1):
        reviews = list(selectors.reviews_for_listener(listener_id=listener.pk)[:5])
        html = render_to_string(
            "reviews/_list.html", {"reviews": reviews, "stats": stats}, request=request
        )
    # then
    assert stats.rating_avg == Decimal("4.00")
    assert "75% 好评" in html
    assert html.count('<li class="review') == 4
    assert html.count("温暖") == 4


def test_report_form_files_a_report_and_returns(client):
    # given
    review = ReviewFactory()
    reporter = UserFactory()
    client.force_login(reporter)
    back = reverse("reviews:listener", kwargs={"listener_id": review.listener_id})
    url = reverse("reviews:report", kwargs={"review_id": review.pk})
    # when
    first = client.post(url, {"reason": "spam", "note": "广告", "next": back})
    second = client.post(url, {"reason": "spam", "next": "https://evil.example/"})
    # then
    assert (first.status_code, first["Location"]) == (302, back)
    assert (second.status_code, second["Location"]) == (302, reverse("home"))
    assert list(ReviewReport.objects.values_list("reporter_id", "reason", "note")) == [
        (reporter.pk, "spam", "广告")
    ]


# --- admin ------------------------------------------------------------------------------


def test_staff_hide_a_review_in_the_admin_with_a_reason(client):
    # given
    listener = ListenerProfileFactory()
    tier = PricingTierFactory(listener=listener)
    good = services.review_create(
        order_id=(order := OrderFactory(tier=tier)).pk, client=order.client, stars=5
    )
    bad = services.review_create(
        order_id=(order := OrderFactory(tier=tier)).pk, client=order.client, stars=1
    )
    staff = StaffUserFactory(is_superuser=True)
    client.force_login(staff)
    changelist = reverse("admin:reviews_review_changelist")
    selection = {"action": "hide_reviews", "_selected_action": [bad.pk]}
    # when
    ask = client.post(changelist, selection)
    done = client.post(changelist, {**selection, "apply": "1", "reason": "人身攻击"})
    # then
    assert ask.status_code == 200
    assert 'name="reason"' in ask.content.decode()
    assert done.status_code == 302
    bad.refresh_from_db()
    assert (bad.is_hidden, bad.hidden_reason) == (True, "人身攻击")
    assert ReviewModeration.objects.get().staff_id == staff.pk
    stats = ListenerStats.objects.get(listener=listener)
    assert (stats.rating_avg, stats.rating_count, stats.positive_count) == (Decimal("5.00"), 1, 1)
    assert good.is_hidden is False


def test_admin_hide_without_a_reason_changes_nothing(client):
    # given
    review = ReviewFactory()
    client.force_login(StaffUserFactory(is_superuser=True))
    # when
    response = client.post(
        reverse("admin:reviews_review_changelist"),
        {"action": "hide_reviews", "_selected_action": [review.pk], "apply": "1", "reason": ""},
    )
    # then
    assert response.status_code == 200
    review.refresh_from_db()
    assert review.is_hidden is False
    assert ReviewModeration.objects.count() == 0


def test_admin_changelist_shows_report_counts(client):
    # given
    review = ReviewFactory()
    ReviewReport.objects.create(review=review, reporter=UserFactory(), reason="spam")
    client.force_login(StaffUserFactory(is_superuser=True))
    # when
    response = client.get(reverse("admin:reviews_review_changelist") + "?reported=yes")
    # then
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_admin_change_page_shows_reports_and_moderation_log(client):
    # given
    review = ReviewFactory(text="待审核")
    ReviewReport.objects.create(review=review, reporter=UserFactory(), reason="spam", note="广告")
    staff = StaffUserFactory(is_superuser=True)
    services.review_hide(review_id=review.pk, staff=staff, reason="广告内容")
    client.force_login(staff)
    # when
    response = client.get(reverse("admin:reviews_review_change", args=[review.pk]))
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "广告内容" in page
    assert "待审核" in page
