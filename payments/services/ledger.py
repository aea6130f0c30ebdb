"""Posting to the double-entry ledger.

`ledger_post` is the only writer of journal rows. It checks what the database also checks
(legs sum to zero, non-negative accounts stay non-negative) and makes each cause post at
most once through the unique transaction key. Callers hold the lock of the business row
(the order, the listener) first; `ledger_post` then locks the accounts it touches in id
order, so two postings never wait on each other in opposite orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from payments.models import Account, Entry, LedgerTransaction


class LedgerError(Exception):
    """A posting that would break a ledger invariant (a programming error upstream)."""


@dataclass(frozen=True)
class Leg:
    account: Account
    amount_fen: int


# --- Accounts ------------------------------------------------------------------------------


def _account(code: str, kind: str, **fields: Any) -> Account:
    account = Account.objects.filter(code=code).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(
                code=code, kind=kind, non_negative=kind in Account.NON_NEGATIVE, **fields
            )
    except IntegrityError:
        return Account.objects.get(code=code)


def account_stripe_clearing() -> Account:
    return _account("stripe_clearing", Account.Kind.STRIPE_CLEARING)


def account_platform_commission() -> Account:
    return _account("platform_commission", Account.Kind.PLATFORM_COMMISSION)


def account_refunds() -> Account:
    return _account("refunds", Account.Kind.REFUNDS)


def account_escrow(*, order_id: int) -> Account:
    return _account(f"escrow:{order_id}", Account.Kind.ESCROW, order_id=order_id)


def account_listener_payable(*, listener_id: int) -> Account:
    return _account(
        f"listener_payable:{listener_id}", Account.Kind.LISTENER_PAYABLE, listener_id=listener_id
    )


def account_listener_paid_out(*, listener_id: int) -> Account:
    return _account(
        f"listener_paid_out:{listener_id}",
        Account.Kind.LISTENER_PAID_OUT,
        listener_id=listener_id,
    )


def account_team_payable(*, team_id: int) -> Account:
    """What a team (shop) has earned from its members' orders and not been paid yet."""
    return _account(f"team_payable:{team_id}", Account.Kind.TEAM_PAYABLE, team_id=team_id)


def account_team_paid_out(*, team_id: int) -> Account:
    return _account(f"team_paid_out:{team_id}", Account.Kind.TEAM_PAID_OUT, team_id=team_id)


def account_wallet(*, client_id: int) -> Account:
    return _account(f"wallet:{client_id}", Account.Kind.CLIENT_WALLET, client_id=client_id)


# --- Balances ------------------------------------------------------------------------------


def account_balance_fen(*, account: Account) -> int:
    return Entry.objects.filter(account=account).aggregate(total=Sum("amount_fen"))["total"] or 0


# --- Posting -------------------------------------------------------------------------------


def ledger_post(
    *,
    key: str,
    kind: str,
    cause: str,
    legs: Iterable[Leg],
    order_id: int | None = None,
    memo: str = "",
) -> LedgerTransaction | None:
    """Post one balanced transaction. Returns None when `key` was already posted."""
    legs = [leg for leg in legs if leg.amount_fen != 0]
    if not cause:
        raise LedgerError("every transaction names its cause")
    if len(legs) < 2:
        raise LedgerError("a transaction has at least two legs")
    if any(not isinstance(leg.amount_fen, int) or isinstance(leg.amount_fen, bool) for leg in legs):
        raise LedgerError("amounts are integer fen")
    if sum(leg.amount_fen for leg in legs) != 0:
        raise LedgerError("legs must sum to zero")

    with transaction.atomic():
        if LedgerTransaction.objects.filter(key=key).exists():
            return None
        # Lock the touched accounts in a fixed order, then decide on balances read after.
        ids = sorted({leg.account.pk for leg in legs})
        list(Account.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        for account_id in ids:
            account = next(leg.account for leg in legs if leg.account.pk == account_id)
            if not account.non_negative:
                continue
            delta = sum(leg.amount_fen for leg in legs if leg.account.pk == account_id)
            if delta < 0 and account_balance_fen(account=account) + delta < 0:
                raise LedgerError(f"{account.code} would go negative")
        try:
            with transaction.atomic():
                txn = LedgerTransaction.objects.create(
                    key=key, kind=kind, cause=cause, order_id=order_id, memo=memo[:200]
                )
        except IntegrityError:
            return None  # a concurrent poster won the unique key
        Entry.objects.bulk_create(
            [Entry(transaction=txn, account=leg.account, amount_fen=leg.amount_fen) for leg in legs]
        )
        return txn


@dataclass(frozen=True)
class Posting:
    key: str
    kind: str
    cause: str
    legs: tuple[Leg, ...]
    order_id: int | None = None
    memo: str = ""


def _check_legs(legs: list[Leg], cause: str) -> None:
    if not cause:
        raise LedgerError("every transaction names its cause")
    if len(legs) < 2:
        raise LedgerError("a transaction has at least two legs")
    if any(not isinstance(leg.amount_fen, int) or isinstance(leg.amount_fen, bool) for leg in legs):
        raise LedgerError("amounts are integer fen")
    if sum(leg.amount_fen for leg in legs) != 0:
        raise LedgerError("legs must sum to zero")


def ledger_post_many(postings: list[Posting]) -> list[LedgerTransaction]:
    """Post many balanced transactions with a handful of statements (the batch of which
    `ledger_post` is the single case in spirit): the metering pass's minute charges.

    Same checks as `ledger_post`, for the batch as a whole: the touched accounts are locked
    in id order and no non-negative account may end below zero. A key already posted is a
    programming error here (the caller decided on rows it holds locked), so the unique key
    raises and the whole batch rolls back.
    """
    if not postings:
        return []
    for posting in postings:
        _check_legs([leg for leg in posting.legs if leg.amount_fen], posting.cause)
    with transaction.atomic():
        accounts = {leg.account.pk: leg.account for p in postings for leg in p.legs}
        list(Account.objects.select_for_update().filter(pk__in=sorted(accounts)).order_by("pk"))
        delta: dict[int, int] = {}
        for posting in postings:
            for leg in posting.legs:
                delta[leg.account.pk] = delta.get(leg.account.pk, 0) + leg.amount_fen
        guarded = [pk for pk, d in delta.items() if d < 0 and accounts[pk].non_negative]
        balances = dict(
            Entry.objects.filter(account_id__in=guarded)
            .values("account_id")
            .annotate(total=Sum("amount_fen"))
            .values_list("account_id", "total")
        )
        for pk in guarded:
            if balances.get(pk, 0) + delta[pk] < 0:
                raise LedgerError(f"{accounts[pk].code} would go negative")
        txns = LedgerTransaction.objects.bulk_create(
            [
                LedgerTransaction(
                    key=p.key, kind=p.kind, cause=p.cause, order_id=p.order_id, memo=p.memo[:200]
                )
                for p in postings
            ]
        )
        Entry.objects.bulk_create(
            [
                Entry(transaction=txn, account=leg.account, amount_fen=leg.amount_fen)
                for txn, posting in zip(txns, postings, strict=True)
                for leg in posting.legs
                if leg.amount_fen
            ]
        )
        return txns
