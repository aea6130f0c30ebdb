"""The orders API and the booking / order pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from payments.invariants import assert_ledger_consistent
from payments.models import LedgerTransaction, Payment
from sessions.models import Order
from tests.factories import UserFactory
from tests.listeners.factories import PricingTierFactory
from tests.payments.helpers import order_paid
from tests.sessions.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stripe_and_invariants(local_stripe):
    yield
    assert_ledger_consistent()


def start_in(hours: int) -> str:
    return (
        timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)
    ).isoformat()


def test_post_creates_an_order_with_a_payment_intent(client):
    # given
    tier = PricingTierFactory(price_per_hour_fen=6000)
    user = UserFactory()
    client.force_login(user)
    # when
    response = client.post(
        "/api/orders/",
        {"tier": tier.pk, "kind": "appointment", "start": start_in(3), "minutes": 60},
        content_type="application/json",
    )
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "pending_payment"
    assert body["price_fen"] == body["quote"]["total_fen"] >= 6000
    assert body["escrow_fen"] == 0
    assert body["payment"]["client_secret"].startswith("pi_")
    assert Payment.objects.get(order_id=body["id"]).stripe_payment_intent_id


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "instant", "minutes": 30},
        {"tier": "x", "kind": "instant", "minutes": 30},
        {"tier": 1, "kind": "later", "minutes": 30},
        {"tier": 1, "kind": "instant", "minutes": -5},
        {"tier": 1, "kind": "instant", "minutes": 1.5},
        {"tier": 1, "kind": "instant", "minutes": 10**9},
        {"tier": 1, "kind": "instant"},
        {"tier": 1, "kind": "appointment", "minutes": 60},
    ],
)
def test_bad_booking_input_is_refused(client, payload):
    # given
    tier = PricingTierFactory()
    if payload.get("tier") == 1:
        payload = {**payload, "tier": tier.pk}
    client.force_login(UserFactory())
    # when
    response = client.post("/api/orders/", payload, content_type="application/json")
    # then
    assert response.status_code == 400
    assert Order.objects.count() == 0


def test_list_and_detail_show_only_my_orders(client):
    # given
    mine = OrderFactory()
    other = OrderFactory()
    client.force_login(mine.client)
    # when
    listing = client.get("/api/orders/")
    detail = client.get(f"/api/orders/{mine.pk}/")
    foreign = client.get(f"/api/orders/{other.pk}/")
    foreign_cancel = client.post(f"/api/orders/{other.pk}/cancel/")
    # then
    assert [row["id"] for row in listing.json()["results"]] == [mine.pk]
    assert detail.status_code == 200
    assert (foreign.status_code, foreign.json()["code"]) == (404, "not_found")
    assert foreign_cancel.status_code == 404
    other.refresh_from_db()
    assert other.state == Order.State.PENDING_PAYMENT


def test_anonymous_is_refused(client):
    assert client.get("/api/orders/").status_code in (401, 403)


def test_detail_of_a_paid_order_shows_the_escrow(client):
    # given
    order = order_paid(OrderFactory())
    client.force_login(order.client)
    # when
    body = client.get(f"/api/orders/{order.pk}/").json()
    # then
    assert body["state"] == "paid"
    assert body["escrow_fen"] == order.price_fen
    assert body["payment"]["client_secret"] == ""


def test_pay_endpoint_refuses_a_second_payment(client):
    # given
    order = order_paid(OrderFactory())
    client.force_login(order.client)
    # when
    response = client.post(
        reverse("payments:order_pay", args=[order.pk]),
        {"token": "tok_x"},
        content_type="application/json",
    )
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "already_paid"
    assert LedgerTransaction.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 1_000 + b"]" * 1_000,
        b'{"token": ' + b"[" * 900 + b"]" * 900 + b"}",
        b'{"token": "tok_' + b"x" * 3_000_000 + b'"}',
        b"\xff\xfe",
    ],
    ids=["deep", "deep-token", "3-MB", "not-utf8"],
)
def test_pay_endpoint_answers_a_bad_body_with_a_json_400_and_charges_nothing(client, body):
    # given
    order = OrderFactory()
    client.force_login(order.client)
    client.cookies["django_language"] = "en"
    # when
    response = client.generic(
        "POST", reverse("payments:order_pay", args=[order.pk]), body, "application/json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"code": "card_missing", "detail": "Enter a card."}
    assert not Payment.objects.exists()
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT


def test_pay_endpoint_of_another_clients_order_is_404(client):
    # given
    order = OrderFactory()
    client.force_login(UserFactory())
    # when
    response = client.post(
        reverse("payments:order_pay", args=[order.pk]),
        {"token": "tok_x"},
        content_type="application/json",
    )
    # then
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_booking_page_creates_an_order_and_goes_to_pay(client):
    # given
    tier = PricingTierFactory()
    client.force_login(UserFactory())
    # when
    page = client.get(reverse("sessions:book", args=[tier.pk]))
    response = client.post(
        reverse("sessions:book", args=[tier.pk]), {"kind": "instant", "minutes": "30"}
    )
    # then
    assert page.status_code == 200
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("sessions:pay", args=[order.pk])
    pay = client.get(response.url)
    assert pay.status_code == 200
    assert b"js.stripe.com/v3/" in pay.content


def test_my_orders_and_detail_pages(client):
    # given
    order = order_paid(OrderFactory())
    client.force_login(order.client)
    # when
    listing = client.get(reverse("sessions:my_orders"))
    detail = client.get(reverse("sessions:order_detail", args=[order.pk]))
    stranger = UserFactory()
    client.force_login(stranger)
    foreign = client.get(reverse("sessions:order_detail", args=[order.pk]))
    # then
    assert listing.status_code == 200
    assert f"#{order.pk}".encode() in listing.content
    assert detail.status_code == 200
    assert b'data-state="paid"' in detail.content
    assert foreign.status_code == 404


def test_budget_page_sets_a_cap(client):
    # given
    user = UserFactory()
    client.force_login(user)
    # when
    response = client.post(reverse("payments:budget"), {"cap_yuan": "500.50"})
    bad = client.post(reverse("payments:budget"), {"cap_yuan": "-3"})
    # then
    assert response.status_code == 302
    assert user.budget_cap.monthly_cap_fen == 50050
    assert bad.status_code == 200
    user.budget_cap.refresh_from_db()
    assert user.budget_cap.monthly_cap_fen == 50050
