"""Stripe webhooks: verified on the raw body, stored by event id, processed exactly once.

`webhook_receive` verifies the signature (with the timestamp tolerance), stores the event
(the unique event id turns a redelivery into a counted no-op) and returns at once; the
event is processed after commit by a task, and a beat sweep processes anything a lost task
left behind. `event_process` locks the event row, skips it if already processed, and
applies it; every effect is itself idempotent (unique ledger keys, state checks), so events
may arrive in any order and any number of times.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import stripe
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from payments import stripe_gateway as gateway
from payments.models import StripeEvent

logger = logging.getLogger(__name__)


class WebhookRejected(Exception):
    """The payload is not a genuine, fresh Stripe event."""


def webhook_receive(*, payload: bytes, signature: str | None) -> tuple[StripeEvent, bool]:
    """Verify and store. Returns (event row, created). Raises WebhookRejected."""
    try:
        event = gateway.webhook_verify(payload=payload, signature=signature)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        logger.warning("webhook rejected: %s", exc)
        raise WebhookRejected(str(exc)) from exc
    event_id = event.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise WebhookRejected("event without id")
    try:
        with transaction.atomic():
            row = StripeEvent.objects.create(
                event_id=event_id, type=str(event.get("type", "")), payload=event
            )
            from payments.tasks import enqueue_event_process

            enqueue_event_process(event_pk=row.pk)
        return row, True
    except IntegrityError:
        StripeEvent.objects.filter(event_id=event_id).update(deliveries=F("deliveries") + 1)
        logger.info("webhook %s delivered again", event_id)
        return StripeEvent.objects.get(event_id=event_id), False


def _apply(event: dict) -> None:
    kind = event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    if kind.startswith("payment_intent."):
        from payments.services.payments import payment_apply_event

        intent_id = obj.get("id")
        if not isinstance(intent_id, str) or not intent_id.startswith("pi_"):
            logger.warning("webhook %s names no payment intent", event.get("id"))
            return
        payment_apply_event(intent_id=intent_id, cause=f"event:{event['id']}")
    elif kind in ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated"):
        from payments.services.refunds import refund_apply_stripe_update
        from payments.wallet.services import wallet_refund_apply_stripe_update

        stripe_refund = gateway.refund_view_from_event(obj)
        if not wallet_refund_apply_stripe_update(stripe_refund=stripe_refund):
            refund_apply_stripe_update(stripe_refund=stripe_refund)
    else:
        logger.info("webhook %s of type %s ignored", event.get("id"), kind)


def event_process(*, event_pk: int) -> bool:
    """Process a stored event once. Returns True if this call processed it."""
    with transaction.atomic():
        row = StripeEvent.objects.select_for_update().get(pk=event_pk)
        if row.processed_at is not None:
            return False
        _apply(row.payload)
        row.processed_at = timezone.now()
        row.error = ""
        row.save(update_fields=["processed_at", "error"])
    return True


def events_process_pending(*, older_than_seconds: int = 10, now=None, limit: int = 200) -> int:
    """Beat: process events whose task was lost. Returns how many were processed."""
    now = now or timezone.now()
    ids = list(
        StripeEvent.objects.filter(
            processed_at__isnull=True,
            received_at__lte=now - timedelta(seconds=older_than_seconds),
        )
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    done = 0
    for pk in ids:
        try:
            done += event_process(event_pk=pk)
        except Exception as exc:
            logger.exception("event %s failed", pk)
            StripeEvent.objects.filter(pk=pk).update(error=str(exc)[:300])
    return done
