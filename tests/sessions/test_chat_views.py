"""The chat page and the listener dashboard (server side; the live part is in the
browser test)."""

import pytest

from sessions.models import Order, QuickReply
from tests.factories import UserFactory
from tests.sessions.chat_factories import ChatOrderFactory, MessageFactory

pytestmark = pytest.mark.django_db


def test_chat_page_for_both_parties_and_not_for_others(client):
    # given
    order = ChatOrderFactory()
    # when
    client.force_login(order.client)
    mine = client.get(f"/chat/{order.pk}/")
    client.force_login(order.listener.user)
    listeners = client.get(f"/chat/{order.pk}/")
    client.force_login(UserFactory())
    stranger = client.get(f"/chat/{order.pk}/")
    # then
    assert mine.status_code == 200
    assert mine.context["role"] == "client"
    assert mine.context["config"]["session"]["id"] == order.pk
    assert order.listener.display_name in mine.content.decode()
    assert listeners.status_code == 200
    assert listeners.context["role"] == "listener"
    assert stranger.status_code == 404


def test_client_ends_early_from_the_page(client):
    # given
    order = ChatOrderFactory()
    client.force_login(order.client)
    # when
    response = client.post(f"/chat/{order.pk}/end/")
    # then
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.end_reason) == (Order.State.COMPLETED, "client_ended")


def test_dashboard_lists_sessions_with_unread_counts(client, django_assert_max_num_queries):
    # given
    order = ChatOrderFactory()
    other = ChatOrderFactory(listener=order.listener, tier=order.tier)
    MessageFactory(order=order, seq=1, sender=order.client)
    MessageFactory(order=order, seq=2, sender=order.client, text="last one")
    client.force_login(order.listener.user)
    # when
    # 12 + the header's unread count + presence + the workload (profile, shifts, the
    # week's orders, escalations, recent sessions) + the pool (tags, open requests) +
    # calls (those ringing now, those this listener reported) + hand-overs (whom to offer,
    # those offered to this listener)
    with django_assert_max_num_queries(25):
        response = client.get("/chat/dashboard/")
    # then
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.context["config"]["rows"]}
    assert set(rows) == {order.pk, other.pk}
    assert (rows[order.pk]["unread"], rows[order.pk]["last_text"]) == (2, "last one")
    assert rows[other.pk]["unread"] == 0


def test_dashboard_is_for_listeners_only(client):
    client.force_login(UserFactory())
    assert client.get("/chat/dashboard/").status_code == 404


def test_quick_replies_are_added_and_deleted(client):
    # given
    order = ChatOrderFactory()
    client.force_login(order.listener.user)
    # when
    client.post("/chat/dashboard/quick-replies/", {"text": "  我在，请说  "})
    reply = QuickReply.objects.get(user=order.listener.user)
    client.post("/chat/dashboard/quick-replies/", {"text": "\x00"})
    # then
    assert reply.text == "我在，请说"
    assert QuickReply.objects.count() == 1
    client.post(f"/chat/dashboard/quick-replies/{reply.pk}/delete/")
    assert QuickReply.objects.count() == 0


def test_deleting_another_listeners_quick_reply_is_404_and_keeps_it(client):
    # given: two listeners; one has a quick reply
    mine = ChatOrderFactory()
    theirs = ChatOrderFactory()
    client.force_login(theirs.listener.user)
    client.post("/chat/dashboard/quick-replies/", {"text": "稍等"})
    reply = QuickReply.objects.get()
    client.force_login(mine.listener.user)
    # when
    response = client.post(f"/chat/dashboard/quick-replies/{reply.pk}/delete/")
    missing = client.post("/chat/dashboard/quick-replies/999999/delete/")
    # then
    assert (response.status_code, missing.status_code) == (404, 404)
    assert QuickReply.objects.get() == reply
