"""Reads of the wallet: balance, what a top-up has left, the statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Sum

from payments.models import Account, Entry, LedgerTransaction
from payments.wallet.models import TopUp, TopUpRefund, Withdrawal


def _sum(qs) -> int:
    return qs.aggregate(total=Sum("amount_fen"))["total"] or 0


def wallet_balance_fen(*, client_id: int) -> int:
    """What the client's wallet account holds (the ledger's word)."""
    return _sum(
        Entry.objects.filter(account__kind=Account.Kind.CLIENT_WALLET, account__client_id=client_id)
    )


def wallets_available_fen(*, client_ids: list[int]) -> dict[int, int]:
    """Per client: the wallet's balance minus withdrawals on their way (they reserve their
    amount), in two aggregates. Minute charges and withdrawals read it under the wallet
    accounts' locks."""
    available = dict(
        Entry.objects.filter(
            account__kind=Account.Kind.CLIENT_WALLET, account__client_id__in=client_ids
        )
        .values("account__client_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("account__client_id", "total")
    )
    for client_id, pending in (
        TopUpRefund.objects.filter(
            topup__client_id__in=client_ids, status=TopUpRefund.Status.PENDING
        )
        .values("topup__client_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("topup__client_id", "total")
    ):
        available[client_id] = available.get(client_id, 0) - pending
    return {client_id: available.get(client_id, 0) for client_id in client_ids}


def wallet_available_fen(*, client_id: int) -> int:
    """`wallets_available_fen` for one client."""
    return wallets_available_fen(client_ids=[client_id])[client_id]


def topup_remainder_fen(*, topup_id: int) -> int:
    """What can still be refunded to a top-up: its amount minus refunds done or on their way."""
    topup = TopUp.objects.get(pk=topup_id)
    used = TopUpRefund.objects.filter(
        topup_id=topup_id, status__in=[TopUpRefund.Status.SUCCEEDED, TopUpRefund.Status.PENDING]
    )
    return topup.amount_fen - _sum(used)


def topups_month_fen(*, client, start: datetime, now: datetime) -> tuple[int, int]:
    """(spent, held) by this month's top-ups for the budget: paid top-ups minus what was
    withdrawn from them; unpaid ones hold their amount until their payment deadline."""
    month = TopUp.objects.filter(client=client, created_at__gte=start)
    paid = month.filter(status=TopUp.Status.SUCCEEDED).aggregate(t=Sum("amount_fen"))["t"] or 0
    withdrawn = (
        TopUpRefund.objects.filter(
            topup__in=month,
            status__in=[TopUpRefund.Status.SUCCEEDED, TopUpRefund.Status.PENDING],
        ).aggregate(t=Sum("amount_fen"))["t"]
        or 0
    )
    held = (
        month.exclude(status__in=[TopUp.Status.SUCCEEDED, TopUp.Status.CANCELED])
        .filter(payment_deadline__gt=now)
        .aggregate(t=Sum("amount_fen"))["t"]
        or 0
    )
    return paid - withdrawn, held


@dataclass(frozen=True)
class StatementLine:
    at: datetime
    amount_fen: int  # positive; the list it is in says the direction
    order_id: int | None
    memo: str


@dataclass(frozen=True)
class WalletStatement:
    balance_fen: int
    available_fen: int
    topups: list[TopUp]
    charges: list[StatementLine]  # wallet -> an order's escrow (per-minute sessions)
    refunds: list[StatementLine]  # an order's escrow -> back to the wallet
    withdrawals: list[Withdrawal]


MOVEMENT_KINDS = (LedgerTransaction.Kind.CHARGE, LedgerTransaction.Kind.RETURN)


def wallet_statement(*, client_id: int, limit: int = 100) -> WalletStatement:
    """Everything the wallet page and `GET /api/wallet/` show, newest first."""
    legs = (
        Entry.objects.filter(account__kind=Account.Kind.CLIENT_WALLET, account__client_id=client_id)
        .filter(transaction__kind__in=MOVEMENT_KINDS)
        .select_related("transaction")
        .order_by("-id")[:limit]
    )
    charges, refunds = [], []
    for leg in legs:
        line = StatementLine(
            at=leg.transaction.created_at,
            amount_fen=abs(leg.amount_fen),
            order_id=leg.transaction.order_id,
            memo=leg.transaction.memo,
        )
        (charges if leg.transaction.kind == LedgerTransaction.Kind.CHARGE else refunds).append(line)
    return WalletStatement(
        balance_fen=wallet_balance_fen(client_id=client_id),
        available_fen=wallet_available_fen(client_id=client_id),
        topups=list(TopUp.objects.filter(client_id=client_id).order_by("-id")[:limit]),
        charges=charges,
        refunds=refunds,
        withdrawals=list(
            Withdrawal.objects.filter(client_id=client_id)
            .prefetch_related("parts")
            .order_by("-id")[:limit]
        ),
    )
