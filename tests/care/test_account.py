"""Export of the client's data, and closing the account (ledger kept, personal data gone)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from marketplace.models import SmsCode, User
from payments.invariants import assert_ledger_consistent
from payments.models import Entry
from sessions.models import Message, Order
from tests.factories import UserFactory
from tests.payments.helpers import order_paid
from tests.sessions.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_and_finished(local_stripe):
    """A client with one paid session that completed, and a message each way."""
    client = UserFactory(phone="13812345678", display_name="Mei")
    order = order_paid(OrderFactory(client=client))
    Order.objects.filter(pk=order.pk).update(
        state=Order.State.COMPLETED, activated_at=order.starts_at, ended_at=order.ends_at
    )
    Message.objects.create(order=order, seq=1, sender=client, text="I had a long day")
    Message.objects.create(order=order, seq=2, sender=order.listener.user, text="Tell me")
    return client, Order.objects.get(pk=order.pk)


def test_export_holds_orders_messages_and_payments(client, paid_and_finished):
    # given
    user, order = paid_and_finished
    client.force_login(user)
    # when
    response = client.get("/care/account/export/")
    # then
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    data = json.loads(response.content)
    assert data["account"]["phone"] == "13812345678"
    assert [o["id"] for o in data["orders"]] == [order.pk]
    assert [(m["from"], m["text"]) for m in data["messages"]] == [
        ("me", "I had a long day"),
        ("listener", "Tell me"),
    ]
    assert [p["amount_fen"] for p in data["payments"]] == [order.price_fen]
    assert [(e["kind"], e["amount_fen"]) for e in data["ledger"]] == [("capture", order.price_fen)]


def test_closing_erases_personal_fields_and_keeps_the_ledger(client, paid_and_finished):
    # given
    user, order = paid_and_finished
    Token.objects.create(user=user)
    SmsCode.objects.create(
        phone=user.phone,
        code_hash="x",
        requested_ip="127.0.0.1",
        expires_at=timezone.now() + timedelta(minutes=5),
    )
    entries_before = list(Entry.objects.values_list("id", "amount_fen"))
    client.force_login(user)
    # when
    response = client.post("/care/account/close/", {"confirm": "on"})
    # then
    assert response.status_code == 302
    closed = User.objects.get(pk=user.pk)
    assert closed.phone != "13812345678"
    assert closed.display_name == ""
    assert closed.is_active is False
    assert closed.has_usable_password() is False
    assert not Token.objects.filter(user=user).exists()
    assert not SmsCode.objects.filter(phone="13812345678").exists()
    assert list(Message.objects.filter(order=order).values_list("text", flat=True)) == [
        "",
        "Tell me",
    ]
    assert Order.objects.filter(pk=order.pk).exists()
    assert list(Entry.objects.values_list("id", "amount_fen")) == entries_before
    assert_ledger_consistent()
    # and the old session no longer signs in
    assert client.get("/care/usage/").status_code == 302


def test_closing_waits_for_an_open_order_and_needs_the_confirmation(client, local_stripe):
    # given
    user = UserFactory()
    OrderFactory(client=user)  # awaiting payment
    client.force_login(user)
    # when
    unconfirmed = client.post("/care/account/close/", {})
    refused = client.post("/care/account/close/", {"confirm": "on"})
    # then
    assert unconfirmed.status_code == 400
    assert refused.status_code == 400
    assert "not finished yet" in refused.content.decode() or "尚未" in refused.content.decode()
    assert User.objects.get(pk=user.pk).is_active is True
