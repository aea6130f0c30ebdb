"""Breach compensation with money: orders paid for real through the local Stripe server,
refunds through the payments services, the ledger's invariants checked after each test."""

import pytest

from payments import stripe_gateway as gateway
from payments.invariants import assert_ledger_consistent
from payments.models import Entry, Refund
from sessions.models import Breach, Order
from sessions.services import compensation as compensation_services
from sessions.services import watcher as watcher_services
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
    watcher_services.clocks_sweep(now=at(12))
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
        watcher_services.clocks_sweep(now=at(second))
    # then
    order.refresh_from_db()
    assert order.state == Order.State.TERMINATED
    per = order.price_fen * 10 // 100
    *breach_rows, termination = refunds(order)
    assert [row[2] for row in breach_rows] == [per, per, per]
    # Pro rata 1768.5 of 1800 s would be more than what is left: capped at the rest.
    assert compensation_services.termination_refund_fen(order=order) > order.price_fen - 3 * per
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
    watcher_services.clocks_sweep(now=at(11.5))
    # then
    order.refresh_from_db()
    per = order.price_fen // 100
    expected = order.price_fen * (1_800_000_000 - 11_500_000) // 1_800_000_000  # microseconds
    assert refunds(order)[1][2] == min(expected, order.price_fen - per)


def test_compensating_twice_refunds_once():
    # given
    order = paid_active_order(window=10)
    send(order, "client", 1)
    watcher_services.clocks_sweep(now=at(12), compensate=False)
    [breach] = breaches(order)
    # when
    first = compensation_services.breach_compensate(breach_id=breach.pk)
    second = compensation_services.breach_compensate(breach_id=breach.pk)
    # then
    assert (first, second) == (True, False)
    assert len(refunds(order)) == 1


def test_worker_killed_after_the_breach_commit_is_compensated_by_the_retry_pass():
    # given: the breach committed, its refunds never issued
    order = paid_active_order(window=10)
    send(order, "client", 1)
    watcher_services.clocks_sweep(now=at(12), compensate=False)
    [breach] = breaches(order)
    # when: too early, then past the retry delay, twice
    early = compensation_services.breaches_compensation_retry(now=at(15))
    late = compensation_services.breaches_compensation_retry(now=at(30))
    again = compensation_services.breaches_compensation_retry(now=at(40))
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
    watcher_services.clocks_sweep(now=at(12))
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
    watcher_services.clocks_sweep(now=at(12))
    # then
    assert Breach.objects.filter(order=order, compensated_at__isnull=False).count() == 1
    assert refunds(order) == []


# --- A refund landing between the escrow read and the reservation (real threads) -------------


def _other_refund_in_thread(order_id: int, amount_fen: int, source: str) -> None:
    """Staff refund `amount_fen` of the order from another thread (its own connection)."""
    import threading

    from django.db import connections

    from payments.services.refunds import refund_issue

    def run():
        try:
            refund_issue(
                order_id=order_id,
                amount_fen=amount_fen,
                reason="staff decision",
                cause=Refund.Cause.ADMIN,
                idempotency_source=source,
            )
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive()


def _refunds_land_after_escrow_reads(monkeypatch, order: Order, amounts: list[int]) -> None:
    """After the clock's n-th read of what is left in escrow, another worker's refund of
    `amounts[n]` commits (before the clock's reservation takes the order's lock)."""
    from payments.services import refunds as refund_services

    reads = iter(enumerate(amounts))

    def read_then_race(*, order_id):
        left = refund_services.escrow_available_fen(order_id=order_id)
        step = next(reads, None)
        if step is not None:
            n, amount = step
            _other_refund_in_thread(order_id, amount, f"admin:test:{order.pk}:{n}")
        return left

    monkeypatch.setattr(compensation_services, "escrow_available_fen", read_then_race)


def _one_breach(order: Order) -> Breach:
    send(order, "client", 1)
    watcher_services.clocks_sweep(now=at(12), compensate=False)
    [breach] = breaches(order)
    return breach


@pytest.mark.django_db(transaction=True)
def test_a_refund_landing_meanwhile_leaves_the_breach_refund_capped_at_what_is_left(monkeypatch):
    # given: a breach owed 10 % of the price; another refund leaves only 5 fen meanwhile
    order = paid_active_order(window=10)
    breach = _one_breach(order)
    per = order.price_fen // 10
    _refunds_land_after_escrow_reads(monkeypatch, order, [order.price_fen - 5])
    # when
    done = compensation_services.breach_compensate(breach_id=breach.pk)
    # then: the client gets what was left, and the breach is compensated
    assert per > 5
    assert done is True
    assert refunds(order) == [
        ("admin", f"admin:test:{order.pk}:0", order.price_fen - 5, Refund.Status.SUCCEEDED),
        ("breach", f"breach:{breach.pk}", 5, Refund.Status.SUCCEEDED),
    ]
    assert escrow_left(order) == 0
    breach.refresh_from_db()
    assert breach.compensated_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_refund_emptying_escrow_meanwhile_compensates_the_breach_with_nothing(monkeypatch):
    # given: another refund takes everything between the read and the reservation
    order = paid_active_order(window=10)
    breach = _one_breach(order)
    _refunds_land_after_escrow_reads(monkeypatch, order, [order.price_fen])
    # when
    done = compensation_services.breach_compensate(breach_id=breach.pk)
    # then: nothing is due any more
    assert done is True
    assert [row[0] for row in refunds(order)] == ["admin"]
    breach.refresh_from_db()
    assert breach.compensated_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_breach_whose_refund_was_never_reserved_stays_uncompensated(monkeypatch):
    # given: refunds land after both reads (the first try and its retry lose the race)
    order = paid_active_order(window=10)
    breach = _one_breach(order)
    _refunds_land_after_escrow_reads(monkeypatch, order, [order.price_fen - 20, 10])
    # when
    done = compensation_services.breach_compensate(breach_id=breach.pk)
    # then: no breach refund, and the breach is left for the retry pass
    assert done is False
    assert [row[0] for row in refunds(order)] == ["admin", "admin"]
    breach.refresh_from_db()
    assert breach.compensated_at is None
    # and the retry pass pays what is left
    monkeypatch.undo()
    assert compensation_services.breaches_compensation_retry(now=at(60)) == 1
    assert refunds(order)[-1] == ("breach", f"breach:{breach.pk}", 10, Refund.Status.SUCCEEDED)
    assert escrow_left(order) == 0


# --- The retry pass and crisis escalations ---------------------------------------------------


def test_breaches_deferred_by_an_escalation_do_not_starve_the_retry_pass():
    # given: two older breaches of an order under an open crisis escalation, then one of
    # another order, all left uncompensated; the retry pass takes two at a time
    from sessions.services.safety import escalation_open

    deferred = paid_active_order(window=10, breach_termination_count=2)
    message = send(deferred, "client", 1)
    escalation_open(order=deferred, message=message, now=at(2))
    watcher_services.clocks_sweep(now=at(22), compensate=False)
    other = paid_active_order(window=10)
    send(other, "client", 100)
    watcher_services.clocks_sweep(now=at(112), compensate=False)
    assert len(breaches(deferred)) == 2
    # when
    finished = compensation_services.breaches_compensation_retry(now=at(200), limit=2)
    # then: the other order's breach was paid; the deferred ones still wait
    assert finished == 1
    [paid] = breaches(other)
    assert paid.compensated_at is not None
    assert refunds(other) == [
        ("breach", f"breach:{paid.pk}", other.price_fen // 10, Refund.Status.SUCCEEDED)
    ]
    assert all(b.compensated_at is None for b in breaches(deferred))
    assert refunds(deferred) == []
