"""The order detail page links each party to what it may do next: the chat while the
session runs, the reply timeline, the review, and the dispute (open one or see it)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from payments.disputes import services as dispute_services
from payments.disputes.models import Dispute
from sessions.models import Order
from tests.reviews.factories import OrderFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def links(response) -> dict[str, str]:
    """The follow-up links of the page: id -> href."""
    html = response.content.decode()
    found = {}
    for name in ("chat", "timeline", "review", "dispute"):
        marker = f'id="link-{name}" href="'
        if marker in html:
            start = html.index(marker) + len(marker)
            found[name] = html[start : html.index('"', start)]
    return found


def detail(client, order, user=None):
    client.force_login(user or order.client)
    return client.get(reverse("sessions:order_detail", args=[order.pk]))


def test_a_finished_order_offers_its_client_the_review_the_dispute_and_the_timeline(client):
    # given
    order = OrderFactory()
    # when
    response = detail(client, order)
    # then
    assert response.status_code == 200
    assert links(response) == {
        "timeline": reverse("sessions:timeline", args=[order.pk]),
        "review": reverse("reviews:write", args=[order.pk]),
        "dispute": reverse("payments:dispute", args=[order.pk]),
    }
    html = response.content.decode()
    assert "写评价" in html
    assert "发起争议" in html


def test_an_active_order_links_to_the_chat_and_the_timeline_only(client):
    # given
    order = OrderFactory(state=Order.State.ACTIVE, ended_at=None)
    # when
    response = detail(client, order)
    # then
    assert links(response) == {
        "chat": reverse("sessions:chat", args=[order.pk]),
        "timeline": reverse("sessions:timeline", args=[order.pk]),
    }


def test_after_the_windows_close_only_the_timeline_is_left(client):
    # given: ended eight days ago, past both the dispute and the review window
    order = OrderFactory(ended_at=timezone.now() - timedelta(days=8))
    # when
    response = detail(client, order)
    # then
    assert links(response) == {"timeline": reverse("sessions:timeline", args=[order.pk])}


def test_an_existing_review_and_dispute_are_linked_instead_of_new_ones(client):
    # given
    order = OrderFactory()
    ReviewFactory(order=order)
    dispute_services.dispute_open(
        order_id=order.pk,
        client=order.client,
        reason=Dispute.Reason.SLOW_REPLIES,
        statement="The listener took minutes to reply.",
    )
    # when
    response = detail(client, order)
    # then
    html = response.content.decode()
    assert links(response)["review"] == reverse("reviews:write", args=[order.pk])
    assert links(response)["dispute"] == reverse("payments:dispute", args=[order.pk])
    assert "我的评价" in html
    assert "查看争议" in html
    assert "写评价" not in html


def test_the_listener_sees_the_dispute_but_no_review_or_dispute_to_open(client):
    # given
    order = OrderFactory()
    # when
    before = detail(client, order, user=order.listener.user)
    dispute_services.dispute_open(
        order_id=order.pk,
        client=order.client,
        reason=Dispute.Reason.SLOW_REPLIES,
        statement="The listener took minutes to reply.",
    )
    after = detail(client, order, user=order.listener.user)
    # then
    assert before.status_code == 200
    assert links(before) == {"timeline": reverse("sessions:timeline", args=[order.pk])}
    assert links(after) == {
        "timeline": reverse("sessions:timeline", args=[order.pk]),
        "dispute": reverse("payments:dispute", args=[order.pk]),
    }


def test_an_unpaid_order_has_no_follow_up_links(client):
    # given: a cancelled order never ran
    order = OrderFactory(state=Order.State.CANCELLED, ended_at=None)
    # when
    response = detail(client, order)
    # then
    assert links(response) == {}
