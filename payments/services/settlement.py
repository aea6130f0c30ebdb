"""Settlement: after a session ends and the dispute window passes with no hold, what is left
in escrow is released: commission to the platform, the rest (the listener share) to the
order's payees by the time each served (`payments.services.payees`), and of each payee's
part the share of their team, if any, to the team's payable.

Holds: `order_settlement_frozen(order=...)` is the one question the release asks. It is
true while the order has an open `SettlementHold`; dispute code places a hold when a
dispute opens (`settlement_hold_place(order_id=..., source="dispute:<id>", reason=...)`)
and lifts it when decided (`settlement_hold_lift(source="dispute:<id>")`). Refunds
decided by a dispute go through `refund_issue` before the hold is lifted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.models import LedgerTransaction, Refund, SettlementHold
from payments.services import ledger
from payments.services.payees import PayeeShare, order_payees, payees_split
from sessions.models import Breach, Order
from sessions.services.transitions import order_lock

logger = logging.getLogger(__name__)

SETTLEABLE_STATES = (Order.State.COMPLETED, Order.State.TERMINATED)


@dataclass(frozen=True)
class Release:
    order_id: int
    released_fen: int
    commission_fen: int
    listener_fen: int  # the listener share, team parts included
    team_fen: int = 0  # of which went to teams' payables
    shares: tuple[PayeeShare, ...] = field(default_factory=tuple)


def commission_percent() -> int:
    percent = settings.PLATFORM_COMMISSION_PERCENT
    if not 20 <= percent <= 30:
        raise ImproperlyConfigured("PLATFORM_COMMISSION_PERCENT must be within 20-30")
    return percent


def commission_split(*, amount_fen: int, percent: int) -> tuple[int, int]:
    """(commission, listener share). Commission rounds down; the two always add up."""
    commission = amount_fen * percent // 100
    return commission, amount_fen - commission


def order_settlement_frozen(*, order: Order) -> bool:
    """True while anything (an open dispute) holds the order's settlement."""
    return SettlementHold.objects.filter(order_id=order.pk, lifted_at__isnull=True).exists()


def order_compensation_owed(*, order_id: int) -> bool:
    """True while a missed reply window of the order has not had its refunds issued yet
    (breach and termination refunds are issued after the breach commits, outside any
    transaction). Releasing before that would pay the listener what the client is owed."""
    return Breach.objects.filter(order_id=order_id, compensated_at__isnull=True).exists()


def settlement_hold_place(*, order_id: int, source: str, reason: str) -> SettlementHold:
    try:
        with transaction.atomic():
            return SettlementHold.objects.create(order_id=order_id, source=source, reason=reason)
    except IntegrityError:
        return SettlementHold.objects.get(source=source)


def settlement_hold_lift(*, source: str) -> None:
    SettlementHold.objects.filter(source=source, lifted_at__isnull=True).update(
        lifted_at=timezone.now()
    )


@transaction.atomic
def escrow_release(*, order_id: int, now=None) -> Release | None:
    """Release what is left of the order's escrow and mark the order settled.

    Returns None (and changes nothing) when the order is not completed/terminated, is
    still inside its dispute window, is frozen (an open dispute, a refund Stripe refused),
    has refunds pending, or has a breach whose refunds were not issued yet.
    """
    now = now or timezone.now()
    order = order_lock(order_id=order_id)
    if order.state not in SETTLEABLE_STATES:
        return None
    window = timedelta(hours=settings.DISPUTE_WINDOW_HOURS)
    if order.ended_at is None or order.ended_at + window > now:
        return None
    if order_settlement_frozen(order=order):
        return None
    if Refund.objects.filter(order_id=order_id, status=Refund.Status.PENDING).exists():
        return None
    if order_compensation_owed(order_id=order_id):
        return None
    escrow = ledger.account_escrow(order_id=order_id)
    held = ledger.account_balance_fen(account=escrow)
    percent = commission_percent()
    commission, share = commission_split(amount_fen=held, percent=percent)
    start = order.activated_at or order.starts_at
    shares = payees_split(
        share_fen=share,
        payees=order_payees(order_id=order_id, listener_id=order.listener_id, start=start),
        start=start,
        end=max(order.ended_at, start),
    )
    if held > 0:
        legs = [
            ledger.Leg(escrow, -held),
            ledger.Leg(ledger.account_platform_commission(), commission),
        ]
        for part in shares:
            legs.append(
                ledger.Leg(
                    ledger.account_listener_payable(listener_id=part.listener_id),
                    part.listener_fen,
                )
            )
            if part.team_id is not None:
                legs.append(
                    ledger.Leg(ledger.account_team_payable(team_id=part.team_id), part.team_fen)
                )
        ledger.ledger_post(
            key=f"release:{order_id}",
            kind=LedgerTransaction.Kind.RELEASE,
            cause=f"settlement:order:{order_id}",
            order_id=order_id,
            memo=f"commission {percent}%"
            + "".join(
                f"; listener {p.listener_id} {p.seconds}s"
                + (f" team {p.team_id} {p.team_fen}" if p.team_id else "")
                for p in shares
            ),
            legs=legs,
        )
    from sessions.services.orders import order_settle

    order_settle(order_id=order_id, now=now)
    return Release(
        order_id=order_id,
        released_fen=held,
        commission_fen=commission,
        listener_fen=share,
        team_fen=sum(p.team_fen for p in shares),
        shares=tuple(shares),
    )


def settlement_sweep(*, now=None, limit: int = 200) -> int:
    """Beat: release every order whose dispute window has passed. Returns releases made."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.DISPUTE_WINDOW_HOURS)
    ids = list(
        Order.objects.filter(state__in=SETTLEABLE_STATES, ended_at__lte=cutoff)
        .exclude(pk__in=SettlementHold.objects.filter(lifted_at__isnull=True).values("order_id"))
        .exclude(pk__in=Refund.objects.filter(status=Refund.Status.PENDING).values("order_id"))
        .exclude(pk__in=Breach.objects.filter(compensated_at__isnull=True).values("order_id"))
        .order_by("ended_at")
        .values_list("id", flat=True)[:limit]
    )
    released = 0
    for order_id in ids:
        if escrow_release(order_id=order_id, now=now) is not None:
            released += 1
    return released
