"""Breach compensation with money: orders paid for real through the local Stripe server,
refunds through the payments services, the ledger's invariants checked after each test."""

import pytest

from payments import stripe_gateway as gateway
from payments.invariants import assert_ledger_consistent
from payments.models import Entry, Refund
from sessions.models import Breach, Order
from sessions.services import clocks as clock_services
from tests.sessions.clock_helpers import (
    active_order,
    at,
    breaches,
    paid_active_order,
    refunds,
    send,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stripe_and_ledger(local_stripe):
    yield
    assert_ledger_consistent()


def escrow_left(order: Order) -> int:
    from payments.services.refunds import escrow_available_fen

    return escrow_available_fen(order_id=order.pk)


def test_a_breach_refunds_its_percent_of_the_price_through_the_ledger():
    # given
    order = paid_active_order(window=10)
    send(order, "client", 1)
    # when
    clock_services.clocks_sweep(now=at(12))
    # then
    [breach] = breaches(order)
    per = order.price_fen * 10 // 100
    assert refunds(order) == [("breach", f"breach:{breach.pk}", per, Refund.Status.SUCCEEDED)]
    assert breach.compensated_at is not None
    assert escrow_left(order) == order.price_fen - per
    refund = Refund.objects.get(order=order)
    assert Entry.objects.filter(transaction__key=f"refund:{refund.pk}").count() == 2


def test_termination_adds_the_unused_time_capped_at_what_is_left():
    # given: a 30-minute session, three consecutive misses in its first 32 seconds
    order = paid_active_order(window=10, minutes=30)
    send(order, "client", 1)
    # when
    for second in (11.5, 21.5, 31.5):
        clock_services.clocks_sweep(now=at(second))
    # then
    order.refresh_from_db()
    assert order.state == Order.State.TERMINATED
    per = order.price_fen * 10 // 100
    *breach_rows, termination = refunds(order)
    assert [row[2] for row in breach_rows] == [per, per, per]
    # Pro rata 1768.5 of 1800 s would be more than what is left: capped at the rest.
    assert clock_services.termination_refund_fen(order=order) > order.price_fen - 3 * per
    assert termination == (
        "termination",
        f"termination:{order.pk}",
        order.price_fen - 3 * per,
        Refund.Status.SUCCEEDED,
    )
    assert escrow_left(order) == 0


def test_termination_refund_is_pro_rata_when_escrow_allows():
    # given: 1 % per miss, one miss ends the session at 11.5 s of 30 minutes
    order = paid_active_order(
        window=10, minutes=30, breach_refund_percent=1, breach_termination_count=1
    )
    send(order, "client", 1)
    # when
    clock_services.clocks_sweep(now=at(11.5))
    # then
    order.refresh_from_db()
    per = order.price_fen // 100
    expected = int(order.price_fen * (1800 - 11.5) // 1800)
    assert refunds(order)[1][2] == min(expected, order.price_fen - per)


def test_compensating_twice_refunds_once():
    # given
    order = paid_active_order(window=10)
    send(order, "client", 1)
    clock_services.clocks_sweep(now=at(12), compensate=False)
    [breach] = breaches(order)
    # when
    first = clock_services.breach_compensate(breach_id=breach.pk)
    second = clock_services.breach_compensate(breach_id=breach.pk)
    # then
    assert (first, second) == (True, False)
    assert len(refunds(order)) == 1


def test_worker_killed_after_the_breach_commit_is_compensated_by_the_retry_pass():
    # given: the breach committed, its refunds never issued
    order = paid_active_order(window=10)
    send(order, "client", 1)
    clock_services.clocks_sweep(now=at(12), compensate=False)
    [breach] = breaches(order)
    # when: too early, then past the retry delay, twice
    early = clock_services.breaches_compensation_retry(now=at(15))
    late = clock_services.breaches_compensation_retry(now=at(30))
    again = clock_services.breaches_compensation_retry(now=at(40))
    # then
    assert (early, late, again) == (0, 1, 0)
    assert refunds(order) == [
        ("breach", f"breach:{breach.pk}", order.price_fen // 10, Refund.Status.SUCCEEDED)
    ]


def test_stripe_outage_keeps_the_breach_and_leaves_the_refund_pending(monkeypatch):
    # given: Stripe unreachable (outside our control, so its client is replaced)
    def unavailable(**kwargs):
        raise gateway.GatewayUnavailable("connection refused")

    monkeypatch.setattr(gateway, "refund_create", unavailable)
    order = paid_active_order(window=10)
    send(order, "client", 1)
    # when
    clock_services.clocks_sweep(now=at(12))
    # then
    [breach] = breaches(order)
    assert breach.compensated_at is not None
    assert refunds(order) == [
        ("breach", f"breach:{breach.pk}", order.price_fen // 10, Refund.Status.PENDING)
    ]
    assert not Entry.objects.filter(transaction__order_id=order.pk, transaction__kind="refund")


def test_unpaid_order_records_the_breach_without_a_refund():
    # given: an order with nothing in escrow
    order = active_order(window=10)
    send(order, "client", 1)
    # when
    clock_services.clocks_sweep(now=at(12))
    # then
    assert Breach.objects.filter(order=order, compensated_at__isnull=False).count() == 1
    assert refunds(order) == []
