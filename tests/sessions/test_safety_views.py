"""The staff page of escalations (404 for everyone else), closing from it, and the
safety panel on the chat page."""

import pytest
from django.urls import reverse

from sessions.models import Escalation
from sessions.services.chat import message_send
from tests.factories import UserFactory
from tests.sessions.chat_factories import ChatOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalation():
    order = ChatOrderFactory()
    message_send(user=order.client, order_id=order.pk, client_id="c1", text="我不想活了")
    return Escalation.objects.get()


@pytest.mark.parametrize("who", ["anonymous", "client", "listener"])
def test_page_and_close_are_404_for_non_staff(client, escalation, who):
    # given
    if who == "client":
        client.force_login(escalation.order.client)
    elif who == "listener":
        client.force_login(escalation.listener.user)
    # when
    page = client.get(reverse("sessions:escalations"))
    close = client.post(
        reverse("sessions:escalation_close", args=[escalation.pk]),
        {"outcome": "other", "note": "x"},
    )
    # then
    assert (page.status_code, close.status_code) == (404, 404)
    escalation.refresh_from_db()
    assert escalation.state == "open"


def test_staff_see_open_escalations_and_close_one_with_a_note(client, escalation):
    # given
    staff = UserFactory(is_staff=True, role="staff")
    client.force_login(staff)
    # when
    page = client.get(reverse("sessions:escalations"))
    # then
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-escalation="{escalation.pk}"' in html
    assert "我不想活了" in html
    # when
    response = client.post(
        reverse("sessions:escalation_close", args=[escalation.pk]),
        {"outcome": "support_given", "note": "已电话回访"},
    )
    # then
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert (
        escalation.state,
        escalation.closed_by_id,
        escalation.outcome,
        escalation.close_note,
    ) == ("closed", staff.pk, "support_given", "已电话回访")


def test_close_without_a_note_changes_nothing(client, escalation):
    # given
    client.force_login(UserFactory(is_staff=True, role="staff"))
    # when
    response = client.post(reverse("sessions:escalation_close", args=[escalation.pk]), {})
    # then
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.state == "open"


def test_admin_lists_escalations_for_staff(client, escalation):
    # given
    client.force_login(UserFactory(is_staff=True, is_superuser=True, role="staff"))
    # when
    response = client.get(reverse("admin:live_sessions_escalation_changelist"))
    # then
    assert response.status_code == 200


def test_chat_page_shows_the_hotline_panel_while_open(client, escalation):
    # given
    client.force_login(escalation.order.client)
    # when
    response = client.get(reverse("sessions:chat", args=[escalation.order_id]))
    # then
    html = response.content.decode()
    assert 'id="safety-panel"' in html
    assert "400-161-9995" in html
    assert "希望24热线" in html
    assert 'role="alert" aria-live="assertive">' in html  # rendered visible (not hidden)
