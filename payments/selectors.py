"""Reads of the payments area."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from payments.models import Account, Entry, LedgerTransaction, Payout, PayoutBatch, Refund
from sessions.models import Order


def _sum(qs) -> int:
    return qs.aggregate(total=Sum("amount_fen"))["total"] or 0


def _escrow_available_sum_fen(orders: QuerySet[Order]) -> int:
    """The escrow rule, written once: what the escrow accounts of `orders` hold minus
    their refunds on their way (pending refunds are not in the ledger yet)."""
    held = Entry.objects.filter(account__kind=Account.Kind.ESCROW, account__order__in=orders)
    pending = Refund.objects.filter(status=Refund.Status.PENDING, order__in=orders)
    return _sum(held) - _sum(pending)


def escrow_available_fen(*, order_id: int) -> int:
    """What is still held for the order: the escrow balance minus refunds on their way.
    Refund decisions read it under the order lock."""
    return _escrow_available_sum_fen(Order.objects.filter(pk=order_id))


def order_escrow_balance_fen(*, order) -> int:
    return escrow_available_fen(order_id=order.pk)


def order_refunded_fen(*, order) -> int:
    return _sum(Refund.objects.filter(order_id=order.pk, status=Refund.Status.SUCCEEDED))


def order_ledger(*, order) -> list[LedgerTransaction]:
    """The order's journal with its legs (for the order page and the dispute desk)."""
    return list(
        LedgerTransaction.objects.filter(order_id=order.pk)
        .prefetch_related("entries__account")
        .order_by("id")
    )


def order_refunds(*, order) -> list[Refund]:
    return list(Refund.objects.filter(order_id=order.pk).order_by("id"))


@dataclass(frozen=True)
class Earnings:
    pending_fen: int  # held in escrow for sessions not yet settled (before commission)
    available_fen: int  # released to the listener, not yet in a payout
    in_payout_fen: int  # in a batch awaiting approval
    paid_out_fen: int


def listener_earnings(*, listener) -> Earnings:
    # Settled orders hold nothing (release empties escrow and waits for pending refunds);
    # leaving them out only spares summing the listener's whole history.
    escrow = _escrow_available_sum_fen(
        Order.objects.filter(listener_id=listener.pk).exclude(state=Order.State.SETTLED)
    )
    payable = _sum(
        Entry.objects.filter(
            account__kind=Account.Kind.LISTENER_PAYABLE, account__listener_id=listener.pk
        )
    )
    in_payout = _sum(
        Payout.objects.filter(listener=listener, team__isnull=True, status=Payout.Status.PENDING)
    )
    paid_out = _sum(
        Entry.objects.filter(
            account__kind=Account.Kind.LISTENER_PAID_OUT, account__listener_id=listener.pk
        )
    )
    return Earnings(
        pending_fen=max(escrow, 0),
        available_fen=payable - in_payout,
        in_payout_fen=in_payout,
        paid_out_fen=paid_out,
    )


def payout_batches(*, limit: int = 50) -> list[PayoutBatch]:
    return list(PayoutBatch.objects.prefetch_related("payouts__listener").order_by("-id")[:limit])


def listener_payables() -> list[tuple[int, int]]:
    """(listener id, payable balance) for every listener with money to pay out."""
    rows = (
        Entry.objects.filter(account__kind=Account.Kind.LISTENER_PAYABLE)
        .values("account__listener_id")
        .annotate(total=Sum("amount_fen"))
        .filter(~Q(total=0))
        .order_by("account__listener_id")
    )
    return [(r["account__listener_id"], r["total"]) for r in rows]


def team_payables() -> list[tuple[int, int]]:
    """(team id, payable balance) for every team with money to pay out."""
    rows = (
        Entry.objects.filter(account__kind=Account.Kind.TEAM_PAYABLE)
        .values("account__team_id")
        .annotate(total=Sum("amount_fen"))
        .filter(~Q(total=0))
        .order_by("account__team_id")
    )
    return [(r["account__team_id"], r["total"]) for r in rows]


def team_payable_fen(*, team_id: int) -> int:
    """What the team has earned and not been paid yet."""
    return _sum(
        Entry.objects.filter(account__kind=Account.Kind.TEAM_PAYABLE, account__team_id=team_id)
    )


def client_spend_by_day(*, client_id: int, since) -> dict:
    """Net spending of a client per local (Asia/Shanghai) day from `since`, straight from
    the ledger: what was captured into the escrow of their orders minus what was refunded
    out of it, dated by the ledger transaction. One query."""
    rows = (
        Entry.objects.filter(
            account__kind=Account.Kind.ESCROW,
            transaction__kind__in=[LedgerTransaction.Kind.CAPTURE, LedgerTransaction.Kind.REFUND],
            transaction__order__client_id=client_id,
            transaction__created_at__gte=since,
        )
        .annotate(day=TruncDate("transaction__created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(total=Sum("amount_fen"))
        .order_by()
    )
    return {row["day"]: row["total"] for row in rows}
