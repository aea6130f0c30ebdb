"""The listener's "I'm worried about this client" over the API: it opens the order's
escalation at the chosen level and answers with the guidance to show at once; anyone but
the order's listener gets a 404, bad input a 400, and nothing changes."""

import pytest
from rest_framework.test import APIClient

from sessions.models import Escalation, OnCall
from tests.factories import StaffUserFactory
from tests.sessions.chat_factories import ChatOrderFactory

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_listener_escalates_and_gets_the_guidance(django_capture_on_commit_callbacks):
    # given
    order = ChatOrderFactory()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(order.listener.user).post(
            f"/api/orders/{order.pk}/escalations/",
            {"level": "high", "note": "她说想从桥上跳下去"},
            format="json",
        )
    # then
    assert response.status_code == 201
    escalation = Escalation.objects.get()
    body = response.json()
    assert body["escalation"] == escalation.pk
    assert body["session"] == order.pk
    assert body["title"] == "客户可能正处于危机中"
    assert body["guidance"][-1] == "平台工作人员已收到通知，会跟进处理。"
    assert body["note"] == "工作人员处理期间，超时退款暂停。"
    assert (escalation.level, escalation.source, escalation.opened_by_id) == (
        2,
        "listener",
        order.listener.user_id,
    )


def test_imminent_from_the_api_pages_the_on_call(django_capture_on_commit_callbacks, sms_outbox):
    # given
    OnCall.objects.create(user=StaffUserFactory(phone="13900000007"), position=1)
    order = ChatOrderFactory()
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api_for(order.listener.user).post(
            f"/api/orders/{order.pk}/escalations/",
            {"level": "imminent", "note": "正在割腕"},
            format="json",
        )
    # then: answered before any SMS; the page is a task enqueued on commit
    assert response.status_code == 201
    assert sms_outbox() == []
    escalation = Escalation.objects.get()
    assert (escalation.level, escalation.page_round, escalation.page_sent_at) == (3, 1, None)
    assert len(callbacks) >= 3  # two frames and the page's enqueue


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": "urgent", "note": "x"}, "level"),
        ({"level": "high"}, "note"),
        ({"level": "high", "note": ""}, "note"),
        ({"level": "high", "note": "x" * 2001}, "note"),
        ({"note": "x"}, "level"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(body, field):
    # given
    order = ChatOrderFactory()
    # when
    response = api_for(order.listener.user).post(
        f"/api/orders/{order.pk}/escalations/", body, format="json"
    )
    # then
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Escalation.objects.count() == 0


@pytest.mark.parametrize("who", ["client", "other_listener", "staff", "missing"])
def test_anyone_but_the_orders_listener_gets_404(who):
    # given
    order = ChatOrderFactory()
    user = {
        "client": order.client,
        "other_listener": ChatOrderFactory().listener.user,
        "staff": StaffUserFactory(),
        "missing": order.listener.user,
    }[who]
    order_id = order.pk + 1000 if who == "missing" else order.pk
    # when
    response = api_for(user).post(
        f"/api/orders/{order_id}/escalations/", {"level": "high", "note": "x"}, format="json"
    )
    # then
    assert response.status_code == 404
    assert Escalation.objects.count() == 0


def test_anonymous_is_refused():
    # given
    order = ChatOrderFactory()
    # when
    response = APIClient().post(
        f"/api/orders/{order.pk}/escalations/", {"level": "high", "note": "x"}, format="json"
    )
    # then
    assert response.status_code in (401, 403)
    assert Escalation.objects.count() == 0
