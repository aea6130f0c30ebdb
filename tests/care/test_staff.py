"""Staff view: aggregates for all; one client's summary only with an open escalation or
dispute; never for a listener or a client."""

from datetime import timedelta

import pytest
from django.utils import timezone

from care.models import Nudge
from payments.models import Dispute
from sessions.models import Escalation, Message
from tests.care.helpers import session_held
from tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_see_counts_not_people(client):
    # given: two clients crossed the budget rule this week, one chose a limit
    for choice in ("limit", ""):
        Nudge.objects.create(
            client=UserFactory(), rule="budget_used", period="x", place="booking", choice=choice
        )
    client.force_login(StaffUserFactory())
    client.cookies["django_language"] = "en"
    # when
    page = client.get("/care/staff/").content.decode()
    # then
    assert (
        '<tr data-rule="budget_used"><td>Budget mostly used</td><td class="clients">2</td>' in page
    )


def test_a_client_summary_needs_an_open_escalation(client):
    # given
    user = UserFactory()
    order = session_held(user, start=timezone.now() - timedelta(days=1), minutes=60)
    staff = StaffUserFactory()
    client.force_login(staff)
    # then: no reason, no summary
    assert client.get(f"/care/staff/clients/{user.pk}/").status_code == 404
    # when
    message = Message.objects.create(order=order, seq=1, sender=user, text="...")
    escalation = Escalation.objects.create(order=order, listener=order.listener, message=message)
    # then
    assert client.get(f"/care/staff/clients/{user.pk}/").status_code == 200
    assert str(user.pk) in client.get("/care/staff/").content.decode()
    # when: closed
    Escalation.objects.filter(pk=escalation.pk).update(
        state="closed", closed_at=timezone.now(), closed_by=staff
    )
    # then
    assert client.get(f"/care/staff/clients/{user.pk}/").status_code == 404


def test_clients_never_see_the_staff_views(client):
    client.force_login(UserFactory())
    assert client.get("/care/staff/").status_code == 404
    assert client.get("/care/staff/clients/1/").status_code == 404


def test_a_client_summary_is_open_to_staff_while_a_dispute_is_open(client):
    # given
    user = UserFactory()
    order = session_held(user, start=timezone.now() - timedelta(days=1), minutes=60)
    dispute = Dispute.objects.create(
        order=order, client=user, reason="other", statement="The listener left."
    )
    client.force_login(StaffUserFactory())
    # then
    assert client.get(f"/care/staff/clients/{user.pk}/").status_code == 200
    # when: decided
    Dispute.objects.filter(pk=dispute.pk).update(state="resolved", outcome="reject", amount_fen=0)
    # then
    assert client.get(f"/care/staff/clients/{user.pk}/").status_code == 404
