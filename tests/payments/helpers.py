"""Helpers for any test that needs genuinely paid orders or Stripe webhooks.

`order_paid(order)` pays through the real stripe SDK against the local Stripe server:
the order's PaymentIntent is created (idempotency key from the payment row), confirmed with
a test card, and the signed `payment_intent.succeeded` webhook is delivered to our webhook
service and processed. Afterwards the order is PAID with its price held in escrow.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

from django.conf import settings

from payments import stripe_gateway as gateway
from payments.models import Entry, StripeEvent
from payments.services import payments as payment_services
from payments.services import webhooks
from sessions.models import Order
from tests.payments.stripe_server import local_stripe_url


def sign(payload: bytes, *, secret: str | None = None, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header computed the way Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    secret = settings.STRIPE_WEBHOOK_SECRET if secret is None else secret
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def stripe_event(event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "api_version": "2017-08-15",
        "data": {"object": obj},
    }


def signed_delivery(event: dict, **sign_kwargs) -> tuple[bytes, str]:
    payload = json.dumps(event).encode()
    return payload, sign(payload, **sign_kwargs)


def deliver(event: dict) -> StripeEvent:
    """Deliver a signed event to the webhook service and process it (as the task would)."""
    payload, header = signed_delivery(event)
    row, _created = webhooks.webhook_receive(payload=payload, signature=header)
    webhooks.event_process(event_pk=row.pk)
    return row


def intent_succeeded_event(order: Order) -> dict:
    """The `payment_intent.succeeded` event of the order's (succeeded) PaymentIntent, with
    the intent as Stripe reports it now."""
    import stripe

    intent_id = order.payment.stripe_payment_intent_id
    client = stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )
    obj = client.v1.payment_intents.retrieve(intent_id).to_dict()
    return stripe_event("payment_intent.succeeded", obj, event_id=f"evt_pi_ok_{intent_id}")


def order_confirmed_at_stripe(order: Order, *, payment_method: str = "pm_card_visa") -> Order:
    """Create and confirm the PaymentIntent at Stripe without telling our side yet."""
    local_stripe_url()
    payment = payment_services.payment_prepare(order_id=order.pk)
    gateway.payment_intent_confirm(
        intent_id=payment.stripe_payment_intent_id,
        payment_method=payment_method,
        idempotency_key=f"{payment.idempotency_key}-confirm-test",
    )
    order.refresh_from_db()
    return order


def order_paid(order: Order) -> Order:
    """Pay the order for real (local Stripe + signed webhook). Returns it refreshed: PAID,
    with `price_fen` in escrow."""
    order = order_confirmed_at_stripe(order)
    deliver(intent_succeeded_event(order))
    order.refresh_from_db()
    assert order.state == Order.State.PAID, order.state
    return order


def account_sum(code: str) -> int:
    """The balance of one ledger account, summed from its journal entries."""
    return sum(Entry.objects.filter(account__code=code).values_list("amount_fen", flat=True))


def escrow_balance(order: Order) -> int:
    """What the order's escrow account still holds."""
    return account_sum(f"escrow:{order.pk}")
