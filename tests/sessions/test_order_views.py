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


def test_a_paid_instant_order_waits_for_the_listener_with_the_time_left_to_accept(
    client, local_stripe
):
    # given
    from tests.payments.helpers import order_paid
    from tests.sessions.factories import InstantOrderFactory

    order = order_paid(InstantOrderFactory())
    # when
    html = detail(client, order).content.decode()
    # then: the page follows the order by itself (sessions/static/sessions/order-wait.js)
    assert 'id="order-wait"' in html
    assert f'data-chat-url="/chat/{order.pk}/"' in html
    assert f'data-deadline="{order.accept_deadline.isoformat()}"' in html
    assert "对方一接单，本页会自动进入聊天" in html
    assert "sessions/order-wait.js" in html
    assert 'id="closed-notice"' not in html


@pytest.mark.parametrize(
    ("close", "why"),
    [("timeout", "倾听师没有及时接单。"), ("decline", "倾听师拒绝了这个订单。")],
)
def test_an_order_the_listener_did_not_take_says_so_and_shows_the_full_refund(
    client, local_stripe, django_capture_on_commit_callbacks, close, why
):
    # given
    from payments.invariants import assert_ledger_consistent
    from payments.models import Refund
    from sessions.services import orders
    from tests.payments.helpers import order_paid
    from tests.sessions.factories import InstantOrderFactory

    order = order_paid(InstantOrderFactory(price_fen=4500))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        if close == "timeout":
            orders.orders_accept_timeout(now=order.accept_deadline)
        else:
            orders.order_decline(order_id=order.pk, listener_user=order.listener.user)
    html = detail(client, order).content.decode()
    # then
    refund = Refund.objects.get(order=order)
    assert refund.amount_fen == 4500
    notice = html[html.index('id="closed-notice"') :]
    assert why in notice
    if refund.status == Refund.Status.SUCCEEDED:
        assert "¥45.00 已全额退回你的银行卡。" in notice
    else:
        assert "¥45.00 正在全额退回你的银行卡。" in notice
    assert 'id="order-wait"' not in html
    assert_ledger_consistent()


def test_the_pay_page_says_the_reply_rule_in_plain_words_before_paying(client, local_stripe):
    # given
    from tests.sessions.factories import InstantOrderFactory

    order = InstantOrderFactory(reply_window_seconds=10)
    client.force_login(order.client)
    # when
    html = client.get(reverse("sessions:pay", args=[order.pk])).content.decode()
    # then
    assert "消息一直没有回复时，之后每再过 10 秒，再记一次超时。" in html
    assert '<a href="/terms/#reply-window">超时如何计算</a>' in html
    assert "倾听师接单时开始" in html
