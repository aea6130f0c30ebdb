"""The ledger's invariants, checked by `manage.py ledger_check` and after every money test.

1. every transaction has at least two legs that sum to zero, and names its cause;
2. all accounts together sum to zero;
3. accounts that must not go negative (escrow, listener payable) are not negative;
4. per order: captured = refunded + released to the listener + commission + held, and
   each side agrees with the business rows (the payment, succeeded refunds, settlement);
5. a settled order holds nothing; a closed (cancelled/declined/expired) order holds only
   refunds still pending;
6. wallets agree with their top-up and withdrawal rows (`wallet_problems`).
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
    wallet_paid_prices = dict(
        Order.objects.filter(pk__in=list(by_kind), kind__in=Order.WALLET_KINDS).values_list(
            "id", "price_fen"
        )
    )

    for order_id, kinds in by_kind.items():
        captured = kinds.get(LedgerTransaction.Kind.CAPTURE, 0)
        charged = kinds.get(LedgerTransaction.Kind.CHARGE, 0)  # from the wallet
        refunded = -kinds.get(LedgerTransaction.Kind.REFUND, 0) - kinds.get(
            LedgerTransaction.Kind.RETURN, 0
        )
        reversed_ = kinds.get(LedgerTransaction.Kind.REVERSAL, 0)
        released = -kinds.get(LedgerTransaction.Kind.RELEASE, 0)
        held = sum(kinds.values())
        if captured + charged != refunded - reversed_ + released + held:
            problems.append(
                f"order {order_id}: captured {captured} + charged {charged} != refunded "
                f"{refunded} - reversed {reversed_} + released {released} + held {held}"
            )
        if charged and charged != wallet_paid_prices.get(order_id):
            problems.append(
                f"order {order_id}: charged {charged} from the wallet but its price is "
                f"{wallet_paid_prices.get(order_id)}"
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
        LedgerTransaction.objects.filter(
            kind__in=[LedgerTransaction.Kind.REFUND, LedgerTransaction.Kind.RETURN]
        ).values_list("key", flat=True)
    )
    expected = {
        f"refund:{pk}"
        for pk in Refund.objects.filter(status=Refund.Status.SUCCEEDED).values_list("pk", flat=True)
    }
    for key in sorted(expected - booked):
        problems.append(f"succeeded {key} is missing from the ledger")
    for key in sorted(booked - expected):
        problems.append(f"ledger {key} has no succeeded refund row")
    problems.extend(wallet_problems())
    return problems


def assert_ledger_consistent() -> None:
    """For tests in any area: fail with every broken invariant listed."""
    problems = ledger_problems()
    assert not problems, "ledger invariants broken:\n" + "\n".join(problems)


def wallet_problems() -> list[str]:
    """6. per wallet: top-ups booked = succeeded top-up rows, withdrawals booked = succeeded
    top-up refunds, the balance covers withdrawals on their way, and no top-up is refunded
    beyond its amount."""
    from payments.wallet.models import TopUp, TopUpRefund

    problems: list[str] = []
    booked: dict[tuple[int, str], int] = defaultdict(int)
    for row in (
        Entry.objects.filter(account__kind=Account.Kind.CLIENT_WALLET)
        .values("account__client_id", "transaction__kind")
        .annotate(total=Sum("amount_fen"))
    ):
        booked[(row["account__client_id"], row["transaction__kind"])] += row["total"]
    clients = {client for client, _kind in booked}
    topped = dict(
        TopUp.objects.filter(status=TopUp.Status.SUCCEEDED)
        .values("client_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("client_id", "total")
    )
    withdrawn: dict[int, int] = defaultdict(int)
    pending: dict[int, int] = defaultdict(int)
    for row in TopUpRefund.objects.values("topup__client_id", "status").annotate(
        total=Sum("amount_fen")
    ):
        if row["status"] == TopUpRefund.Status.SUCCEEDED:
            withdrawn[row["topup__client_id"]] += row["total"]
        elif row["status"] == TopUpRefund.Status.PENDING:
            pending[row["topup__client_id"]] += row["total"]
    for client in sorted(clients | set(topped) | set(withdrawn) | set(pending)):
        topped_up = booked[(client, LedgerTransaction.Kind.TOPUP)]
        if topped_up != topped.get(client, 0):
            problems.append(
                f"wallet of {client}: top-ups booked {topped_up}"
                f" but succeeded top-ups {topped.get(client, 0)}"
            )
        if -booked[(client, LedgerTransaction.Kind.WITHDRAWAL)] != withdrawn[client]:
            problems.append(
                f"wallet of {client}: withdrawals booked "
                f"{-booked[(client, LedgerTransaction.Kind.WITHDRAWAL)]} but refunds say "
                f"{withdrawn[client]}"
            )
        balance = sum(total for (c, _kind), total in booked.items() if c == client)
        if balance < pending[client]:
            problems.append(
                f"wallet of {client}: holds {balance}, less than withdrawals on their way "
                f"{pending[client]}"
            )
    over = (
        TopUpRefund.objects.filter(
            status__in=[TopUpRefund.Status.SUCCEEDED, TopUpRefund.Status.PENDING]
        )
        .values("topup_id", "topup__amount_fen")
        .annotate(total=Sum("amount_fen"))
    )
    for row in over:
        if row["total"] > row["topup__amount_fen"]:
            problems.append(
                f"top-up {row['topup_id']} refunded {row['total']} of {row['topup__amount_fen']}"
            )
    return problems


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
