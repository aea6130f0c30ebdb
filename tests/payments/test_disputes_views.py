"""Dispute pages: the client's and listener's page, the staff desk (404 to anyone else),
the evidence shown, the decision form with amounts in yuan, and notifications."""

from datetime import timedelta

import pytest
from django.urls import reverse

from payments.disputes import services
from payments.disputes.forms import yuan_to_fen
from payments.disputes.models import Dispute, DisputeAuditEntry, Notification
from payments.models import Refund
from sessions.models import Breach, ReplyClock
from tests.factories import StaffUserFactory, UserFactory
from tests.payments.dispute_helpers import finished_order, money_snapshot
from tests.sessions.chat_factories import MessageFactory

pytestmark = pytest.mark.django_db


def opened(order) -> Dispute:
    return services.dispute_open(
        order_id=order.pk,
        client=order.client,
        reason=Dispute.Reason.SLOW_REPLIES,
        statement="The listener took minutes to reply.",
    )


def test_client_opens_a_dispute_on_the_page(client):
    # given
    order = finished_order()
    client.force_login(order.client)
    url = reverse("payments:dispute", args=[order.pk])
    # when
    form = client.get(url)
    response = client.post(
        url, {"reason": "listener_absent", "statement": "Nobody was there."}, follow=True
    )
    # then
    assert form.status_code == 200
    assert 'name="statement"' in form.content.decode()
    assert response.status_code == 200
    dispute = Dispute.objects.get()
    assert (dispute.reason, dispute.statement) == ("listener_absent", "Nobody was there.")
    assert 'data-state="open"' in response.content.decode()


def test_page_of_someone_elses_order_is_404(client):
    # given
    order = finished_order()
    client.force_login(UserFactory())
    # when
    response = client.post(
        reverse("payments:dispute", args=[order.pk]),
        {"reason": "other", "statement": "Trying my luck."},
    )
    # then
    assert response.status_code == 404
    assert not Dispute.objects.exists()


def test_page_after_the_window_says_it_is_closed(client, settings):
    # given
    settings.DISPUTE_WINDOW_HOURS = 1
    order = finished_order(hours_ago=2)
    client.force_login(order.client)
    url = reverse("payments:dispute", args=[order.pk])
    # when
    page = client.get(url)
    response = client.post(url, {"reason": "other", "statement": "Too late, I know."})
    # then
    assert 'role="alert"' in page.content.decode()
    assert response.status_code == 409
    assert not Dispute.objects.exists()


def test_listener_answers_on_the_page(client):
    # given
    order = finished_order()
    dispute = opened(order)
    client.force_login(order.listener.user)
    # when
    response = client.post(
        reverse("payments:dispute", args=[order.pk]), {"statement": "I replied within 30 s."}
    )
    # then
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.listener_statement == "I replied within 30 s."


@pytest.mark.parametrize("who", ["anonymous", "client", "listener", "stranger"])
def test_desk_is_404_for_non_staff(client, who):
    # given
    order = finished_order()
    dispute = opened(order)
    user = {
        "anonymous": None,
        "client": order.client,
        "listener": order.listener.user,
        "stranger": UserFactory(),
    }[who]
    if user:
        client.force_login(user)
    before = money_snapshot()
    # when
    pages = [
        client.get(reverse("payments:dispute_desk")),
        client.get(reverse("payments:dispute_desk_detail", args=[dispute.pk])),
        client.post(
            reverse("payments:dispute_desk_detail", args=[dispute.pk]),
            {"outcome": "full_refund", "reason": "I decide myself."},
        ),
        client.post(reverse("payments:dispute_desk_approve", args=[dispute.pk])),
    ]
    # then
    assert [page.status_code for page in pages] == [404, 404, 404, 404]
    assert money_snapshot() == before
    assert list(DisputeAuditEntry.objects.values_list("action", flat=True)) == ["opened"]


def test_desk_shows_the_evidence_and_audits_the_view(client, django_assert_max_num_queries):
    # given
    order = finished_order()
    first = MessageFactory(order=order, seq=1, sender=order.client, text="Are you there?")
    MessageFactory(order=order, seq=2, sender=order.listener.user, text="Sorry, I am here now.")
    clock = ReplyClock.objects.create(
        order=order,
        listener=order.listener,
        opened_by=first,
        opened_at=first.created_at,
        window_seconds=order.reply_window_seconds,
        deadline=first.created_at + timedelta(seconds=order.reply_window_seconds * 2),
        status=ReplyClock.Status.ANSWERED,
        closed_at=first.created_at + timedelta(seconds=order.reply_window_seconds * 2 + 5),
        latency_ms=(order.reply_window_seconds * 2 + 5) * 1000,
        missed=1,
    )
    Breach.objects.create(
        clock=clock,
        order=order,
        listener=order.listener,
        deadline=first.created_at + timedelta(seconds=order.reply_window_seconds),
        recorded_at=first.created_at + timedelta(seconds=order.reply_window_seconds),
        streak=1,
        refund_fen=123,
    )
    dispute = opened(order)
    services.dispute_answer(
        dispute_id=dispute.pk, listener_user=order.listener.user, statement="Network trouble."
    )
    staff = StaffUserFactory()
    client.force_login(staff)
    # when
    queue = client.get(reverse("payments:dispute_desk"))
    with django_assert_max_num_queries(40):
        page = client.get(reverse("payments:dispute_desk_detail", args=[dispute.pk]))
    # then
    assert queue.status_code == 200
    assert f"#{order.pk}" in queue.content.decode()
    html = page.content.decode()
    assert page.status_code == 200
    for expected in [
        "Are you there?",
        "Sorry, I am here now.",
        "The listener took minutes to reply.",
        "Network trouble.",
        'id="reply-timeline"',
        "¥1.23",
        f"escrow:{order.pk}",
        'id="contract-terms"',
        'id="decide-form"',
    ]:
        assert expected in html, expected
    assert list(
        DisputeAuditEntry.objects.filter(actor=staff).values_list("action", "dispute_id")
    ) == [("queue_viewed", None), ("viewed", dispute.pk)]


def test_staff_decides_a_partial_refund_in_yuan(client, settings):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 10**9
    order = finished_order()
    dispute = opened(order)
    client.force_login(StaffUserFactory())
    # when
    response = client.post(
        reverse("payments:dispute_desk_detail", args=[dispute.pk]),
        {"outcome": "partial_refund", "amount_yuan": "1.50", "reason": "One late reply."},
        follow=True,
    )
    # then
    assert response.status_code == 200
    dispute.refresh_from_db()
    assert (dispute.state, dispute.amount_fen) == ("resolved", 150)
    assert Refund.objects.get().amount_fen == 150


@pytest.mark.parametrize("amount", ["", "0", "-1", "1.234", "abc", "1e3", "NaN", "99999999"])
def test_bad_yuan_amounts_are_refused_on_the_desk(client, amount):
    # given
    order = finished_order()
    dispute = opened(order)
    client.force_login(StaffUserFactory())
    before = money_snapshot()
    # when
    response = client.post(
        reverse("payments:dispute_desk_detail", args=[dispute.pk]),
        {"outcome": "partial_refund", "amount_yuan": amount, "reason": "Some reason."},
    )
    # then
    assert response.status_code == 400
    assert money_snapshot() == before


def test_more_than_left_in_escrow_is_refused_on_the_desk(client, settings):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 10**9
    order = finished_order()
    dispute = opened(order)
    client.force_login(StaffUserFactory())
    before = money_snapshot()
    too_much = f"{(order.price_fen + 1) // 100}.{(order.price_fen + 1) % 100:02d}"
    # when
    response = client.post(
        reverse("payments:dispute_desk_detail", args=[dispute.pk]),
        {"outcome": "partial_refund", "amount_yuan": too_much, "reason": "Too much."},
    )
    # then
    assert response.status_code == 409
    assert 'role="alert"' in response.content.decode()
    assert money_snapshot() == before


def test_yuan_to_fen_is_exact():
    assert yuan_to_fen("0.01") == 1
    assert yuan_to_fen("12.3") == 1230
    assert yuan_to_fen("¥1,234.56") == 123456
    assert yuan_to_fen("0.29") == 29  # float would give 28.999...


def test_notifications_page_lists_and_marks_read(client, django_capture_on_commit_callbacks):
    # given
    order = finished_order()
    with django_capture_on_commit_callbacks(execute=True):
        opened(order)
    client.force_login(order.listener.user)
    # when
    response = client.get(reverse("payments:notifications"))
    # then
    assert response.status_code == 200
    assert f"#{order.pk}" in response.content.decode()
    assert Notification.objects.get(user=order.listener.user).read_at is not None


def test_a_review_notifies_the_listener_in_site_only(
    client, django_capture_on_commit_callbacks, sms_outbox
):
    # given
    from reviews.services import review_create
    from tests.reviews.factories import OrderFactory as ReviewedOrderFactory

    order = ReviewedOrderFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        review_create(order_id=order.pk, client=order.client, stars=5)
    client.force_login(order.listener.user)
    response = client.get(reverse("payments:notifications"))
    # then
    note = Notification.objects.get()
    assert (note.user_id, note.kind, note.params) == (
        order.listener.user_id,
        "review_received",
        {"order": order.pk, "stars": 5},
    )
    assert f"#{order.pk}" in response.content.decode()
    assert sms_outbox() == []


def test_the_client_asks_for_an_amount_that_the_listener_and_staff_see(client):
    # given
    order = finished_order(price_fen=6000)
    client.force_login(order.client)
    url = reverse("payments:dispute", args=[order.pk])
    # when
    form = {"reason": "slow_replies", "statement": "Too slow.", "requested_yuan": "25.50"}
    client.post(url, form)
    dispute = Dispute.objects.get()
    client.force_login(order.listener.user)
    listener_page = client.get(url).content.decode()
    client.force_login(StaffUserFactory())
    desk = client.get(reverse("payments:dispute_desk_detail", args=[dispute.pk])).content.decode()
    # then
    assert dispute.requested_fen == 2550
    assert "申请退回金额： <strong>¥25.50</strong>" in listener_page
    assert "申请退回金额： <strong>¥25.50</strong>" in desk


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("60.01", "最多可申请 ¥60.00，即本订单付款中剩余的金额。"),
        ("-5", "请输入以元为单位的金额"),
        ("1.234", None),
    ],
)
def test_an_amount_asked_that_is_too_much_or_malformed_opens_nothing(client, amount, message):
    # given
    order = finished_order(price_fen=6000)
    client.force_login(order.client)
    before = money_snapshot()
    # when
    response = client.post(
        reverse("payments:dispute", args=[order.pk]),
        {"reason": "slow_replies", "statement": "Too slow.", "requested_yuan": amount},
    )
    # then
    assert response.status_code == 400
    if message:
        assert message in response.content.decode()
    assert not Dispute.objects.exists()
    assert money_snapshot() == before
