"""Helpers for wallet tests: genuinely paid top-ups through the local Stripe server."""

from __future__ import annotations

from payments import stripe_gateway as gateway
from payments.wallet import services as wallet_services
from payments.wallet.models import TopUp
from tests.payments.helpers import deliver, stripe_event


def topup_succeeded_event(topup: TopUp) -> dict:
    import stripe
    from django.conf import settings

    client = stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )
    obj = client.v1.payment_intents.retrieve(topup.stripe_payment_intent_id).to_dict()
    return stripe_event(
        "payment_intent.succeeded", obj, event_id=f"evt_pi_ok_{topup.stripe_payment_intent_id}"
    )


def topup_confirmed_at_stripe(topup: TopUp, *, payment_method: str = "pm_card_visa") -> TopUp:
    gateway.payment_intent_confirm(
        intent_id=topup.stripe_payment_intent_id,
        payment_method=payment_method,
        idempotency_key=f"{topup.idempotency_key}-confirm-test",
    )
    return topup


def topup_paid(client, amount_fen: int = 5_000, **kwargs) -> TopUp:
    """Top up for real: intent created and confirmed at Stripe, signed webhook delivered."""
    topup = wallet_services.wallet_topup_start(client=client, amount_fen=amount_fen, **kwargs)
    topup_confirmed_at_stripe(topup)
    deliver(topup_succeeded_event(topup))
    topup.refresh_from_db()
    assert topup.status == TopUp.Status.SUCCEEDED, topup.status
    return topup
