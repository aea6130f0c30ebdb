"""The hand-over forms: the dashboard proposes, the client's chat page shows the card and
answers; bad input is a message on the page, someone else's session a 404."""

import pytest
from django.contrib.messages import get_messages

from listeners.models import ListenerProfile
from listeners.services import team_create, team_invite, team_invite_answer
from sessions.models import Handover, Order
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory
from tests.sessions.chat_factories import ChatOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat():
    owner, mate = ApprovedListenerFactory(), ApprovedListenerFactory(display_name="小满")
    team_create(owner=owner, name="夜航", commission_percent=5)
    invite = team_invite(owner=owner, phone=mate.user.phone)
    team_invite_answer(listener=mate, invite_id=invite.pk, accept=True)
    return ChatOrderFactory(listener=owner), owner, mate


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_dashboard_offers_teammates_and_the_client_sees_the_card(client, chat):
    # given
    order, owner, mate = chat
    client.force_login(owner.user)
    page = client.get("/chat/dashboard/").content.decode()
    assert 'id="handover-form"' in page
    assert "小满" in page
    # when
    response = client.post("/chat/handovers/", {"session": order.pk, "to": mate.pk})
    # then
    assert response.status_code == 302
    assert texts(response) == ["已提议转单：等待客户回应。"]
    handover = Handover.objects.get(order=order)
    client.force_login(order.client)
    page = client.get(f"/chat/{order.pk}/").content.decode()
    assert f"/chat/{order.pk}/handovers/{handover.pk}/answer/" in page
    assert "提议把这个聊天转给 小满" in page
    # when: the client accepts
    response = client.post(
        f"/chat/{order.pk}/handovers/{handover.pk}/answer/", {"answer": "accept"}
    )
    # then
    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).listener == mate
    # then: the new listener sees the chat and the order's terms; the previous one neither
    client.force_login(mate.user)
    assert client.get(f"/chat/orders/{order.pk}/").status_code == 200
    assert client.get(f"/chat/{order.pk}/").status_code == 200
    assert f'data-session="{order.pk}"' in client.get("/chat/dashboard/").content.decode()
    client.force_login(owner.user)
    assert client.get(f"/chat/{order.pk}/").status_code == 404
    assert client.get(f"/chat/orders/{order.pk}/").status_code == 404


def test_a_refused_proposal_is_a_message_and_changes_nothing(client, chat):
    order, owner, mate = chat
    ListenerProfile.objects.filter(pk=mate.pk).update(presence="offline")
    client.force_login(owner.user)
    for to in (mate.pk, "", "x", owner.pk):
        response = client.post("/chat/handovers/", {"session": order.pk, "to": to})
        assert response.status_code == 302
    assert texts(response) == [
        "小满 不在线。",
        "请选择要转给的倾听者。",
        "请选择要转给的倾听者。",
        "不能把聊天转给自己。",
    ]
    assert not Handover.objects.exists()
    # someone else's session, or no session at all: 404
    assert client.post("/chat/handovers/", {"session": 999999, "to": mate.pk}).status_code == 404
    assert client.post("/chat/handovers/", {"session": "abc", "to": mate.pk}).status_code == 404


def test_answering_for_someone_elses_session_is_404(client, chat):
    order, owner, mate = chat
    client.force_login(owner.user)
    client.post("/chat/handovers/", {"session": order.pk, "to": mate.pk})
    handover = Handover.objects.get(order=order)
    client.force_login(UserFactory())
    url = f"/chat/{order.pk}/handovers/{handover.pk}/answer/"
    assert client.post(url, {"answer": "accept"}).status_code == 404
    other = ChatOrderFactory()
    client.force_login(other.client)
    assert (
        client.post(f"/chat/{other.pk}/handovers/{handover.pk}/answer/", {"answer": "accept"})
    ).status_code == 404
    assert client.post(f"/chat/handovers/{handover.pk}/listener-answer/").status_code == 404
    handover.refresh_from_db()
    assert handover.state == Handover.State.PROPOSED
    assert Order.objects.get(pk=order.pk).listener == owner


def test_the_listener_asked_answers_from_the_dashboard(client):
    alone, helper = ApprovedListenerFactory(), ApprovedListenerFactory()
    order = ChatOrderFactory(listener=alone)
    client.force_login(alone.user)
    client.post("/chat/handovers/", {"session": order.pk, "to": helper.pk})
    handover = Handover.objects.get(order=order)
    client.force_login(helper.user)
    page = client.get("/chat/dashboard/").content.decode()
    assert f"/chat/handovers/{handover.pk}/listener-answer/" in page
    response = client.post(f"/chat/handovers/{handover.pk}/listener-answer/", {"answer": "accept"})
    assert response.status_code == 302
    assert texts(response) == []
    handover.refresh_from_db()
    assert handover.state == Handover.State.PROPOSED
