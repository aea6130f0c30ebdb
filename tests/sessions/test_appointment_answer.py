"""A paid appointment reaches its listener: the dashboard lists it with its start beside
the orders for now, and the listener accepts it (it starts at its time, not at once) or
declines it (refunded in full). Real Stripe stand-in; ledger invariants after."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from payments.invariants import assert_ledger_consistent
from payments.models import Refund
from sessions.models import Order
from sessions.services import orders
from tests.factories import UserFactory
from tests.listeners.factories import PricingTierFactory
from tests.payments.helpers import order_paid

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _money(local_stripe, request):
    request.getfixturevalue("_django_db_helper")
    yield
    assert_ledger_consistent()


def paid_appointment():
    tier = PricingTierFactory(same_price_at_night=True)
    start = (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    order = orders.order_create(
        client=UserFactory(), tier_id=tier.pk, kind="appointment", start=start, minutes=30
    )
    return order_paid(order)


@pytest.mark.parametrize(("answer", "state"), [("accept", "accepted"), ("decline", "declined")])
def test_the_listener_answers_a_paid_appointment_from_the_dashboard(
    client, django_capture_on_commit_callbacks, answer, state
):
    # given
    order = paid_appointment()
    client.force_login(order.listener.user)
    client.cookies["django_language"] = "en"
    # when: the dashboard
    page = client.get(reverse("sessions:dashboard")).content.decode()
    # then: listed, with its start
    assert f'data-order="{order.pk}"' in page
    assert "appointment at" in page
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sessions:instant_order_answer", args=[order.pk]), {"answer": answer}
        )
    # then: accepted for its time (not started now), or declined and refunded
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == state
    assert order.activated_at is None
    if answer == "decline":
        assert Refund.objects.get(order=order).amount_fen == order.price_fen


def test_someone_elses_appointment_cannot_be_answered(client):
    order = paid_appointment()
    client.force_login(UserFactory())
    response = client.post(
        reverse("sessions:instant_order_answer", args=[order.pk]), {"answer": "accept"}
    )
    assert response.status_code == 404
    assert Order.objects.get(pk=order.pk).state == Order.State.PAID
