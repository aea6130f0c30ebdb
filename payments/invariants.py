"""The ledger's invariants, checked by `manage.py ledger_check` and after every money test.

1. every transaction has at least two legs that sum to zero, and names its cause;
2. all accounts together sum to zero;
3. accounts that must not go negative (escrow, listener payable) are not negative;
4. per order: captured = refunded + released to the listener + commission + held, and
   each side agrees with the business rows (the payment, succeeded refunds, settlement);
5. a settled order holds nothing; a closed (cancelled/declined/expired) order holds only
   refunds still pending.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q, Sum

from payments.models import Account, Entry, LedgerTransaction, Payment, Refund
from sessions.models import Order


def ledger_problems() -> list[str]:
    problems: list[str] = []

    # 1. Balanced transactions with a cause.
    unbalanced = (
        Entry.objects.values("transaction_id")
        .annotate(total=Sum("amount_fen"), legs=Count("id"))
        .exclude(total=0, legs__gte=2)
    )
    for row in unbalanced:
        problems.append(
            f"transaction {row['transaction_id']} unbalanced: {row['legs']} legs sum {row['total']}"
        )
    legless = LedgerTransaction.objects.annotate(legs=Count("entries")).filter(legs__lt=2)
    for txn in legless:
        problems.append(f"transaction {txn.pk} has {txn.legs} legs")
    for txn in LedgerTransaction.objects.filter(cause=""):
        problems.append(f"transaction {txn.pk} names no cause")

    # 2. The whole ledger sums to zero.
    total = Entry.objects.aggregate(total=Sum("amount_fen"))["total"] or 0
    if total != 0:
        problems.append(f"the ledger sums to {total}, not 0")

    # 3. Non-negative accounts.
    negative = (
        Entry.objects.filter(account__non_negative=True)
        .values("account_id", "account__code")
        .annotate(balance=Sum("amount_fen"))
        .filter(balance__lt=0)
    )
    for row in negative:
        problems.append(f"account {row['account__code']} is negative: {row['balance']}")

    # 4. Per-order conservation, from the escrow legs split by transaction kind.
    by_kind: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        Entry.objects.filter(account__kind=Account.Kind.ESCROW)
        .values("account__order_id", "transaction__kind")
        .annotate(total=Sum("amount_fen"))
    )
    for row in rows:
        by_kind[row["account__order_id"]][row["transaction__kind"]] += row["total"]
    release_split: dict[int, int] = defaultdict(int)
    for row in (
        Entry.objects.filter(transaction__kind=LedgerTransaction.Kind.RELEASE)
        .exclude(account__kind=Account.Kind.ESCROW)
        .values("transaction__order_id")
        .annotate(total=Sum("amount_fen"))
    ):
        release_split[row["transaction__order_id"]] += row["total"]
    payments = {
        p.order_id: p.amount_fen
        for p in Payment.objects.filter(status=Payment.Status.SUCCEEDED).only(
            "order_id", "amount_fen"
        )
    }
    refunds_ok: dict[int, int] = defaultdict(int)
    refunds_pending: dict[int, int] = defaultdict(int)
    for row in Refund.objects.values("order_id", "status").annotate(total=Sum("amount_fen")):
        if row["status"] == Refund.Status.SUCCEEDED:
            refunds_ok[row["order_id"]] += row["total"]
        elif row["status"] == Refund.Status.PENDING:
            refunds_pending[row["order_id"]] += row["total"]
    states = dict(Order.objects.filter(pk__in=list(by_kind)).values_list("id", "state"))

    for order_id, kinds in by_kind.items():
        captured = kinds.get(LedgerTransaction.Kind.CAPTURE, 0)
        refunded = -kinds.get(LedgerTransaction.Kind.REFUND, 0)
        reversed_ = kinds.get(LedgerTransaction.Kind.REVERSAL, 0)
        released = -kinds.get(LedgerTransaction.Kind.RELEASE, 0)
        held = sum(kinds.values())
        if captured != refunded - reversed_ + released + held:
            problems.append(
                f"order {order_id}: captured {captured} != refunded {refunded} - reversed "
                f"{reversed_} + released {released} + held {held}"
            )
        if captured != payments.get(order_id, 0):
            problems.append(
                f"order {order_id}: captured {captured} but the payment says "
                f"{payments.get(order_id, 0)}"
            )
        if refunded != refunds_ok.get(order_id, 0):
            problems.append(
                f"order {order_id}: ledger refunded {refunded}, refund rows say "
                f"{refunds_ok.get(order_id, 0)}"
            )
        if released != release_split.get(order_id, 0):
            problems.append(
                f"order {order_id}: released {released} but listener + commission got "
                f"{release_split.get(order_id, 0)}"
            )
        if held < refunds_pending.get(order_id, 0):
            problems.append(
                f"order {order_id}: holds {held}, less than pending refunds "
                f"{refunds_pending.get(order_id, 0)}"
            )
        state = states.get(order_id)
        if state == Order.State.SETTLED and held != 0:
            problems.append(f"order {order_id} is settled but still holds {held}")
        if (
            state in (Order.State.CANCELLED, Order.State.DECLINED, Order.State.EXPIRED)
            and held != refunds_pending.get(order_id, 0)
            and not Refund.objects.filter(order_id=order_id, status=Refund.Status.FAILED).exists()
        ):
            problems.append(
                f"order {order_id} is {state} but holds {held} "
                f"(pending refunds {refunds_pending.get(order_id, 0)})"
            )

    # Every succeeded refund row is in the ledger exactly once; no other refunds are.
    booked = set(
        LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.REFUND).values_list(
            "key", flat=True
        )
    )
    expected = {
        f"refund:{pk}"
        for pk in Refund.objects.filter(status=Refund.Status.SUCCEEDED).values_list("pk", flat=True)
    }
    for key in sorted(expected - booked):
        problems.append(f"succeeded {key} is missing from the ledger")
    for key in sorted(booked - expected):
        problems.append(f"ledger {key} has no succeeded refund row")
    return problems


def assert_ledger_consistent() -> None:
    """For tests in any area: fail with every broken invariant listed."""
    problems = ledger_problems()
    assert not problems, "ledger invariants broken:\n" + "\n".join(problems)


def stripe_capture_problems() -> list[str]:
    """Captures in the ledger that Stripe does not confirm: for each, the PaymentIntent is
    retrieved and must exist, have succeeded, and match the captured amount. Unlike
    `ledger_problems` this asks Stripe (one call per capture), so it runs in
    `ledger_check` and not after every test. Stripe unreachable is reported as such."""
    from payments import stripe_gateway as gateway

    problems: list[str] = []
    captures = (
        LedgerTransaction.objects.filter(
            kind=LedgerTransaction.Kind.CAPTURE, key__startswith="capture:"
        )
        .annotate(amount=Sum("entries__amount_fen", filter=Q(entries__amount_fen__gt=0)))
        .order_by("id")
    )
    for capture in captures:
        intent_id = capture.key.removeprefix("capture:")
        where = f"order {capture.order_id}: capture {capture.pk} of {intent_id}"
        try:
            intent = gateway.payment_intent_retrieve(intent_id=intent_id)
        except gateway.GatewayUnavailable:
            problems.append(f"{where}: Stripe unreachable, not checked")
            continue
        except gateway.GatewayError:
            problems.append(f"{where}: Stripe does not know this payment")
            continue
        if intent.status != "succeeded":
            problems.append(f"{where}: Stripe says {intent.status}, not succeeded")
        elif intent.amount_received_fen != capture.amount:
            problems.append(
                f"{where}: Stripe received {intent.amount_received_fen} fen, "
                f"the ledger captured {capture.amount}"
            )
    return problems
