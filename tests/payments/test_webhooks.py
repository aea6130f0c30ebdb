import json
import random
import time

import pytest
from django.urls import reverse

from payments.models import LedgerTransaction, StripeEvent
from payments.selectors import order_escrow_balance_fen
from payments.services import refunds
from sessions.models import Order
from tests.payments.helpers import (
    deliver,
    intent_succeeded_event,
    order_confirmed_at_stripe,
    sign,
    signed_delivery,
    stripe_event,
)
from tests.sessions.factories import OrderFactory

pytestmark = pytest.mark.django_db
URL = "/api/payments/stripe/webhook/"


def _post(client, payload: bytes, header: str | None):
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header is not None else {}
    return client.post(URL, data=payload, content_type="application/json", **extra)


def test_url_name():
    assert reverse("payments-api:stripe-webhook") == URL


def test_signed_event_is_stored_and_acknowledged(client):
    # given
    order = order_confirmed_at_stripe(OrderFactory())
    payload, header = signed_delivery(intent_succeeded_event(order))
    # when
    response = _post(client, payload, header)
    # then
    assert response.status_code == 200
    assert response.json() == {"received": True, "duplicate": False}
    assert StripeEvent.objects.get().type == "payment_intent.succeeded"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "t=1,v1=deadbeef",
        "garbage",
    ],
)
def test_bad_or_missing_signature_is_refused(client, header):
    # given
    order = order_confirmed_at_stripe(OrderFactory())
    payload, _good = signed_delivery(intent_succeeded_event(order))
    # when
    response = _post(client, payload, header)
    # then
    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT


def test_wrong_secret_and_stale_timestamp_are_refused(client):
    # given
    order = order_confirmed_at_stripe(OrderFactory())
    event = intent_succeeded_event(order)
    payload = json.dumps(event).encode()
    # when
    forged = _post(client, payload, sign(payload, secret="whsec_other"))
    stale = _post(client, payload, sign(payload, timestamp=int(time.time()) - 3600))
    tampered = _post(client, payload.replace(b"succeeded", b"succeeded "), sign(payload))
    # then
    assert [forged.status_code, stale.status_code, tampered.status_code] == [400, 400, 400]
    assert StripeEvent.objects.count() == 0
    assert LedgerTransaction.objects.count() == 0


@pytest.mark.parametrize("ahead", [3600, 86_400 * 30])
def test_a_signature_timestamped_far_in_the_future_is_refused_like_an_old_one(client, ahead):
    # given: correctly signed with the real secret, but dated ahead
    order = order_confirmed_at_stripe(OrderFactory())
    payload = json.dumps(intent_succeeded_event(order)).encode()
    # when
    response = _post(client, payload, sign(payload, timestamp=int(time.time()) + ahead))
    # then
    assert response.status_code == 400
    assert response.json() == {"code": "bad_signature", "detail": "invalid signature"}
    assert StripeEvent.objects.count() == 0
    assert LedgerTransaction.objects.count() == 0


def test_a_signature_a_little_ahead_of_our_clock_is_accepted(client):
    # given: Stripe's clock a minute ahead of ours, within the tolerance
    order = order_confirmed_at_stripe(OrderFactory())
    payload = json.dumps(intent_succeeded_event(order)).encode()
    # when
    response = _post(client, payload, sign(payload, timestamp=int(time.time()) + 60))
    # then
    assert response.status_code == 200
    assert StripeEvent.objects.count() == 1


def test_replayed_event_id_is_processed_once(client):
    # given
    order = order_confirmed_at_stripe(OrderFactory())
    event = intent_succeeded_event(order)
    # when
    deliver(event)
    deliver(event)
    payload, header = signed_delivery(event)
    response = _post(client, payload, header)
    # then
    assert response.json() == {"received": True, "duplicate": True}
    row = StripeEvent.objects.get()
    assert row.deliveries == 3
    assert LedgerTransaction.objects.count() == 1
    assert order_escrow_balance_fen(order=order) == order.price_fen


def _life_of_an_order():
    """Every event of one order's life: payment failed, then succeeded, refund updates."""
    order = order_confirmed_at_stripe(OrderFactory())
    succeeded = intent_succeeded_event(order)
    failed_obj = dict(succeeded["data"]["object"], status="requires_payment_method")
    failed = stripe_event("payment_intent.payment_failed", failed_obj, event_id="evt_fail_1")
    processing_obj = dict(succeeded["data"]["object"], status="processing")
    processing = stripe_event("payment_intent.processing", processing_obj, event_id="evt_proc_1")
    deliver(succeeded)
    refund = refunds.refund_issue(
        order_id=order.pk, amount_fen=150, reason="r", cause="breach", idempotency_source="breach:9"
    )
    refund_obj = {
        "id": refund.stripe_refund_id,
        "object": "refund",
        "amount": 150,
        "status": "succeeded",
        "payment_intent": order.payment.stripe_payment_intent_id,
        "metadata": {"refund_id": str(refund.pk)},
    }
    refund_event = stripe_event("refund.updated", refund_obj, event_id="evt_refund_1")
    return order, [failed, processing, succeeded, refund_event]


def _ledger_shape():
    return sorted(
        (t.key, t.kind, tuple(sorted(e.amount_fen for e in t.entries.all())))
        for t in LedgerTransaction.objects.prefetch_related("entries")
    )


def test_events_twice_in_shuffled_order_give_the_same_ledger():
    # given: the order's life delivered once, in order
    order, events = _life_of_an_order()
    for event in events:
        deliver(event)
    once = _ledger_shape()
    # when: every event delivered twice more, shuffled
    again = events * 2
    random.Random(4).shuffle(again)
    for event in again:
        deliver(event)
    # then
    assert _ledger_shape() == once
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert order.payment.status == "succeeded"
    assert order_escrow_balance_fen(order=order) == order.price_fen - 150
