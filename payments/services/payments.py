"""PaymentIntents: one per order, created with an idempotency key from a committed row, and
turned into money in escrow only on Stripe's word (a signed webhook or a retrieve made by
the server), never on the browser's.

Lock order everywhere in payments: the order row, then its payment row, then refund rows,
then ledger accounts (by id, inside `ledger_post`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import DomainError
from payments import stripe_gateway as gateway
from payments.declines import decline_message
from payments.exceptions import PaymentConflict, PaymentError, PaymentUnavailable
from payments.models import LedgerTransaction, Payment, Refund
from payments.services import ledger
from sessions.models import Order
from sessions.services.transitions import order_lock

if TYPE_CHECKING:
    from payments.wallet.models import TopUp

logger = logging.getLogger(__name__)

STATUS_FROM_STRIPE = {
    "requires_payment_method": Payment.Status.REQUIRES_PAYMENT,
    "requires_confirmation": Payment.Status.REQUIRES_PAYMENT,
    "requires_action": Payment.Status.REQUIRES_ACTION,
    "processing": Payment.Status.PROCESSING,
    "requires_capture": Payment.Status.PROCESSING,
    "succeeded": Payment.Status.SUCCEEDED,
    "canceled": Payment.Status.CANCELED,
}


def _payment_row(*, order: Order) -> Payment:
    try:
        with transaction.atomic():
            payment, _created = Payment.objects.get_or_create(
                order=order,
                defaults={"amount_fen": order.price_fen, "currency": order.currency},
            )
    except IntegrityError:
        payment = Payment.objects.get(order=order)
    return payment


def payment_prepare(*, order_id: int) -> Payment:
    """The order's payment with its PaymentIntent, created on first use.

    Refused with a 409 when the order no longer awaits payment (a second payment of a paid
    order). Call outside a transaction: the payment row commits before Stripe is called.
    """
    order = Order.objects.get(pk=order_id)
    if order.state != Order.State.PENDING_PAYMENT:
        logger.info("payment refused: order %s is %s", order.pk, order.state)
        if Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED).exists():
            raise PaymentConflict(_("This order is already paid."), code="already_paid")
        raise PaymentConflict(_("This order does not await payment."), code="not_payable")
    if order.payment_deadline <= timezone.now():
        raise PaymentError(_("The time to pay for this order has passed."), code="payment_expired")
    payment = _payment_row(order=order)
    if payment.stripe_payment_intent_id:
        return payment
    intent_attach(
        payment,
        lambda: gateway.payment_intent_create(
            order_id=order.pk,
            amount_fen=payment.amount_fen,
            currency=payment.currency,
            idempotency_key=payment.idempotency_key,
        ),
    )
    return payment


def intent_attach(row: Payment | TopUp, create: Callable[[], gateway.IntentView]) -> None:
    """Create the PaymentIntent of `row` (an order's payment or a top-up, committed, so its
    idempotency key is stable) with `create` and store it on the row, once: a concurrent
    creation keeps the first. Stripe's failures come back as our payment errors."""
    try:
        intent = create()
    except gateway.GatewayUnavailable as exc:
        raise PaymentUnavailable(_("Payments are unavailable, try again shortly.")) from exc
    except gateway.GatewayError as exc:
        raise PaymentError(_("The payment could not be started.")) from exc
    type(row).objects.filter(pk=row.pk, stripe_payment_intent_id__isnull=True).update(
        stripe_payment_intent_id=intent.id,
        client_secret=intent.client_secret,
        status=STATUS_FROM_STRIPE.get(intent.status, Payment.Status.REQUIRES_PAYMENT),
    )
    row.refresh_from_db()


def payment_confirm(
    *, order_id: int, payment_method: str | None = None, token: str = ""
) -> Payment:
    """Confirm the order's PaymentIntent server-side with a card from Stripe.js (a token) or
    a payment method id. The result is applied only as Stripe reports it.

    Confirmations of one order run one at a time: the order and payment rows stay locked
    through the Stripe call (the same lock order as a webhook's capture), so of parallel
    confirmations the first charges the card and reports success, and each later one finds
    the payment succeeded and is refused with 409 `already_paid`. The attempt number that
    makes the idempotency key is written in that transaction: if the process dies during
    the call, the next attempt reuses the key and Stripe replays the outcome.
    """
    payment = payment_prepare(order_id=order_id)
    try:
        if token:
            payment_method = gateway.payment_method_from_token(token=token)
    except gateway.GatewayUnavailable as exc:
        raise PaymentUnavailable(_("Payments are unavailable, try again shortly.")) from exc
    except gateway.GatewayError as exc:
        raise PaymentError(
            decline_message(code=exc.code, decline_code=exc.decline_code), code="card_declined"
        ) from exc
    if not payment_method:
        raise PaymentError(_("Enter a card."), code="card_missing")
    refused: DomainError | None = None
    with transaction.atomic():
        order_lock(order_id=order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == Payment.Status.SUCCEEDED:
            raise PaymentConflict(_("This order is already paid."), code="already_paid")
        payment.confirm_attempts += 1
        payment.save(update_fields=["confirm_attempts"])
        key = f"{payment.idempotency_key}-confirm-{payment.confirm_attempts}"
        try:
            intent = gateway.payment_intent_confirm(
                intent_id=payment.stripe_payment_intent_id,
                payment_method=payment_method,
                idempotency_key=key,
            )
        except gateway.GatewayUnavailable:
            refused = PaymentUnavailable(_("Payments are unavailable, try again shortly."))
        except gateway.GatewayError as exc:
            payment.last_error = str(exc)[:300]
            payment.save(update_fields=["last_error"])
            # Stripe's message is English; the decline code says what the client can do.
            # The order stays payable: the next attempt (another card) has its own key.
            refused = PaymentError(
                decline_message(code=exc.code, decline_code=exc.decline_code),
                code="card_declined",
            )
        else:
            payment_apply_intent(intent=intent, cause=f"confirm:{intent.id}")
    if refused is not None:  # raised after the commit, which keeps the attempt and error
        raise refused
    payment.refresh_from_db()
    return payment


def payment_sync(*, order_id: int) -> Payment | None:
    """A verified retrieve: ask Stripe about the order's PaymentIntent and apply it."""
    payment = Payment.objects.filter(order_id=order_id).first()
    if payment is None or not payment.stripe_payment_intent_id:
        return payment
    if payment.status == Payment.Status.SUCCEEDED:
        return payment
    try:
        intent = gateway.payment_intent_retrieve(intent_id=payment.stripe_payment_intent_id)
    except (gateway.GatewayUnavailable, gateway.GatewayError):
        logger.warning("payment sync of order %s failed", order_id)
        return payment
    payment_apply_intent(intent=intent, cause=f"retrieve:{intent.id}")
    payment.refresh_from_db()
    return payment


def payment_apply_event(*, intent_id: str, cause: str) -> None:
    """A webhook named a PaymentIntent: ask Stripe about it (a verified retrieve) and apply
    what Stripe says, never the event's own copy. A signed event is then only a doorbell:
    with a leaked or default webhook secret, a forged `succeeded` still credits nothing
    that Stripe has not charged. An intent Stripe does not know is logged and ignored;
    Stripe unreachable raises GatewayUnavailable, leaving the event for a later pass."""
    try:
        intent = gateway.payment_intent_retrieve(intent_id=intent_id)
    except gateway.GatewayError:
        logger.warning("event names payment intent %s, which Stripe does not know", intent_id)
        return
    if intent.topup_id is not None:  # a wallet top-up's intent (metadata topup_id)
        from payments.wallet.services import topup_apply_intent

        topup_apply_intent(intent=intent, cause=cause)
        return
    payment_apply_intent(intent=intent, cause=cause)


def payment_apply_intent(*, intent: gateway.IntentView, cause: str) -> None:
    """Apply what Stripe said about a PaymentIntent. Safe to call any number of times, in
    any order: a success captures into escrow exactly once (unique ledger key)."""
    payment = Payment.objects.filter(stripe_payment_intent_id=intent.id).first()
    if payment is None:
        logger.warning("payment intent %s matches no order", intent.id)
        return
    if intent.status == "succeeded":
        refund_id = escrow_capture(payment_id=payment.pk, intent=intent, cause=cause)
        if refund_id is not None:
            from payments.services.refunds import refund_submit_on_commit

            refund_submit_on_commit(refund_id=refund_id)
        return
    status = STATUS_FROM_STRIPE.get(intent.status)
    if status:
        # Never step back from succeeded (events may arrive out of order).
        Payment.objects.filter(pk=payment.pk).exclude(status=Payment.Status.SUCCEEDED).update(
            status=status
        )


@transaction.atomic
def escrow_capture(*, payment_id: int, intent: gateway.IntentView, cause: str) -> int | None:
    """Book a succeeded PaymentIntent into the order's escrow (once) and mark the order paid.

    If the order closed before the money arrived (expired, cancelled), the money is still
    booked and a full refund is reserved; its id is returned for submission after commit.
    """
    payment = Payment.objects.get(pk=payment_id)
    order = order_lock(order_id=payment.order_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if intent.amount_fen != payment.amount_fen or intent.currency != payment.currency:
        logger.error(
            "payment intent %s amount %s %s does not match order %s (%s %s)",
            intent.id,
            intent.amount_fen,
            intent.currency,
            order.pk,
            payment.amount_fen,
            payment.currency,
        )
        return None
    now = timezone.now()
    posted = ledger.ledger_post(
        key=f"capture:{intent.id}",
        kind=LedgerTransaction.Kind.CAPTURE,
        cause=f"stripe:{intent.id}",
        order_id=order.pk,
        memo=cause,
        legs=[
            ledger.Leg(ledger.account_stripe_clearing(), -payment.amount_fen),
            ledger.Leg(ledger.account_escrow(order_id=order.pk), payment.amount_fen),
        ],
    )
    if payment.status != Payment.Status.SUCCEEDED:
        payment.status = Payment.Status.SUCCEEDED
        payment.succeeded_at = now
        payment.save(update_fields=["status", "succeeded_at"])
    if posted is None:
        return None
    from sessions.services.orders import order_mark_paid

    if order.state == Order.State.PENDING_PAYMENT:
        order_mark_paid(order_id=order.pk, now=now)
        return None
    # The order closed before the money arrived: give it back.
    from payments.services.refunds import refund_reserve

    logger.warning("late payment %s for %s order %s: refunding", intent.id, order.state, order.pk)
    refund = refund_reserve(
        order_id=order.pk,
        amount_fen=payment.amount_fen,
        reason="payment arrived after the order closed",
        cause=Refund.Cause.LATE_PAYMENT,
        idempotency_source=f"late_payment:{order.pk}",
    )
    return refund.pk
