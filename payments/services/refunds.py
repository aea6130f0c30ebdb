"""Refunds from an order's escrow through the Stripe Refund API.

1. `refund_reserve` (under the order's row lock) checks the amount against what is left
   (escrow balance minus refunds still pending) and commits a pending `Refund` row; its id
   is the Stripe idempotency key, and its `idempotency_source` (unique) makes one cause
   refund at most once.
2. `refund_submit` calls Stripe with that key. Success posts escrow -> refunds in the
   ledger; a 4xx marks the refund failed (the reservation is released); a 500, timeout or
   dropped connection leaves it pending.
3. `refunds_reconcile` (beat) settles pending refunds: it first looks for the refund at
   Stripe by our row id (the local Stripe server does not replay idempotency keys), and
   only if none exists submits again, with the same key. A refund that has used up its
   `MAX_REFUND_ATTEMPTS` is "stuck": the beat skips it and staff act on it in the admin
   (`refund_stuck_retry`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from payments import stripe_gateway as gateway
from payments.exceptions import InvalidAmount, PaymentUnavailable, RefundRefused
from payments.models import LedgerTransaction, Payment, Refund
from payments.money import yuan
from payments.selectors import escrow_available_fen  # re-exported: callers import it here
from payments.services import ledger
from sessions.models import Order
from sessions.services.transitions import order_lock

logger = logging.getLogger(__name__)

MAX_REFUND_ATTEMPTS = 20


def refund_stuck_q() -> Q:
    """Pending refunds that used up their attempts: the beat leaves them to staff."""
    return Q(status=Refund.Status.PENDING, attempts__gte=MAX_REFUND_ATTEMPTS)


def validate_amount_fen(value) -> int:
    """A positive whole number of fen within a sane bound; anything else is refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(_("The amount must be a whole number of fen."))
    if value <= 0:
        raise InvalidAmount(_("The amount must be positive."))
    if value > 100_000_000:  # one million yuan
        raise InvalidAmount(_("The amount is too large."))
    return value


@transaction.atomic
def refund_reserve(
    *, order_id: int, amount_fen: int, reason: str, cause: str, idempotency_source: str
) -> Refund:
    """Commit a pending refund if it fits in what is left. Returns the existing refund when
    `idempotency_source` was already used for this order."""
    validate_amount_fen(amount_fen)
    if cause not in Refund.Cause.values:
        raise RefundRefused(_("Unknown refund cause."), code="refund_cause")
    if not idempotency_source:
        raise RefundRefused(_("A refund needs a source."), code="refund_source")
    order = order_lock(order_id=order_id)
    existing = Refund.objects.filter(idempotency_source=idempotency_source).first()
    if existing is not None:
        if existing.order_id != order_id:
            raise RefundRefused(_("This refund source belongs to another order."))
        return existing
    payment = (
        Payment.objects.select_for_update()
        .filter(order_id=order_id, status=Payment.Status.SUCCEEDED)
        .first()
    )
    if payment is None and order.kind not in Order.WALLET_KINDS:
        raise RefundRefused(_("Nothing was paid for this order."), code="not_paid")
    available = escrow_available_fen(order_id=order_id)
    if amount_fen > available:
        logger.info("refund of %s refused for order %s: %s left", amount_fen, order_id, available)
        raise RefundRefused(
            _("A refund cannot exceed what is left in escrow (¥%(left)s).")
            % {"left": yuan(available)},
            code="refund_exceeds_escrow",
        )
    return Refund.objects.create(
        order_id=order_id,
        payment=payment,
        amount_fen=amount_fen,
        cause=cause,
        reason=reason[:300],
        idempotency_source=idempotency_source,
    )


@transaction.atomic
def refund_settle(*, refund_id: int, stripe_refund: gateway.RefundView) -> Refund:
    """Apply Stripe's outcome of a refund (once)."""
    refund = Refund.objects.get(pk=refund_id)
    order_lock(order_id=refund.order_id)
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    if stripe_refund.status in ("succeeded", "pending"):
        # A Stripe refund "pending" is accepted by Stripe: the money is committed to the
        # client; we book it now (reconciled with Stripe's final status by webhooks).
        ledger.ledger_post(
            key=f"refund:{refund.pk}",
            kind=LedgerTransaction.Kind.REFUND,
            cause=f"stripe:{stripe_refund.id}",
            order_id=refund.order_id,
            memo=f"{refund.cause}: {refund.reason}",
            legs=[
                ledger.Leg(ledger.account_escrow(order_id=refund.order_id), -refund.amount_fen),
                ledger.Leg(ledger.account_refunds(), refund.amount_fen),
            ],
        )
        refund.status = Refund.Status.SUCCEEDED
    else:
        refund.status = Refund.Status.FAILED
        refund.last_error = f"stripe status {stripe_refund.status}"
        _hold_for_failed(refund)
    refund.stripe_refund_id = stripe_refund.id
    refund.settled_at = timezone.now()
    refund.save(update_fields=["status", "stripe_refund_id", "settled_at", "last_error"])
    return refund


def failed_hold_source(refund: Refund) -> str:
    return f"refund-failed:{refund.pk}"


def _hold_for_failed(refund: Refund) -> None:
    """A refund Stripe refused (or reversed) leaves its money in escrow, owed to the client:
    freeze the order's settlement so the release never pays it to the listener, until staff
    send it again (`refund_failed_retry`) or let it go (`refund_failed_dismiss`)."""
    from payments.services.settlement import settlement_hold_place

    settlement_hold_place(
        order_id=refund.order_id,
        source=failed_hold_source(refund),
        reason=f"refund {refund.pk} of {refund.amount_fen} fen failed at Stripe",
    )


def _refund_fail(*, refund_id: int, error: str) -> None:
    with transaction.atomic():
        refund = Refund.objects.get(pk=refund_id)
        order_lock(order_id=refund.order_id)
        failed = Refund.objects.filter(pk=refund_id, status=Refund.Status.PENDING).update(
            status=Refund.Status.FAILED, last_error=error[:300], settled_at=timezone.now()
        )
        if failed:
            _hold_for_failed(refund)


@transaction.atomic
def refund_to_wallet(*, refund_id: int) -> Refund:
    """A refund of an order paid from the wallet (per minute, a plan day) goes back to the wallet at
    once: escrow -> wallet, no Stripe call. Once (the ledger key and the pending check)."""
    refund = Refund.objects.get(pk=refund_id)
    order = order_lock(order_id=refund.order_id)
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    ledger.ledger_post(
        key=f"refund:{refund.pk}",
        kind=LedgerTransaction.Kind.RETURN,
        cause=f"refund:{refund.pk}",
        order_id=order.pk,
        memo=f"{refund.cause}: {refund.reason}",
        legs=[
            ledger.Leg(ledger.account_escrow(order_id=order.pk), -refund.amount_fen),
            ledger.Leg(ledger.account_wallet(client_id=order.client_id), refund.amount_fen),
        ],
    )
    refund.status = Refund.Status.SUCCEEDED
    refund.settled_at = timezone.now()
    refund.save(update_fields=["status", "settled_at"])
    return refund


def refund_submit(*, refund_id: int) -> Refund:
    """Send a pending refund to Stripe with its row's idempotency key (a per-minute
    order's goes back to the wallet)."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    if refund.payment_id is None:
        return refund_to_wallet(refund_id=refund.pk)
    Refund.objects.filter(pk=refund.pk).update(attempts=F("attempts") + 1)
    try:
        result = gateway.refund_create(
            intent_id=refund.payment.stripe_payment_intent_id,
            amount_fen=refund.amount_fen,
            refund_row_id=refund.pk,
            idempotency_key=refund.idempotency_key,
        )
    except gateway.GatewayUnavailable as exc:
        logger.warning("refund %s left pending: %s", refund.pk, exc)
        Refund.objects.filter(pk=refund.pk).update(last_error=str(exc)[:300])
        refund = Refund.objects.get(pk=refund.pk)
        if refund.attempts >= MAX_REFUND_ATTEMPTS:
            # The beat stops here; this error is the alert that staff must act.
            logger.error(
                "refund %s stuck after %s attempts: needs staff", refund.pk, refund.attempts
            )
        return refund
    except gateway.GatewayError as exc:
        logger.error("refund %s refused by Stripe: %s", refund.pk, exc)
        _refund_fail(refund_id=refund.pk, error=str(exc))
        return Refund.objects.get(pk=refund.pk)
    return refund_settle(refund_id=refund.pk, stripe_refund=result)


def refund_submit_on_commit(*, refund_id: int) -> None:
    """Submit after the surrounding transaction commits (the row must exist first).
    A crash in between leaves it pending for `refunds_reconcile`."""
    transaction.on_commit(lambda: refund_submit(refund_id=refund_id))


def refund_issue(
    *, order_id: int, amount_fen: int, reason: str, cause: str, idempotency_source: str
) -> Refund:
    """Refund `amount_fen` of the order's escrow to the client through Stripe.

    Refused (RefundRefused / InvalidAmount, nothing written) when it exceeds what is left.
    The same `idempotency_source` twice returns the first refund and refunds nothing more.
    A Stripe outage leaves the refund pending; `refunds_reconcile` finishes it. Call it
    outside a transaction so the row is committed before Stripe is called.
    """
    refund = refund_reserve(
        order_id=order_id,
        amount_fen=amount_fen,
        reason=reason,
        cause=cause,
        idempotency_source=idempotency_source,
    )
    if refund.status != Refund.Status.PENDING:
        return refund
    return refund_submit(refund_id=refund.pk)


def _found_at_stripe(refund: Refund) -> gateway.RefundView | None:
    """Stripe's refund carrying our row id, if Stripe made one (raises gateway errors)."""
    found = [
        r
        for r in gateway.refunds_for_intent(intent_id=refund.payment.stripe_payment_intent_id)
        if r.refund_row_id == refund.pk
    ]
    return found[0] if found else None


def refund_reconcile(*, refund_id: int) -> Refund:
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING:
        return refund
    if refund.payment_id is None:
        return refund_to_wallet(refund_id=refund.pk)
    try:
        found = _found_at_stripe(refund)
    except (gateway.GatewayUnavailable, gateway.GatewayError) as exc:
        logger.warning("reconcile of refund %s postponed: %s", refund.pk, exc)
        return refund
    if found:
        return refund_settle(refund_id=refund.pk, stripe_refund=found)
    if refund.attempts >= MAX_REFUND_ATTEMPTS:
        logger.error("refund %s still pending after %s attempts", refund.pk, refund.attempts)
        return refund
    return refund_submit(refund_id=refund.pk)


def refunds_reconcile(*, older_than_seconds: int = 30, now=None, limit: int = 100) -> int:
    """Settle refunds left pending for a while. Returns how many were looked at.

    Stuck refunds are skipped: they would otherwise fill the oldest-first window for ever
    and newer refunds would never be reconciled."""
    now = now or timezone.now()
    ids = list(
        Refund.objects.filter(
            status=Refund.Status.PENDING,
            created_at__lte=now - timedelta(seconds=older_than_seconds),
        )
        .exclude(refund_stuck_q())
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for refund_id in ids:
        refund_reconcile(refund_id=refund_id)
    return len(ids)


def _not_stuck() -> RefundRefused:
    return RefundRefused(
        _("This refund still has attempts left; it is retried automatically."),
        code="refund_not_stuck",
    )


def refund_stuck_retry(*, refund_id: int) -> Refund:
    """Staff: settle a stuck refund. First ask Stripe whether it made the refund (found →
    booked, never sent again); otherwise give it a fresh round of attempts and submit it
    again with its SAME idempotency key, so Stripe can never pay it twice.

    Refused (nothing changed) unless the refund is pending with its attempts used up, or
    when Stripe cannot be reached for the look-up. Call outside a transaction."""
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None:
        raise RefundRefused(_("No such refund."), code="not_found")
    if refund.status != Refund.Status.PENDING:
        raise RefundRefused(
            _("Only a pending refund can be checked with Stripe; this one is %(status)s.")
            % {"status": refund.get_status_display()},
            code="refund_not_pending",
        )
    if refund.attempts < MAX_REFUND_ATTEMPTS:
        raise _not_stuck()
    try:
        found = _found_at_stripe(refund)
    except (gateway.GatewayUnavailable, gateway.GatewayError) as exc:
        logger.warning("staff check of refund %s failed: %s", refund.pk, exc)
        raise PaymentUnavailable(
            _("Stripe did not answer the check; nothing was changed. Try again later.")
        ) from exc
    if found:
        logger.info("stuck refund %s found at Stripe as %s", refund.pk, found.id)
        return refund_settle(refund_id=refund.pk, stripe_refund=found)
    # The conditional reset is the claim: of two clicks at once only one sends again.
    claimed = (
        Refund.objects.filter(pk=refund.pk)
        .filter(refund_stuck_q())
        .update(attempts=0, last_error="")
    )
    if not claimed:
        refund.refresh_from_db()
        if refund.status != Refund.Status.PENDING:
            return refund  # settled meanwhile (a webhook): nothing left to do
        raise _not_stuck()
    logger.info("stuck refund %s not found at Stripe: sent again", refund.pk)
    return refund_submit(refund_id=refund.pk)


def refund_apply_stripe_update(*, stripe_refund: gateway.RefundView) -> None:
    """A refund webhook (real Stripe sends them; the local server does not)."""
    refund = None
    if stripe_refund.refund_row_id is not None:
        refund = Refund.objects.filter(pk=stripe_refund.refund_row_id).first()
    if refund is None:
        refund = Refund.objects.filter(stripe_refund_id=stripe_refund.id).first()
    if refund is None:
        logger.warning("stripe refund %s matches no refund row", stripe_refund.id)
        return
    if refund.status == Refund.Status.PENDING:
        refund_settle(refund_id=refund.pk, stripe_refund=stripe_refund)
    elif refund.status == Refund.Status.SUCCEEDED and stripe_refund.status in (
        "failed",
        "canceled",
    ):
        # Money came back to escrow at Stripe: a reversing entry, once.
        with transaction.atomic():
            order_lock(order_id=refund.order_id)
            ledger.ledger_post(
                key=f"refund-reversal:{refund.pk}",
                kind=LedgerTransaction.Kind.REVERSAL,
                cause=f"stripe:{stripe_refund.id}",
                order_id=refund.order_id,
                memo=f"refund {refund.pk} {stripe_refund.status} at Stripe",
                legs=[
                    ledger.Leg(ledger.account_refunds(), -refund.amount_fen),
                    ledger.Leg(ledger.account_escrow(order_id=refund.order_id), refund.amount_fen),
                ],
            )
            _hold_for_failed(refund)


def _refund_reversed(refund: Refund) -> bool:
    return LedgerTransaction.objects.filter(key=f"refund-reversal:{refund.pk}").exists()


def _failed_refund_locked(*, refund_id: int) -> Refund:
    """Inside a transaction: the order, then the refund, locked; refused unless the refund
    failed at Stripe or was reversed after it succeeded."""
    refund = Refund.objects.filter(pk=refund_id).first()
    if refund is None:
        raise RefundRefused(_("No such refund."), code="not_found")
    order_lock(order_id=refund.order_id)
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.status != Refund.Status.FAILED and not _refund_reversed(refund):
        raise RefundRefused(_("This refund did not fail."), code="refund_not_failed")
    return refund


def refund_failed_retry(*, refund_id: int) -> Refund:
    """Staff: send a refund Stripe refused (or reversed) again, as a new refund of the same
    amount and cause (source "retry:<id>", so a second click returns the same retry), and
    lift the settlement hold it placed. Call outside a transaction."""
    with transaction.atomic():
        failed = _failed_refund_locked(refund_id=refund_id)
        retry = refund_reserve(
            order_id=failed.order_id,
            amount_fen=failed.amount_fen,
            reason=failed.reason,
            cause=failed.cause,
            idempotency_source=f"retry:{failed.pk}",
        )
        from payments.services.settlement import settlement_hold_lift

        settlement_hold_lift(source=failed_hold_source(failed))
    logger.info("refund %s sent again as refund %s", failed.pk, retry.pk)
    if retry.status != Refund.Status.PENDING:
        return retry
    return refund_submit(refund_id=retry.pk)


def refund_failed_dismiss(*, refund_id: int) -> None:
    """Staff: give up on a refund Stripe refused (or reversed); its money stays in escrow
    and settles with the rest of the order."""
    with transaction.atomic():
        failed = _failed_refund_locked(refund_id=refund_id)
        from payments.services.settlement import settlement_hold_lift

        settlement_hold_lift(source=failed_hold_source(failed))
    logger.info("failed refund %s let go; order %s may settle", failed.pk, failed.order_id)


def order_refund_full(*, order: Order, cause: str, reason: str) -> Refund | None:
    """Reserve a refund of everything left (inside the caller's transaction and lock).
    Returns None when nothing is left."""
    available = escrow_available_fen(order_id=order.pk)
    if available <= 0:
        return None
    return refund_reserve(
        order_id=order.pk,
        amount_fen=available,
        reason=reason,
        cause=cause,
        idempotency_source=f"{cause}:{order.pk}",
    )
