"""Breach compensation: the refunds a missed reply deadline grants (docs/reply-clock.md).

Money moves after the breach row commits (`breach_compensate`, outside any transaction):
`breach_refund_percent` of the price per breach, all breaches together capped at
`breach_refund_cap_percent`; a termination adds a pro-rata refund of the unused time,
capped at what is left in escrow. Refund sources "breach:<id>" / "termination:<order>"
make each refund happen at most once; a breach whose compensation never finished is
retried by the retry pass (`breaches_compensation_retry`, beat job
`sessions.retry_breach_compensation`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from payments.exceptions import InvalidAmount, RefundRefused
from payments.models import Payment, Refund
from payments.selectors import escrow_available_fen
from payments.services.refunds import refund_issue
from sessions.models import Breach, Escalation, Order

logger = logging.getLogger(__name__)

# A breach whose refunds were not issued this long after it was recorded is retried by
# the retry pass (its own compensation normally follows the commit within milliseconds).
COMPENSATION_RETRY_SECONDS = 10


def compensation_enqueue(breach_ids: list[int]) -> None:
    """Now: the refunds of `breach_ids` as one `sessions.compensate_breaches` task. A lost
    enqueue (broker down) is caught by the retry pass (`breaches_compensation_retry`)."""
    from sessions.tasks import compensate_breaches

    try:
        compensate_breaches.delay(breach_ids)
    except Exception as exc:  # noqa: BLE001 - kombu raises many kinds; the retry pass covers it
        logger.warning("breach compensation for %s not enqueued: %r", breach_ids, exc)


def compensation_enqueue_on_commit(breach_ids: list[int]) -> None:
    """After commit: the refunds of a batch as one `sessions.compensate_breaches` task, so
    Stripe's latency never holds up the watcher."""
    if breach_ids:
        transaction.on_commit(lambda: compensation_enqueue(breach_ids))


_MICROSECOND = timedelta(microseconds=1)


def termination_refund_fen(*, order: Order) -> int:
    """Pro-rata price of the time left unused when the session was terminated:
    `price * unused // bought`, in integers only — both times in whole microseconds (the
    resolution of the stored timestamps), the product rounded down to a whole fen, the
    unused time capped at the time bought. No float ever touches the amount."""
    bought_us = order.minutes * 60 * 1_000_000
    if not order.ended_at or bought_us <= 0:
        return 0
    unused_us = max(0, (order.ends_at - order.ended_at) // _MICROSECOND)
    return min(order.price_fen, order.price_fen * min(unused_us, bought_us) // bought_us)


def _refund(*, order_id: int, amount_fen: int, cause: str, source: str, reason: str) -> bool:
    """Refund `amount_fen`, capped at what is left in escrow, once per `source`. True when
    settled: the refund is reserved (now or before) or nothing is due (not paid through
    us, escrow empty). False when it was not reserved for another reason: the caller must
    not count the breach as compensated (the retry pass tries again).

    What is left is read without the order's lock, so another refund can land before
    `refund_reserve` checks it under the lock and refuses (`refund_exceeds_escrow`): then
    what is left is read again and the refund retried once with that (smaller) amount —
    or, if nothing is left, it is settled with nothing due."""
    if Refund.objects.filter(idempotency_source=source).exists():
        return True
    paid = Payment.objects.filter(order_id=order_id, status=Payment.Status.SUCCEEDED).exists()
    if not paid and not Order.objects.filter(pk=order_id, kind__in=Order.WALLET_KINDS).exists():
        return True  # nothing was paid through us (by card, or from the wallet): no refund
    for attempt in (1, 2):
        amount = min(amount_fen, escrow_available_fen(order_id=order_id))
        if amount <= 0:
            return True  # escrow is empty: nothing more is owed from it
        try:
            refund_issue(
                order_id=order_id,
                amount_fen=amount,
                reason=reason,
                cause=cause,
                idempotency_source=source,
            )
        except RefundRefused as exc:
            if exc.code == "not_paid":
                return True
            if exc.code == "refund_exceeds_escrow" and attempt == 1:
                logger.info("refund %s for order %s: escrow shrank, retrying", source, order_id)
                continue
            logger.warning("refund %s for order %s not issued: %s", source, order_id, exc)
            return False
        except InvalidAmount as exc:
            logger.warning("refund %s for order %s not issued: %s", source, order_id, exc)
            return False
        return True
    return False


def breach_compensate(*, breach_id: int, now: datetime | None = None) -> bool:
    """Issue the refunds one breach grants; once. Call outside a transaction (each refund
    row commits before Stripe is called). A Stripe outage leaves the refund pending for
    the payments reconciliation; the breach counts as compensated. A refund refused for
    any reason but "nothing is due" leaves the breach uncompensated for the retry pass.
    Returns True if this call finished it."""
    breach = Breach.objects.select_related("order").filter(pk=breach_id).first()
    if breach is None or breach.compensated_at is not None:
        return False
    from sessions.selectors.safety import compensation_deferred

    if compensation_deferred(order_id=breach.order_id):
        # A crisis escalation is open (docs/safety.md): refunds wait, the breach stays
        # uncompensated; closing it re-enqueues them and the retry pass picks them up.
        return False
    order = breach.order
    settled = True
    if breach.refund_fen > 0:
        settled = _refund(
            order_id=order.pk,
            amount_fen=breach.refund_fen,
            cause=Refund.Cause.BREACH,
            source=f"breach:{breach.pk}",
            reason=f"missed reply window (deadline {breach.deadline.isoformat()})",
        )
    if breach.terminated:
        order.refresh_from_db()
        settled = (
            _refund(
                order_id=order.pk,
                amount_fen=termination_refund_fen(order=order),
                cause=Refund.Cause.TERMINATION,
                source=f"termination:{order.pk}",
                reason="session terminated after consecutive missed replies: unused time",
            )
            and settled
        )
    if not settled:
        return False  # a refund was not reserved: left for the retry pass
    done = Breach.objects.filter(pk=breach.pk, compensated_at__isnull=True).update(
        compensated_at=now or timezone.now()
    )
    return bool(done)


def breaches_compensation_retry(*, now: datetime | None = None, limit: int = 100) -> int:
    """Compensate breaches recorded a while ago whose refunds were never issued (a worker
    killed between the commit and the refund). Breaches of orders with an open crisis
    escalation are left out of the batch (their refunds wait for it to close, and they
    must not fill the `limit` and starve the others). Returns how many it finished."""
    now = now or timezone.now()
    escalation_open = Escalation.objects.filter(
        order_id=OuterRef("order_id"), state=Escalation.State.OPEN
    )
    ids = list(
        Breach.objects.filter(
            compensated_at__isnull=True,
            recorded_at__lte=now - timedelta(seconds=COMPENSATION_RETRY_SECONDS),
        )
        .filter(~Exists(escalation_open))
        .order_by("recorded_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(breach_compensate(breach_id=breach_id) for breach_id in ids)
