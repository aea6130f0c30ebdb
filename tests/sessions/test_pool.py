"""The open request pool (派单): a client posts a request, online listeners who fit see
it, the first claim wins and books an instant order the client pays as any other;
unclaimed requests expire with a notification. Bad input is refused and writes nothing."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from listeners.models import ListenerProfile
from listeners.services import listener_shifts_set
from marketplace.exceptions import NotFound
from payments.disputes.models import Notification
from payments.invariants import assert_ledger_consistent
from sessions.models import OpenRequest, Order
from sessions.services import pool
from sessions.services.orders import BookingError
from tests.concurrency import run_together
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory, TagFactory
from tests.payments.helpers import order_paid


def listener_with(*, price_per_hour_fen=6000, reply_window_seconds=30, tags=()):
    listener = ApprovedListenerFactory(tier=False, tags=list(tags))
    PricingTierFactory(
        listener=listener,
        price_per_hour_fen=price_per_hour_fen,
        reply_window_seconds=reply_window_seconds,
        min_minutes=15,
        same_price_at_night=True,
    )
    return listener


def post(client=None, **overrides):
    arguments = {
        "client": client or UserFactory(),
        "tag_slugs": [],
        "minutes": 30,
        "budget_fen": 5000,
        "reply_window_seconds": 60,
    }
    return pool.request_post(**{**arguments, **overrides})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"minutes": 10}, "minutes_invalid"),
        ({"minutes": "30"}, "minutes_invalid"),
        ({"budget_fen": 50}, "budget_invalid"),
        ({"budget_fen": 2_000_000}, "budget_invalid"),
        ({"reply_window_seconds": 4}, "reply_window_invalid"),
        ({"tag_slugs": ["no-such-tag"]}, "tag_unknown"),
    ],
)
def test_a_bad_request_is_refused_and_writes_nothing(overrides, code):
    # when
    with pytest.raises(pool.PoolError) as refused:
        post(**overrides)
    # then
    assert refused.value.code == code
    assert str(refused.value.message)
    assert OpenRequest.objects.count() == 0


@pytest.mark.django_db
def test_one_open_request_per_client():
    # given
    client = UserFactory()
    post(client)
    # when / then
    with pytest.raises(pool.PoolError) as refused:
        post(client)
    assert refused.value.code == "request_open"
    assert OpenRequest.objects.count() == 1


@pytest.mark.django_db
def test_listeners_who_fit_see_the_request():
    # given
    tag = TagFactory(slug="pool-work")
    request = post(tag_slugs=["pool-work"])
    fits = listener_with(tags=[tag])
    untagged = listener_with()
    too_dear = listener_with(price_per_hour_fen=20000, tags=[tag])
    too_slow = listener_with(reply_window_seconds=120, tags=[tag])
    offline = listener_with(tags=[tag])
    ListenerProfile.objects.filter(pk=offline.pk).update(presence="offline")
    offline.refresh_from_db()
    # when / then
    assert pool.requests_for_listener(listener=fits) == [request]
    for other in (untagged, too_dear, too_slow, offline):
        assert pool.requests_for_listener(listener=other) == []
    assert pool.eligible_listener_count(request=request) == 1


@pytest.mark.django_db
def test_the_first_claim_books_an_order_the_client_pays(
    local_stripe, django_capture_on_commit_callbacks
):
    # given
    listener = listener_with()
    request = post(budget_fen=3000)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        order = pool.request_claim(request_id=request.pk, listener_user=listener.user)
    # then
    request.refresh_from_db()
    assert (request.state, request.claimed_by, request.order) == ("claimed", listener, order)
    assert (order.client, order.listener, order.kind) == (request.client, listener, "instant")
    assert (order.state, order.minutes, order.price_fen) == ("pending_payment", 30, 3000)
    note = Notification.objects.get(user=request.client)
    assert (note.kind, note.params["order"]) == ("request_claimed", order.pk)
    assert order_paid(order).state == Order.State.PAID
    assert_ledger_consistent()


@pytest.mark.django_db
def test_a_request_for_later_books_an_appointment_at_that_time():
    # given: a request for three hours from now
    listener = listener_with()
    now = timezone.now()
    start = now + timedelta(hours=3)
    request = post(start=start, now=now)
    # then: it stays open until it could no longer be booked
    assert (request.starts_at, request.expires_at) == (start, start - timedelta(minutes=10))
    assert pool.requests_for_listener(listener=listener, now=now) == [request]
    # when
    order = pool.request_claim(request_id=request.pk, listener_user=listener.user, now=now)
    # then
    assert (order.kind, order.starts_at, order.minutes) == ("appointment", start, 30)
    assert order.state == Order.State.PENDING_PAYMENT


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start",
    [
        "tomorrow",
        timezone.now().replace(tzinfo=None) + timedelta(hours=3),  # no time zone
        timezone.now() - timedelta(hours=1),
        timezone.now() + timedelta(minutes=5),
        timezone.now() + timedelta(days=8),
    ],
)
def test_a_request_for_a_bad_time_is_refused_and_writes_nothing(start):
    with pytest.raises(pool.PoolError) as refused:
        post(start=start)
    assert refused.value.code == "start_invalid"
    assert OpenRequest.objects.count() == 0


@pytest.mark.django_db
def test_claiming_twice_late_or_after_another_is_refused_and_changes_nothing():
    # given
    first, second = listener_with(), listener_with()
    request = post()
    pool.request_claim(request_id=request.pk, listener_user=first.user)
    late = post()
    # when / then
    codes = []
    for user, request_id, now in (
        (first.user, request.pk, None),
        (second.user, request.pk, None),
        (second.user, late.pk, timezone.now() + timedelta(minutes=11)),
    ):
        with pytest.raises(pool.PoolError) as refused:
            pool.request_claim(request_id=request_id, listener_user=user, now=now)
        codes.append(refused.value.code)
    assert codes == ["claimed_twice", "already_claimed", "request_expired"]
    assert Order.objects.count() == 1
    assert OpenRequest.objects.get(pk=late.pk).state == "open"
    with pytest.raises(NotFound):
        pool.request_claim(request_id="x1", listener_user=first.user)


@pytest.mark.django_db
def test_a_claim_the_booking_refuses_is_undone():
    # given: the listener is off shift (their one shift is on another day)
    listener = listener_with()
    weekday = (timezone.localtime().weekday() + 3) % 7
    listener_shifts_set(listener=listener, shifts=[(weekday, time(9), time(10))])
    request = post()
    # when
    with pytest.raises(BookingError) as refused:
        pool.request_claim(request_id=request.pk, listener_user=listener.user)
    # then
    assert refused.value.code == "off_shift"
    request.refresh_from_db()
    assert (request.state, request.claimed_by, request.order) == ("open", None, None)
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_unclaimed_requests_expire_with_a_message_to_the_client(
    django_capture_on_commit_callbacks,
):
    # given
    request = post()
    waiting = post()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        early = pool.requests_expire(now=request.expires_at - timedelta(seconds=1))
        done = pool.requests_expire(now=request.expires_at + timedelta(seconds=1))
    # then
    assert (early, done) == (0, 2)
    assert set(OpenRequest.objects.values_list("state", flat=True)) == {"expired"}
    assert sorted(Notification.objects.values_list("user_id", "kind")) == sorted(
        [(request.client_id, "request_expired"), (waiting.client_id, "request_expired")]
    )


@pytest.mark.django_db
def test_a_client_withdraws_only_their_own_waiting_request():
    # given
    request = post()
    # when / then
    with pytest.raises(NotFound):
        pool.request_cancel(request_id=request.pk, client=UserFactory())
    assert pool.request_cancel(request_id=request.pk, client=request.client).state == "cancelled"
    with pytest.raises(pool.PoolError) as refused:
        pool.request_cancel(request_id=request.pk, client=request.client)
    assert refused.value.code == "not_open"


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_concurrent_claims_wins():
    # given: five online listeners who all fit, racing for one request (real threads,
    # PostgreSQL row locks)
    listeners = [listener_with() for _ in range(5)]
    request = post()
    # when
    results = run_together(
        *(
            (
                lambda user=listener.user: pool.request_claim(
                    request_id=request.pk, listener_user=user
                )
            )
            for listener in listeners
        )
    )
    # then
    orders = [r for r in results if isinstance(r, Order)]
    refusals = [r.code for r in results if isinstance(r, pool.PoolError)]
    assert len(orders) == 1
    assert refusals == ["already_claimed"] * 4
    request.refresh_from_db()
    assert request.order_id == orders[0].pk
    assert request.claimed_by_id == orders[0].listener_id
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_the_pages_post_show_and_claim_a_request(client):
    # given: a client and a listener online who fits
    listener = listener_with()
    user = UserFactory()
    client.force_login(user)
    url = reverse("sessions:pool")
    # when: the client posts
    posted = client.post(
        url,
        {"action": "post", "minutes": "30", "budget_yuan": "30.00", "reply_window_seconds": "60"},
    )
    # then: it waits, with an honest count of who could take it
    assert posted.status_code == 302
    page = client.get(url).content.decode()
    assert "你的请求正在等待" in page
    assert "¥30.00" in page
    assert "1 位合适的倾听者在线。" in page
    # when: the listener sees it on the dashboard and takes it
    client.force_login(listener.user)
    dashboard = client.get(reverse("sessions:dashboard")).content.decode()
    request = OpenRequest.objects.get(client=user)
    assert f'data-request="{request.pk}"' in dashboard
    taken = client.post(reverse("sessions:pool_claim", args=[request.pk]), follow=True)
    # then
    order = Order.objects.get(client=user)
    assert f"请求归你了：订单 #{order.pk} 等待客户付款。" in taken.content.decode()
    again = client.post(reverse("sessions:pool_claim", args=[request.pk]), follow=True)
    assert "你已经接下了这个请求。" in again.content.decode()
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_the_page_posts_a_request_for_a_later_time(client):
    # given
    listener_with()
    user = UserFactory()
    client.force_login(user)
    start = (timezone.localtime() + timedelta(hours=3)).replace(second=0, microsecond=0)
    # when
    posted = client.post(
        reverse("sessions:pool"),
        {
            "action": "post",
            "minutes": "30",
            "budget_yuan": "30.00",
            "reply_window_seconds": "60",
            "when": "later",
            "start": start.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    # then
    assert posted.status_code == 302
    assert OpenRequest.objects.get(client=user).starts_at == start
    page = client.get(reverse("sessions:pool")).content.decode()
    assert f"{start:%m-%d %H:%M} 起" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"minutes": "5"}, "每个请求为 15 到 240 分钟。"),
        ({"budget_yuan": "0.50"}, "预算为 ¥1.00 到 ¥10,000.00。"),
        ({"budget_yuan": "abc"}, "输入一个数字。"),
        ({"reply_window_seconds": "9999"}, "回复时限为 5 到 600 秒。"),
        ({"when": "later"}, "请选择服务开始的时间。"),
        (
            {"when": "later", "start": "2020-01-01T10:00"},
            "指定时间的请求须在 10 分钟后到 7 天内开始。",
        ),
    ],
)
def test_the_page_refuses_a_bad_request_and_writes_nothing(client, data, message):
    # given
    client.force_login(UserFactory())
    fields = {"action": "post", "minutes": "30", "budget_yuan": "30", "reply_window_seconds": "60"}
    # when
    response = client.post(reverse("sessions:pool"), {**fields, **data}, follow=True)
    # then
    assert message in response.content.decode()
    assert OpenRequest.objects.count() == 0


@pytest.mark.django_db
def test_someone_elses_request_cannot_be_withdrawn(client):
    # given
    request = post()
    client.force_login(UserFactory())
    # when
    response = client.post(
        reverse("sessions:pool"), {"action": "cancel", "request_id": str(request.pk)}
    )
    # then
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.state == "open"
