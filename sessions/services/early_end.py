"""A fair early end (docs/payments.md): what ending a session before its time costs.

- The client ends a fixed session (instant, or an appointment once started) early: they
  pay the minutes used plus a minimum — `EARLY_END_MINIMUM_MINUTES` (10) or the tier's
  minimum booking, whichever is larger — never more than was bought; the rest of the
  price is refunded pro rata by minutes.
- The listener ends it early: all the unused time is refunded, pro rata to the
  microsecond (as a termination is).
- A per-minute session has paid only the minutes started: ending it gives back a minute
  charged ahead that had not started yet, and (the listener ending) the unused part of
  the current one.

The terms are shown before paying (`early_end_terms`) and the end-early confirmation
repeats them with the amount (`early_end_quote`). The refund is reserved in the same
transaction as the end and sent after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from payments.models import Refund
from payments.selectors import escrow_available_fen
from payments.services.refunds import refund_reserve, refund_submit_on_commit
from sessions.models import Order

_MINUTE = timedelta(minutes=1)
_MICROSECOND = timedelta(microseconds=1)


def early_end_minimum_minutes(*, tier) -> int:
    return max(settings.EARLY_END_MINIMUM_MINUTES, tier.min_minutes)


def minutes_used(*, order: Order, now: datetime) -> int:
    """Minutes started since the session began (a started minute counts whole)."""
    began = order.activated_at or order.starts_at
    elapsed_us = max(0, (now - began) // _MICROSECOND)
    return -(-elapsed_us // (60 * 1_000_000))


@dataclass(frozen=True)
class EarlyEndQuote:
    minutes_used: int
    minutes_paid: int
    paid_fen: int
    refund_fen: int


def early_end_quote(*, order: Order, now: datetime, by_listener: bool = False) -> EarlyEndQuote:
    """What ending `order` at `now` costs the client and what comes back."""
    used = min(minutes_used(order=order, now=now), order.minutes)
    if order.kind == Order.Kind.METERED:
        refund = _metered_refund_fen(order=order, now=now, by_listener=by_listener)
        return EarlyEndQuote(used, order.minutes, order.price_fen - refund, refund)
    if by_listener:
        bought_us = order.minutes * 60 * 1_000_000
        unused_us = min(bought_us, max(0, (order.ends_at - now) // _MICROSECOND))
        refund = order.price_fen * unused_us // bought_us
        return EarlyEndQuote(used, used, order.price_fen - refund, refund)
    paid_minutes = min(order.minutes, used + early_end_minimum_minutes(tier=order.tier))
    refund = order.price_fen * (order.minutes - paid_minutes) // order.minutes
    return EarlyEndQuote(used, paid_minutes, order.price_fen - refund, refund)


def _metered_refund_fen(*, order: Order, now: datetime, by_listener: bool) -> int:
    """A per-minute session has paid the minutes started: only its last minute can come
    back — whole if it was charged ahead and never started, or (the listener ending) its
    unused part."""
    from sessions.services.metering import minute_price_fen

    last_start = order.ends_at - _MINUTE
    price = minute_price_fen(terms=order.quote, at=last_start)
    if now < last_start:
        return price
    if by_listener and now < order.ends_at:
        minute_us = 60 * 1_000_000
        return price * ((order.ends_at - now) // _MICROSECOND) // minute_us
    return 0


def early_end_refund_reserve(*, order: Order, by_listener: bool) -> None:
    """Inside the end's transaction (the order locked, already ended): reserve the refund
    of the time not paid for, sent after commit. Capped at what escrow still holds."""
    quote = early_end_quote(order=order, now=order.ended_at, by_listener=by_listener)
    amount = min(quote.refund_fen, escrow_available_fen(order_id=order.pk))
    if amount <= 0:
        return
    refund = refund_reserve(
        order_id=order.pk,
        amount_fen=amount,
        reason=(
            "ended early by the listener: unused time"
            if by_listener
            else f"ended early by the client: {quote.minutes_paid} of {order.minutes} min paid"
        ),
        cause=Refund.Cause.EARLY_END,
        idempotency_source=f"early_end:{order.pk}",
    )
    if refund.status == Refund.Status.PENDING:
        refund_submit_on_commit(refund_id=refund.pk)


def early_end_terms(*, tier) -> str:
    """The early-end terms in words, shown before paying."""
    return _(
        "Ending early: if you end the session before its time, you pay the minutes used plus "
        "%(minimum)s minutes and the rest is refunded. If the listener ends it early, all "
        "unused time is refunded."
    ) % {"minimum": early_end_minimum_minutes(tier=tier)}
