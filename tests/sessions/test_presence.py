"""A listener's presence follows the person: any open page of ours (a heartbeat every
20 s) keeps them online, the explicit switch sets away or offline, and the dashboard
says what clients see. Real Redis (the suite's private one)."""

import time

import pytest
from django.urls import reverse

from listeners.models import ListenerProfile
from sessions.services import orders, presence
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory

pytestmark = pytest.mark.django_db

PAGE = "page-0123456789"


def ping(client, page=PAGE):
    return client.post(reverse("sessions:presence_ping"), {"page": page})


def status(listener) -> str:
    listener.refresh_from_db()
    return listener.presence


def test_any_open_page_keeps_a_listener_online_and_bookable(client):
    # given: no chat socket, only the earnings page open
    listener = ApprovedListenerFactory(presence=ListenerProfile.Presence.OFFLINE)
    tier = PricingTierFactory(listener=listener)
    client.force_login(listener.user)
    # when
    response = ping(client)
    # then
    assert response.status_code == 200
    assert response.json() == {"presence": "online"}
    assert status(listener) == "online"
    order = orders.order_create(client=UserFactory(), tier_id=tier.pk, kind="instant", minutes=30)
    assert order.state == "pending_payment"


def test_a_page_that_stops_beating_goes_stale_and_the_listener_offline(client, monkeypatch):
    # given
    listener = ApprovedListenerFactory(presence=ListenerProfile.Presence.OFFLINE)
    client.force_login(listener.user)
    ping(client)
    # when: a minute and more after the page's last heartbeat
    later = time.time() + presence.STALE_SECONDS + 1
    monkeypatch.setattr(presence.time, "time", lambda: later)
    presence.presence_sweep()
    # then
    assert status(listener) == "offline"


@pytest.mark.parametrize(("choice", "seen"), [("away", "busy"), ("offline", "offline")])
def test_the_switch_overrides_open_pages(client, choice, seen):
    # given
    listener = ApprovedListenerFactory(presence=ListenerProfile.Presence.OFFLINE)
    client.force_login(listener.user)
    ping(client)
    # when
    response = client.post(reverse("sessions:presence_set"), {"status": choice})
    ping(client)
    # then
    assert response.status_code == 302
    assert status(listener) == seen
    listener.refresh_from_db()
    assert listener.availability == choice
    # when: back to online
    client.post(reverse("sessions:presence_set"), {"status": "online"})
    # then
    assert status(listener) == "online"


def test_the_dashboard_says_what_clients_see(client):
    # given
    listener = ApprovedListenerFactory(presence=ListenerProfile.Presence.OFFLINE)
    client.force_login(listener.user)
    ping(client)
    # when
    html = client.get(reverse("sessions:dashboard")).content.decode()
    # then
    card = html[html.index('id="presence"') :]
    assert '客户看到你的状态：</strong> <span class="presence-now">在线</span>' in card
    assert "客户现在可以立即预约你。" in card
    assert 'value="online" checked' in card


def test_every_page_of_a_listener_carries_the_heartbeat_script_and_a_clients_does_not(client):
    # given
    listener = ApprovedListenerFactory()
    # when
    client.force_login(listener.user)
    listener_page = client.get(reverse("payments:earnings")).content.decode()
    client.force_login(UserFactory())
    client_page = client.get("/").content.decode()
    # then
    assert "sessions/presence.js" in listener_page
    assert "sessions/presence.js" not in client_page


@pytest.mark.parametrize("page", ["", "x", "bad page id!", "a" * 65])
def test_a_malformed_ping_is_refused_and_changes_nothing(client, page):
    # given
    listener = ApprovedListenerFactory(presence=ListenerProfile.Presence.OFFLINE)
    client.force_login(listener.user)
    # when
    response = ping(client, page=page)
    # then
    assert response.status_code == 400
    assert status(listener) == "offline"


def test_a_ping_from_a_client_or_a_visitor_is_refused(client):
    # when
    anonymous = ping(client)
    client.force_login(UserFactory())
    as_client = ping(client)
    switch = client.post(reverse("sessions:presence_set"), {"status": "away"})
    # then
    assert anonymous.status_code == 401
    assert as_client.status_code == 404
    assert switch.status_code == 404


def test_an_unknown_status_is_refused_with_a_message_and_changes_nothing(client):
    # given
    listener = ApprovedListenerFactory()
    client.force_login(listener.user)
    # when
    response = client.post(reverse("sessions:presence_set"), {"status": "dancing"}, follow=True)
    # then
    assert "请选择在线、暂离或离线。" in response.content.decode()
    listener.refresh_from_db()
    assert listener.availability == "online"
