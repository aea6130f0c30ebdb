"""The staff pages of escalations (404 for everyone else): closing with an outcome,
overdue pages, acknowledging, the transcript with risk and labels; the safety panel on the
chat page; the listener's "I'm worried" form (page endpoint, the dashboard)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions.models import Escalation, Message, MessageLabel, OnCall
from sessions.services.chat import message_send
from sessions.services.safety import escalation_open_by_listener
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


# --- Overdue pages, acknowledging, outcomes, transcript labels ----------------------------------


def _staff_client(client):
    staff = UserFactory(is_staff=True, role="staff", phone="13700000009")
    client.force_login(staff)
    return staff


@pytest.fixture
def paged(django_capture_on_commit_callbacks):
    """An imminent escalation paged ten minutes ago (the on call did not acknowledge)."""
    on_call = UserFactory(is_staff=True, role="staff", phone="13700000001")
    OnCall.objects.create(user=on_call, position=1)
    order = ChatOrderFactory()
    with django_capture_on_commit_callbacks(execute=True):
        return escalation_open_by_listener(
            user=order.listener.user,
            order_id=order.pk,
            level="imminent",
            note="他说药已经吃下去了",
            now=timezone.now() - timedelta(minutes=10),
        )


def test_overdue_escalations_are_marked_and_listed_first(client, escalation, paged):
    # given
    _staff_client(client)
    # when
    html = client.get(reverse("sessions:escalations")).content.decode()
    # then: the unacknowledged page is overdue and first; the fresh high one is not overdue
    overdue = f'class="card escalation level-3 overdue" data-escalation="{paged.pk}"'
    fresh = f'class="card escalation level-2" data-escalation="{escalation.pk}"'
    assert overdue in html
    assert fresh in html
    assert html.index(overdue) < html.index(fresh)
    assert html.count('class="badge overdue-badge"') == 1
    assert "他说药已经吃下去了" in html


def test_staff_acknowledge_from_the_page(client, paged):
    # given
    staff = _staff_client(client)
    # when
    response = client.post(reverse("sessions:escalation_acknowledge", args=[paged.pk]))
    # then
    assert response.status_code == 302
    paged.refresh_from_db()
    assert paged.acknowledged_by_id == staff.pk
    html = client.get(reverse("sessions:escalations")).content.decode()
    assert "overdue-badge" not in html


@pytest.mark.parametrize("who", ["anonymous", "client", "listener"])
def test_acknowledge_detail_and_label_are_404_for_non_staff(client, paged, who):
    # given
    if who == "client":
        client.force_login(paged.order.client)
    elif who == "listener":
        client.force_login(paged.listener.user)
    message_send(user=paged.order.client, order_id=paged.order_id, client_id="c9", text="hi")
    message = Message.objects.get(order_id=paged.order_id)
    # when
    responses = [
        client.get(reverse("sessions:escalation_detail", args=[paged.pk])),
        client.get(reverse("sessions:order_transcript", args=[paged.order_id])),
        client.post(reverse("sessions:escalation_acknowledge", args=[paged.pk])),
        client.post(
            reverse("sessions:message_label", args=[paged.order_id, message.pk]),
            {"label": "false_alarm"},
        ),
    ]
    # then
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    paged.refresh_from_db()
    assert paged.acknowledged_at is None
    assert MessageLabel.objects.count() == 0


def test_close_without_an_outcome_changes_nothing(client, escalation):
    # given
    _staff_client(client)
    # when
    response = client.post(
        reverse("sessions:escalation_close", args=[escalation.pk]), {"note": "called"}
    )
    # then
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.state == "open"


def test_staff_label_messages_from_the_transcript(client, escalation):
    # given: the transcript of the escalation's order, a message the assessment missed
    order = escalation.order
    missed = message_send(
        user=order.client, order_id=order.pk, client_id="c2", text="药都攒够了"
    ).message
    staff = _staff_client(client)
    # when
    page = client.get(reverse("sessions:escalation_detail", args=[escalation.pk]))
    # then: staff see each message's risk
    html = page.content.decode()
    assert f'data-message="{escalation.message_id}" data-level="high"' in html
    assert "intent" in html
    # when: one is marked "should have escalated", the crisis message "false alarm"
    back = reverse("sessions:escalation_detail", args=[escalation.pk])
    url = reverse("sessions:message_label", args=[order.pk, missed.pk])
    first = client.post(
        url, {"label": "should_escalate", "level": "imminent", "note": "囤药", "next": back}
    )
    second = client.post(
        reverse("sessions:message_label", args=[order.pk, escalation.message_id]),
        {"label": "false_alarm", "level": "high", "next": "https://evil.example/"},
    )
    # then: back to the page it came from (never another site)
    assert (first.status_code, first["Location"]) == (302, back)
    assert second["Location"] == reverse("sessions:order_transcript", args=[order.pk])
    assert sorted(
        MessageLabel.objects.values_list("message_id", "label", "level", "note", "labelled_by")
    ) == sorted(
        [
            (missed.pk, "should_escalate", 3, "囤药", staff.pk),
            (escalation.message_id, "false_alarm", 0, "", staff.pk),
        ]
    )
    html = client.get(reverse("sessions:escalation_detail", args=[escalation.pk])).content.decode()
    assert 'data-label="should_escalate"' in html
    assert 'data-label="false_alarm"' in html


def test_a_message_of_another_order_cannot_be_labelled_through_this_one(client, escalation):
    # given
    other = ChatOrderFactory()
    foreign = message_send(user=other.client, order_id=other.pk, client_id="o1", text="hi").message
    _staff_client(client)
    # when
    response = client.post(
        reverse("sessions:message_label", args=[escalation.order_id, foreign.pk]),
        {"label": "false_alarm"},
    )
    # then
    assert response.status_code == 404
    assert MessageLabel.objects.count() == 0


def test_a_bad_label_changes_nothing(client, escalation):
    # given
    _staff_client(client)
    url = reverse("sessions:message_label", args=[escalation.order_id, escalation.message_id])
    # when
    responses = [
        client.post(url, {"label": "maybe"}),
        client.post(url, {"label": "should_escalate", "level": "none"}),
    ]
    # then
    assert [r.status_code for r in responses] == [302, 302]
    assert MessageLabel.objects.count() == 0


# --- The listener's button: the page endpoint and the dashboard --------------------------------


def test_dashboard_has_the_worry_form(client):
    # given
    order = ChatOrderFactory()
    client.force_login(order.listener.user)
    # when
    html = client.get(reverse("sessions:dashboard")).content.decode()
    # then
    assert 'id="worry-form"' in html
    assert "我担心这位来访者" in html
    assert 'data-api-template="/api/orders/0/escalations/"' in html


def test_listener_escalates_from_the_page_form(client):
    # given
    order = ChatOrderFactory()
    client.force_login(order.listener.user)
    # when
    response = client.post(
        reverse("sessions:chat_escalate", args=[order.pk]), {"level": "high", "note": "他在告别"}
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("sessions:dashboard")
    escalation = Escalation.objects.get()
    assert (escalation.order_id, escalation.level, escalation.source, escalation.open_note) == (
        order.pk,
        2,
        "listener",
        "他在告别",
    )
    # and the dashboard shows the guidance panel at once (rendered visible)
    html = client.get(reverse("sessions:dashboard")).content.decode()
    assert 'data-role="listener"' in html
    assert f'data-escalation="{escalation.pk}" data-text-off-platform' in html
    assert "客户可能正处于危机中" in html


@pytest.mark.parametrize("who", ["client", "other_listener"])
def test_page_form_is_404_for_anyone_but_the_orders_listener(client, who):
    # given
    order = ChatOrderFactory()
    user = order.client if who == "client" else ChatOrderFactory().listener.user
    client.force_login(user)
    # when
    response = client.post(
        reverse("sessions:chat_escalate", args=[order.pk]), {"level": "high", "note": "x"}
    )
    # then
    assert response.status_code == 404
    assert Escalation.objects.count() == 0


def test_staff_label_a_missed_message_of_an_order_without_escalation(client):
    # given: a session where nothing was escalated
    order = ChatOrderFactory()
    missed = message_send(
        user=order.client, order_id=order.pk, client_id="c1", text="今晚一个人开车去水库"
    ).message
    staff = _staff_client(client)
    # when
    page = client.get(reverse("sessions:order_transcript", args=[order.pk]))
    response = client.post(
        reverse("sessions:message_label", args=[order.pk, missed.pk]),
        {"label": "should_escalate", "level": "high", "next": page.request["PATH_INFO"]},
    )
    # then
    assert page.status_code == 200
    assert "今晚一个人开车去水库" in page.content.decode()
    assert response["Location"] == reverse("sessions:order_transcript", args=[order.pk])
    label = MessageLabel.objects.get()
    assert (label.message_id, label.label, label.level, label.labelled_by_id) == (
        missed.pk,
        "should_escalate",
        2,
        staff.pk,
    )


# --- The on-call roster in the admin -------------------------------------------------------------


def test_admin_adds_staff_to_the_on_call_roster_and_refuses_others(client):
    # given
    client.force_login(UserFactory(is_staff=True, is_superuser=True, role="staff"))
    staff = UserFactory(is_staff=True, role="staff", phone="13700000005")
    not_staff = UserFactory(phone="13700000006")
    url = reverse("admin:live_sessions_oncall_add")
    # when
    added = client.post(url, {"user": staff.pk, "position": 1, "active": "on"})
    refused = client.post(url, {"user": not_staff.pk, "position": 2, "active": "on"})
    # then
    assert added.status_code == 302
    assert refused.status_code == 200  # the form again, with the error
    assert list(OnCall.objects.values_list("user_id", "position", "active")) == [
        (staff.pk, 1, True)
    ]


def test_the_escalations_page_costs_the_same_queries_for_more_escalations(client):
    # given
    _staff_client(client)
    url = reverse("sessions:escalations")

    def open_one(n):
        order = ChatOrderFactory()
        escalation_open_by_listener(
            user=order.listener.user, order_id=order.pk, level="high", note=f"n{n}"
        )

    open_one(0)
    client.get(url)  # warm the session and the templates
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(1, 5):
        open_one(n)
    # when
    with CaptureQueriesContext(connection) as five:
        html = client.get(url).content.decode()
    # then
    assert html.count('class="card escalation level-2"') == 5
    assert len(five) == len(one)


def test_the_clients_panel_stays_hidden_below_high(client):
    # given: the listener escalated at concern
    order = ChatOrderFactory()
    escalation_open_by_listener(
        user=order.listener.user, order_id=order.pk, level="concern", note="低落"
    )
    client.force_login(order.client)
    # when
    html = client.get(reverse("sessions:chat", args=[order.pk])).content.decode()
    # then: rendered (a later rise reveals it) but hidden
    assert 'id="safety-panel"' in html
    assert ' hidden role="alert"' in html
