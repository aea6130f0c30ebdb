"""Races on one order's money, with real threads and real row locks (PostgreSQL)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from marketplace.exceptions import DomainError
from payments.models import Entry, LedgerTransaction, Payment, Refund
from payments.services import ledger, refunds, settlement
from payments.services import payments as payment_services
from sessions.models import Order
from sessions.services.transitions import order_transition
from tests.concurrency import run_together
from tests.payments.helpers import escrow_balance, order_paid
from tests.sessions.factories import OrderFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


def completed_paid_order() -> Order:
    order = order_paid(OrderFactory())
    order_transition(order_id=order.pk, to=Order.State.ACCEPTED)
    order_transition(order_id=order.pk, to=Order.State.ACTIVE)
    order_transition(
        order_id=order.pk, to=Order.State.COMPLETED, now=timezone.now() - timedelta(days=2)
    )
    return order


@pytest.mark.parametrize("round_", range(3))
def test_two_refunds_and_a_release_never_overdraw(round_):
    # given: two refunds of 60 % each and a release race for one order
    order = completed_paid_order()
    part = order.price_fen * 60 // 100

    def refund(n):
        return lambda: refunds.refund_issue(
            order_id=order.pk,
            amount_fen=part,
            reason="race",
            cause="admin",
            idempotency_source=f"race:{round_}:{n}",
        )

    # when
    results = run_together(
        refund(1),
        refund(2),
        lambda: settlement.escrow_release(order_id=order.pk),
        expected=(DomainError, ledger.LedgerError),
    )
    # then: at most one refund fits, and the escrow ends at exactly zero or what is left
    refunded = sum(
        Refund.objects.filter(order=order, status="succeeded").values_list("amount_fen", flat=True)
    )
    released = LedgerTransaction.objects.filter(kind="release", order=order).count()
    assert refunded <= order.price_fen
    assert refunded in (0, part)
    assert escrow_balance(order) >= 0
    if released:
        assert escrow_balance(order) == 0
    else:
        assert escrow_balance(order) == order.price_fen - refunded
    assert (
        sum(isinstance(r, Refund) for r in results)
        + sum(isinstance(r, DomainError) for r in results)
        >= 2
    )


def test_same_cause_from_two_threads_refunds_once():
    # given
    order = order_paid(OrderFactory())

    def job():
        return refunds.refund_issue(
            order_id=order.pk,
            amount_fen=100,
            reason="r",
            cause="breach",
            idempotency_source="breach:race",
        )

    # when
    first, second = run_together(job, job, expected=(DomainError, ledger.LedgerError))
    # then
    assert first.pk == second.pk
    assert Refund.objects.count() == 1
    assert escrow_balance(order) == order.price_fen - 100


def test_database_refuses_unbalanced_and_changed_journal_rows():
    # given
    order = order_paid(OrderFactory())
    escrow = ledger.account_escrow(order_id=order.pk)
    txn = LedgerTransaction.objects.get(order=order)

    # when: an unbalanced transaction written past the service
    def write_unbalanced():
        with transaction.atomic():
            bad = LedgerTransaction.objects.create(key="raw", kind="reversal", cause="raw sql")
            Entry.objects.bulk_create([Entry(transaction=bad, account=escrow, amount_fen=5)])

    with pytest.raises(IntegrityError, match="unbalanced"):
        write_unbalanced()

    # when: an overdrawn escrow written past the service
    def write_overdraft():
        with transaction.atomic():
            over = LedgerTransaction.objects.create(key="raw2", kind="refund", cause="raw sql")
            Entry.objects.bulk_create(
                [
                    Entry(transaction=over, account=escrow, amount_fen=-(order.price_fen + 1)),
                    Entry(
                        transaction=over,
                        account=ledger.account_refunds(),
                        amount_fen=order.price_fen + 1,
                    ),
                ]
            )

    with pytest.raises(IntegrityError, match="negative"):
        write_overdraft()
    # when: raw UPDATE / DELETE
    for sql in (
        "UPDATE payments_entry SET amount_fen = 1 WHERE transaction_id = %s",
        "DELETE FROM payments_entry WHERE transaction_id = %s",
        "UPDATE payments_ledgertransaction SET memo = 'x' WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            connection.cursor().execute(sql, [txn.pk])
    # then
    assert LedgerTransaction.objects.count() == 1
    assert escrow_balance(order) == order.price_fen


def test_parallel_payments_of_one_order_charge_once_and_the_others_get_409():
    # given: an unpaid order whose PaymentIntent exists
    order = OrderFactory()
    payment_services.payment_prepare(order_id=order.pk)
    # when: five confirmations with a good card at the same instant
    results = run_together(
        *[
            lambda: payment_services.payment_confirm(
                order_id=order.pk, payment_method="pm_card_visa"
            )
            for _ in range(5)
        ]
    )
    # then: serialised by the order's row lock; one charged, the others refused with 409
    succeeded = [r for r in results if isinstance(r, Payment)]
    refused = [(r.code, r.status) for r in results if isinstance(r, DomainError)]
    assert [p.status for p in succeeded] == ["succeeded"]
    assert refused == [("already_paid", 409)] * 4
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert LedgerTransaction.objects.filter(kind="capture", order=order).count() == 1
    assert escrow_balance(order) == order.price_fen
