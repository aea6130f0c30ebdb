"""Risk levels and signals are for staff only: no frame, page or API answer that a
participant receives carries them, whichever side wrote the message."""

import json
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from sessions import events
from sessions.models import Escalation, MessageRisk, OnCall
from sessions.services import safety as safety_services
from sessions.services.chat import message_send
from tests.factories import StaffUserFactory
from tests.sessions.chat_factories import ChatOrderFactory
from tests.sessions.layer_capture import settled

pytestmark = pytest.mark.django_db

CRISIS = "我真的不想活了"
# Words that would be a label: the level names and signal families, as stored.
LABELS = ("imminent", "intent", "burden", '"level"', '"signals"', "data-level", "score")


def assert_no_label(text: str) -> None:
    found = [label for label in LABELS if label in text]
    assert found == []


def test_frames_to_both_sides_carry_no_level_or_signal(
    django_capture_on_commit_callbacks, group_frames
):
    # given: the on call exists, so imminent runs its whole course
    OnCall.objects.create(user=StaffUserFactory(), position=1)
    order = ChatOrderFactory()
    groups = [
        group_frames(events.order_group(order.pk)),
        group_frames(events.user_group(order.client_id)),
        group_frames(events.user_group(order.listener.user_id)),
    ]
    # when: a crisis message, a follow-up, and the listener escalating to imminent
    with django_capture_on_commit_callbacks(execute=True):
        message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
        message_send(user=order.client, order_id=order.pk, client_id="c2", text="算了")
    with django_capture_on_commit_callbacks(execute=True):
        safety_services.escalation_open_by_listener(
            user=order.listener.user, order_id=order.pk, level="imminent", note="在天台"
        )
    # then: the platform did assess (staff see it), and no frame says so
    assert MessageRisk.objects.filter(order=order).count() == 2
    assert Escalation.objects.get().level == 3
    delivered = settled(*groups)
    kinds = sorted({(frame["type"], frame.get("kind")) for _group, frame in delivered})
    assert ("safety", "crisis") in kinds
    for _group, frame in delivered:
        assert_no_label(json.dumps(frame, ensure_ascii=False))


def test_pages_and_api_of_both_parties_carry_no_level(client):
    # given
    order = ChatOrderFactory()
    message_send(user=order.client, order_id=order.pk, client_id="c1", text=CRISIS)
    safety_services.escalation_open_by_listener(
        user=order.listener.user, order_id=order.pk, level="imminent", note="在天台"
    )
    pages = []
    for user, url in (
        (order.client, reverse("sessions:chat", args=[order.pk])),
        (order.listener.user, reverse("sessions:chat", args=[order.pk])),
        (order.listener.user, reverse("sessions:dashboard")),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        pages.append(response.content.decode())
        api = APIClient()
        api.force_authenticate(user)
        transcript = api.get(f"/api/orders/{order.pk}/messages/")
        assert transcript.status_code == 200
        pages.append(transcript.content.decode())
    # then: the panels are there (hotlines, guidance), the labels are not; the dashboard's
    # "I'm worried" form offers levels for the listener to choose, which is no label
    assert "400-161-9995" in pages[0]
    assert "客户可能正处于危机中" in pages[4]
    worry_form = re.compile(r'<details id="worry".*?</details>', re.S)
    assert len(worry_form.findall(pages[4])) == 1
    for page in pages:
        assert_no_label(worry_form.sub("", page))
