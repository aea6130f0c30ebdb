"""Reply-clock edges: the latency timeline (API and page), pauses over HTTP, the chat page's
pause panel, the dashboard histogram, contract terms before payment, measured reputation,
and the absence of any way to change clock or breach rows."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from listeners.models import ListenerStats
from sessions.models import Breach, Pause, ReplyClock
from sessions.services import reputation
from sessions.services import watcher as watcher_services
from tests.factories import StaffUserFactory, UserFactory
from tests.sessions.clock_helpers import active_order, at, send

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def order_with_history():
    """In time (3 s), then missed once and answered late (at 15 s)."""
    order = active_order(window=10)
    send(order, "client", 1)
    send(order, "listener", 4)
    send(order, "client", 5)
    watcher_services.clocks_sweep(now=at(16), compensate=False)
    send(order, "listener", 17)
    return order


@pytest.mark.parametrize("who", ["client", "listener", "staff"])
def test_timeline_for_both_parties_and_staff(who):
    # given
    order = order_with_history()
    user = {
        "client": order.client,
        "listener": order.listener.user,
        "staff": StaffUserFactory(),
    }[who]
    # when
    response = api_for(user).get(f"/api/orders/{order.pk}/timeline/")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["session"] == order.pk
    assert body["breach_count"] == 1
    first, second = body["entries"]
    assert (first["latency_ms"], first["within_window"], first["breaches"]) == (3000, True, [])
    assert (second["latency_ms"], second["within_window"]) == (12000, False)
    assert second["deadline"] == at(15).isoformat()
    assert [b["deadline"] for b in second["breaches"]] == [at(15).isoformat()]
    assert second["breaches"][0]["refund_fen"] == order.price_fen // 10


def test_timeline_of_someone_elses_order_is_404():
    # given
    order = order_with_history()
    # when
    response = api_for(UserFactory()).get(f"/api/orders/{order.pk}/timeline/")
    anonymous = APIClient().get(f"/api/orders/{order.pk}/timeline/")
    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert anonymous.status_code in (401, 403)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_clock_data_cannot_be_changed_through_the_api(method):
    # given
    order = order_with_history()
    before = list(ReplyClock.objects.values()), list(Breach.objects.values())
    # when
    response = getattr(api_for(order.client), method)(
        f"/api/orders/{order.pk}/timeline/", {"entries": []}, format="json"
    )
    # then
    assert response.status_code == 405
    assert (list(ReplyClock.objects.values()), list(Breach.objects.values())) == before


def test_admin_shows_clocks_and_breaches_read_only():
    # given
    order = order_with_history()
    staff = StaffUserFactory(is_superuser=True)
    request = type("Request", (), {"user": staff})()
    # when / then
    for model in (ReplyClock, Breach, Pause):
        model_admin = admin.site._registry[model]
        assert model_admin.has_add_permission(request) is False
        assert model_admin.has_change_permission(request) is False
        assert model_admin.has_delete_permission(request) is False
        assert model_admin.has_view_permission(request) is True
    assert Breach.objects.filter(order=order).count() == 1


def test_pause_over_the_api_asked_by_the_listener_and_accepted_by_the_client():
    # given
    order = active_order(window=10)
    # when
    asked = api_for(order.listener.user).post(
        f"/api/orders/{order.pk}/pauses/", {"minutes": 2}, format="json"
    )
    pause_id = asked.json()["id"]
    answered = api_for(order.client).post(
        f"/api/orders/{order.pk}/pauses/{pause_id}/answer/", {"accept": True}, format="json"
    )
    # then
    assert asked.status_code == 201
    assert (asked.json()["state"], asked.json()["seconds"]) == ("requested", 120)
    assert answered.status_code == 200
    assert answered.json()["state"] == "accepted"
    assert Pause.objects.get(pk=pause_id).state == Pause.State.ACCEPTED


@pytest.mark.parametrize("minutes", [0, 16, "x", None])
def test_pause_api_refuses_lengths_out_of_bounds(minutes):
    # given
    order = active_order(window=10)
    # when
    response = api_for(order.listener.user).post(
        f"/api/orders/{order.pk}/pauses/", {"minutes": minutes}, format="json"
    )
    # then
    assert response.status_code == 400
    assert Pause.objects.count() == 0


def test_pause_api_refuses_a_client_asking():
    # given
    order = active_order(window=10)
    # when
    response = api_for(order.client).post(
        f"/api/orders/{order.pk}/pauses/", {"minutes": 2}, format="json"
    )
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "pause_not_yours"
    assert Pause.objects.count() == 0


def test_chat_pages_show_the_pause_panel_to_each_side(client):
    # given
    order = active_order(window=10)
    # when
    client.force_login(order.listener.user)
    listener_page = client.get(reverse("sessions:chat", args=[order.pk])).content.decode()
    client.post(reverse("sessions:pause_ask", args=[order.pk]), {"minutes": "3"})
    client.force_login(order.client)
    client_page = client.get(reverse("sessions:chat", args=[order.pk])).content.decode()
    # then
    assert 'id="pause-minutes"' in listener_page
    assert 'id="pause-minutes"' not in client_page
    pause = Pause.objects.get(order=order)
    assert reverse("sessions:pause_answer", args=[order.pk, pause.pk]) in client_page
    assert "pause.js" in client_page


def test_client_accepts_the_pause_with_the_page_form(client):
    # given
    order = active_order(window=10)
    pause = Pause.objects.create(order=order, requested_by=order.listener.user, seconds=120)
    client.force_login(order.client)
    # when
    response = client.post(
        reverse("sessions:pause_answer", args=[order.pk, pause.pk]), {"answer": "accept"}
    )
    # then
    assert response.status_code == 302
    pause.refresh_from_db()
    assert pause.state == Pause.State.ACCEPTED


def test_timeline_page_for_a_party_and_404_for_others(client):
    # given
    order = order_with_history()
    # when
    client.force_login(order.client)
    mine = client.get(reverse("sessions:timeline", args=[order.pk]))
    client.force_login(UserFactory())
    theirs = client.get(reverse("sessions:timeline", args=[order.pk]))
    # then
    assert mine.status_code == 200
    assert mine.content.decode().count('data-within="1"') == 1
    assert mine.content.decode().count('data-within="0"') == 1
    assert theirs.status_code == 404


def test_dashboard_shows_the_listeners_latency_histogram(client):
    # given
    order = order_with_history()
    # the history happened a minute ago on the real clock the page reads
    ReplyClock.objects.filter(order=order).update(closed_at=timezone.now() - timedelta(minutes=1))
    client.force_login(order.listener.user)
    # when
    page = client.get(reverse("sessions:dashboard")).content.decode()
    # then
    assert '<svg class="latency-histogram"' in page
    assert page.count("<rect ") == 7


def test_booking_page_states_the_contract_terms_in_plain_words(client):
    # given
    order = active_order(window=10)
    client.force_login(UserFactory())
    # when
    page = client.get(reverse("sessions:book", args=[order.tier.pk]))
    # then
    assert page.status_code == 200
    assert 'class="contract-terms' in page.content.decode()


def test_reputation_refresh_writes_the_listeners_30_day_figures():
    # given: latencies 3 s (in time) and 12 s (one miss)
    order = order_with_history()
    # when
    count = reputation.reply_stats_refresh_recent(since_seconds=300, now=at(60))
    # then
    assert count == 1
    stats = ListenerStats.objects.get(listener=order.listener)
    assert (stats.reply_count_30d, stats.reply_p50_ms, stats.reply_p95_ms) == (2, 3000, 12000)
    assert (stats.reply_within_window_permille, stats.breach_count_30d) == (500, 1)


def test_reputation_ages_out_after_30_days():
    # given
    order = order_with_history()
    # when
    reputation.reply_stats_refresh(listener_id=order.listener_id, now=at(31 * 86400))
    # then
    stats = ListenerStats.objects.get(listener=order.listener)
    assert (stats.reply_count_30d, stats.reply_p50_ms, stats.breach_count_30d) == (0, None, 0)
    assert stats.reply_within_window_permille is None


@pytest.mark.parametrize(
    ("fields", "ok"),
    [
        ({"breach_refund_percent": 0}, False),
        ({"breach_refund_percent": 51}, False),
        ({"breach_refund_cap_percent": 101}, False),
        ({"breach_termination_count": 0}, False),
        ({"breach_termination_count": 11}, False),
        ({"breach_refund_percent": 30, "breach_refund_cap_percent": 20}, False),
        ({"breach_refund_percent": True}, False),
        ({"breach_refund_percent": 20, "breach_refund_cap_percent": 60}, True),
        ({"breach_termination_count": 5}, True),
    ],
)
def test_tier_editing_refuses_contract_terms_out_of_bounds(fields, ok):
    # given
    from listeners.exceptions import ListenerError
    from listeners.services import tier_update

    order = active_order(window=10)
    tier = order.tier
    before = (
        tier.breach_refund_percent,
        tier.breach_refund_cap_percent,
        tier.breach_termination_count,
    )
    # when
    if ok:
        tier_update(listener=order.listener, tier_id=tier.pk, **fields)
    else:
        with pytest.raises(ListenerError):
            tier_update(listener=order.listener, tier_id=tier.pk, **fields)
    # then
    tier.refresh_from_db()
    if ok:
        for name, value in fields.items():
            assert getattr(tier, name) == value
    else:
        assert (
            tier.breach_refund_percent,
            tier.breach_refund_cap_percent,
            tier.breach_termination_count,
        ) == before


def test_timeline_page_shows_beijing_time_and_money_in_yuan_as_a_list(client):
    # given: the test clock starts at 12:00 UTC, 20:00 in Beijing
    order = order_with_history()
    breach = Breach.objects.get(order=order)
    client.force_login(order.client)
    # when
    page = client.get(reverse("sessions:timeline", args=[order.pk])).content.decode()
    # then
    assert "时间均为北京时间。" in page
    assert '<time class="sent" datetime="2030-01-15T20:00:01+08:00">20:00:01</time>' in page
    assert '<time class="sent" datetime="2030-01-15T20:00:05+08:00">20:00:05</time>' in page
    assert "12:00:0" not in page
    refund = f"¥{breach.refund_fen // 100}.{breach.refund_fen % 100:02d}"
    assert f"已退款：{refund}" in page
    assert "分" not in page.replace("分钟", "")
    assert page.count('<li class="timeline-entry"') == 2
    assert "<table" not in page
