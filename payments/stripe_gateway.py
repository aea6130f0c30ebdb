"""The only module that talks to Stripe.

Everything Stripe-shaped stops here: the rest of the code passes order ids, fen amounts and
idempotency keys in, and gets small plain values back. CNY's minor unit on Stripe is the
fen, so amounts cross this boundary unchanged, but they cross it only here.

The client is built from settings on each call (cheap), so tests and the embedded default
can point `STRIPE_API_BASE` at the local Stripe server. Network retries are off: a 500 or a
timeout is reported as `GatewayUnavailable` (outcome unknown) and the caller leaves its row
pending for reconciliation with the *same* idempotency key.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)

STRIPE_TIMEOUT_SECONDS = 10


class GatewayError(Exception):
    """Stripe refused (4xx): the outcome is known and nothing happened."""

    def __init__(self, message: str, *, code: str = "", decline_code: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.decline_code = decline_code


class GatewayUnavailable(Exception):
    """A 5xx, timeout or dropped connection: the outcome is unknown."""


@dataclass(frozen=True)
class IntentView:
    id: str
    status: str
    amount_fen: int
    currency: str
    client_secret: str
    order_id: int | None
    amount_received_fen: int
    topup_id: int | None = None  # set on a wallet top-up's intent instead of order_id
    decline_code: str = ""  # Stripe's reason for the last failed attempt, if any


@dataclass(frozen=True)
class RefundView:
    id: str
    status: str  # succeeded, pending, failed, canceled
    amount_fen: int
    payment_intent: str | None
    refund_row_id: int | None
    wallet_refund_id: int | None = None  # set on a wallet withdrawal's refunds


def _client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS),
    )


def is_local_stripe() -> bool:
    """True when the API base is not Stripe's own (the embedded local Stripe server)."""
    return urlparse(settings.STRIPE_API_BASE).hostname not in {"api.stripe.com"}


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except stripe.APIConnectionError as exc:
        logger.warning("stripe unreachable: %s", exc)
        raise GatewayUnavailable(str(exc)) from exc
    except stripe.StripeError as exc:
        status = exc.http_status or 0
        if status >= 500 or status in (0, 409, 429):
            logger.warning("stripe failed with %s: %s", status, exc)
            raise GatewayUnavailable(str(exc)) from exc
        logger.info("stripe refused with %s: %s", status, exc)
        decline_code = getattr(getattr(exc, "error", None), "decline_code", None) or ""
        raise GatewayError(
            exc.user_message or str(exc), code=exc.code or "", decline_code=decline_code
        ) from exc


def _plain(obj) -> dict:
    return obj if isinstance(obj, dict) else obj.to_dict()


def _intent_view(pi) -> IntentView:
    pi = _plain(pi)
    metadata = pi.get("metadata") or {}
    order_id = metadata.get("order_id")
    topup_id = metadata.get("topup_id")
    last_error = pi.get("last_payment_error") or {}
    received = pi.get("amount_received")
    if received is None:
        received = pi["amount"] if pi["status"] == "succeeded" else 0
    return IntentView(
        id=pi["id"],
        status=pi["status"],
        amount_fen=int(pi["amount"]),
        currency=pi["currency"],
        client_secret=pi.get("client_secret") or "",
        order_id=int(order_id) if order_id and str(order_id).isdigit() else None,
        amount_received_fen=int(received),
        topup_id=int(topup_id) if topup_id and str(topup_id).isdigit() else None,
        decline_code=str(last_error.get("decline_code") or last_error.get("code") or ""),
    )


def _refund_view(refund) -> RefundView:
    refund = _plain(refund)
    metadata = refund.get("metadata") or {}
    row = metadata.get("refund_id")
    wallet_row = metadata.get("wallet_refund_id")
    return RefundView(
        id=refund["id"],
        status=refund["status"],
        amount_fen=int(refund["amount"]),
        payment_intent=refund.get("payment_intent"),
        refund_row_id=int(row) if row and str(row).isdigit() else None,
        wallet_refund_id=int(wallet_row) if wallet_row and str(wallet_row).isdigit() else None,
    )


def refund_view_from_event(obj: dict) -> RefundView:
    return _refund_view(obj)


# --- PaymentIntents ------------------------------------------------------------------------


def _intent_create(
    *, metadata: dict[str, str], amount_fen: int, currency: str, idempotency_key: str
) -> IntentView:
    pi = _call(
        _client().v1.payment_intents.create,
        params={
            "amount": amount_fen,
            "currency": currency,
            "metadata": metadata,
            "payment_method_types": ["card"],
        },
        options={"idempotency_key": idempotency_key},
    )
    return _intent_view(pi)


def payment_intent_create(
    *, order_id: int, amount_fen: int, currency: str, idempotency_key: str
) -> IntentView:
    return _intent_create(
        metadata={"order_id": str(order_id)},
        amount_fen=amount_fen,
        currency=currency,
        idempotency_key=idempotency_key,
    )


def topup_intent_create(
    *, topup_id: int, amount_fen: int, currency: str, idempotency_key: str
) -> IntentView:
    return _intent_create(
        metadata={"topup_id": str(topup_id)},
        amount_fen=amount_fen,
        currency=currency,
        idempotency_key=idempotency_key,
    )


def payment_intent_retrieve(*, intent_id: str) -> IntentView:
    return _intent_view(_call(_client().v1.payment_intents.retrieve, intent_id))


def payment_intent_confirm(
    *, intent_id: str, payment_method: str, idempotency_key: str
) -> IntentView:
    """Attach the payment method, then confirm server-side (the local Stripe server's
    `confirm` takes no payment method, and real Stripe accepts both steps)."""
    client = _client()
    _call(
        client.v1.payment_intents.update,
        intent_id,
        params={"payment_method": payment_method},
        options={"idempotency_key": f"{idempotency_key}-attach"},
    )
    pi = _call(
        client.v1.payment_intents.confirm,
        intent_id,
        options={"idempotency_key": idempotency_key},
    )
    return _intent_view(pi)


def payment_method_from_token(*, token: str) -> str:
    """Turn a Stripe.js card token into something a PaymentIntent accepts.

    Real Stripe: a PaymentMethod made from the token. The local Stripe server does not
    accept `card[token]`, but accepts the token's card id as a payment method.
    """
    client = _client()
    if is_local_stripe():
        tok = _call(client.v1.tokens.retrieve, token)
        return tok["card"]["id"]
    pm = _call(client.v1.payment_methods.create, params={"type": "card", "card": {"token": token}})
    return pm["id"]


def payment_intent_cancel(*, intent_id: str) -> None:
    try:
        _call(_client().v1.payment_intents.cancel, intent_id)
    except GatewayError:
        # Already succeeded or canceled: the webhook/retrieve path decides what happens.
        logger.info("payment intent %s could not be canceled", intent_id)


# --- Refunds -------------------------------------------------------------------------------


def _refund_create(
    *, intent_id: str, amount_fen: int, metadata: dict[str, str], idempotency_key: str
) -> RefundView:
    refund = _call(
        _client().v1.refunds.create,
        params={"payment_intent": intent_id, "amount": amount_fen, "metadata": metadata},
        options={"idempotency_key": idempotency_key},
    )
    return _refund_view(refund)


def refund_create(
    *, intent_id: str, amount_fen: int, refund_row_id: int, idempotency_key: str
) -> RefundView:
    return _refund_create(
        intent_id=intent_id,
        amount_fen=amount_fen,
        metadata={"refund_id": str(refund_row_id)},
        idempotency_key=idempotency_key,
    )


def wallet_refund_create(
    *, intent_id: str, amount_fen: int, wallet_refund_id: int, idempotency_key: str
) -> RefundView:
    return _refund_create(
        intent_id=intent_id,
        amount_fen=amount_fen,
        metadata={"wallet_refund_id": str(wallet_refund_id)},
        idempotency_key=idempotency_key,
    )


def refunds_for_intent(*, intent_id: str) -> list[RefundView]:
    listing = _call(_client().v1.refunds.list, params={"payment_intent": intent_id, "limit": 100})
    return [_refund_view(r) for r in listing["data"]]


# --- Payouts (Stripe Connect) ----------------------------------------------------------------


def transfer_create(
    *, destination: str, amount_fen: int, currency: str, idempotency_key: str
) -> str:
    transfer = _call(
        _client().v1.transfers.create,
        params={"amount": amount_fen, "currency": currency, "destination": destination},
        options={"idempotency_key": idempotency_key},
    )
    return transfer["id"]


# --- Webhooks ------------------------------------------------------------------------------


def _signed_at(signature: str | None) -> int | None:
    """The `t=` timestamp of a Stripe-Signature header, if it has one."""
    for item in (signature or "").split(","):
        name, _sep, value = item.strip().partition("=")
        if name == "t" and value.isdigit():
            return int(value)
    return None


def webhook_verify(*, payload: bytes, signature: str | None) -> dict:
    """The verified event as a dict. Raises stripe.SignatureVerificationError / ValueError.

    The SDK refuses a timestamp older than the tolerance; one as far in the future is
    refused here too (a signature made ahead of time must not stay valid for days)."""
    signed_at = _signed_at(signature)
    tolerance = settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
    if signed_at is not None and signed_at > time.time() + tolerance:
        raise stripe.SignatureVerificationError(
            "Timestamp is in the future, outside the tolerance zone", signature, payload
        )
    event = stripe.Webhook.construct_event(
        payload,
        signature,
        settings.STRIPE_WEBHOOK_SECRET,
        tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
    )
    return event.to_dict()
