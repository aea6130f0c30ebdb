"""Where the money pieces meet: breach compensation, termination refunds, disputes, failed
refunds, settlement and budgets, on orders paid for real through the local Stripe server.
The ledger invariants are checked after every test (tests/payments/conftest.py)."""

from datetime import timedelta

import pytest

from payments import stripe_gateway as gateway
from payments.disputes import services as disputes
from payments.disputes.models import Dispute
from payments.exceptions import BudgetExceeded
from payments.invariants import ledger_problems
from payments.models import LedgerTransaction, Refund, SettlementHold
from payments.selectors import order_escrow_balance_fen
from payments.services import refunds, settlement
from payments.services.budget import budget_cap_set, month_spent_fen
from sessions.models import Breach, Order
from sessions.services import compensation as compensation_services
from sessions.services import lifecycle, orders
from sessions.services import watcher as watcher_services
from tests.factories import StaffUserFactory
from tests.payments.dispute_helpers import finished_order
from tests.payments.helpers import account_sum, deliver, order_paid, stripe_event
from tests.sessions.clock_helpers import at, paid_active_order, send
from tests.sessions.factories import OrderFactory

pytestmark = pytest.mark.django_db


def refunded_fen(order) -> int:
    return sum(
        Refund.objects.filter(order=order, status=Refund.Status.SUCCEEDED).values_list(
            "amount_fen", flat=True
        )
    )


def stripe_refuses(monkeypatch):
    """Stripe answers the refund with a 4xx (outside our control, so its client is
    replaced)."""

    def refuse(**kwargs):
        raise gateway.GatewayError("charge_disputed", code="charge_disputed")

    monkeypatch.setattr(gateway, "refund_create", refuse)


# --- Breach compensation vs settlement ---------------------------------------------------


def test_release_waits_for_a_breach_whose_refund_was_not_issued_yet(settings):
    # given: a breach recorded, its compensation not yet run (worker slow or broker down),
    # the session over and the dispute window passed
    order = paid_active_order(window=10, minutes=30)
    send(order, "client", 1)
    watcher_services.clocks_sweep(now=at(12), compensate=False)
    send(order, "listener", 15)
    [breach] = Breach.objects.filter(order=order)
    lifecycle.session_complete(order_id=order.pk, now=order.ends_at)
    order.refresh_from_db()
    later = order.ended_at + timedelta(hours=settings.DISPUTE_WINDOW_HOURS, seconds=1)
    # when
    early = settlement.escrow_release(order_id=order.pk, now=later)
    compensation_services.breach_compensate(breach_id=breach.pk)
    release = settlement.escrow_release(order_id=order.pk, now=later)
    # then: the client got the breach refund, the listener the rest
    assert early is None
    assert refunded_fen(order) == breach.refund_fen == order.price_fen // 10
    assert release.released_fen == order.price_fen - breach.refund_fen
    assert release.commission_fen + release.listener_fen == release.released_fen
    order.refresh_from_db()
    assert order.state == Order.State.SETTLED


def test_sweep_skips_an_order_with_an_uncompensated_breach(settings):
    # given
    order = paid_active_order(window=10, minutes=30)
    send(order, "client", 1)
    watcher_services.clocks_sweep(now=at(12), compensate=False)
    lifecycle.session_complete(order_id=order.pk, now=order.ends_at)
    order.refresh_from_db()
    later = order.ended_at + timedelta(hours=settings.DISPUTE_WINDOW_HOURS, seconds=1)
    # when
    released = settlement.settlement_sweep(now=later)
    # then: nothing moved
    assert released == 0
    order.refresh_from_db()
    assert order.state == Order.State.COMPLETED
    assert account_sum(f"escrow:{order.pk}") == order.price_fen


# --- The whole chain on one order --------------------------------------------------------


def test_breaches_termination_dispute_and_release_conserve_every_fen(settings):
    # given: 10 % per miss capped at 15 %, three misses terminate; the client's first
    # message comes late, so little time is left unused
    settings.DISPUTE_SECOND_APPROVAL_FEN = 10**9
    order = paid_active_order(
        window=10,
        minutes=30,
        breach_refund_percent=10,
        breach_refund_cap_percent=15,
        breach_termination_count=3,
    )
    price = order.price_fen
    send(order, "client", 1700)
    # when: three misses (the third ends the session), a dispute, a partial refund, release
    for second in (1711.5, 1721.5, 1731.5):
        watcher_services.clocks_sweep(now=at(second))
    order.refresh_from_db()
    assert order.state == Order.State.TERMINATED
    dispute = disputes.dispute_open(
        order_id=order.pk,
        client=order.client,
        reason=Dispute.Reason.SLOW_REPLIES,
        statement="Three replies missed in a row.",
        now=order.ended_at + timedelta(hours=1),
    )
    left = order_escrow_balance_fen(order=order)
    partial = left // 3 + 1  # odd, so the commission has to round
    disputes.dispute_decide(
        dispute_id=dispute.pk,
        staff=StaffUserFactory(),
        outcome=Dispute.Outcome.PARTIAL_REFUND,
        reason="Partly delivered.",
        amount_fen=partial,
        now=order.ended_at + timedelta(hours=2),
    )
    release = settlement.escrow_release(
        order_id=order.pk,
        now=order.ended_at + timedelta(hours=settings.DISPUTE_WINDOW_HOURS, seconds=1),
    )
    # then: each refund as the rules say, and every fen accounted for
    rows = list(Refund.objects.filter(order=order).values_list("cause", "amount_fen", "status"))
    unused = compensation_services.termination_refund_fen(order=order)
    assert rows == [
        ("breach", price * 10 // 100, "succeeded"),
        ("breach", price * 15 // 100 - price * 10 // 100, "succeeded"),
        ("termination", unused, "succeeded"),
        ("dispute", partial, "succeeded"),
    ]
    assert release.released_fen == price - price * 15 // 100 - unused - partial
    assert release.commission_fen == release.released_fen * 25 // 100
    assert refunded_fen(order) + release.commission_fen + release.listener_fen == price
    assert account_sum(f"escrow:{order.pk}") == 0
    assert account_sum(f"listener_payable:{order.listener_id}") == release.listener_fen


# --- A refund Stripe refuses or reverses --------------------------------------------------


def test_refused_refund_holds_settlement_instead_of_paying_the_listener(settings, monkeypatch):
    # given: a dispute decided a refund the card network refuses
    order = finished_order(hours_ago=settings.DISPUTE_WINDOW_HOURS + 1)
    stripe_refuses(monkeypatch)
    # when
    refund = refunds.refund_issue(
        order_id=order.pk,
        amount_fen=500,
        reason="dispute decision",
        cause=Refund.Cause.DISPUTE,
        idempotency_source="dispute:test-refused",
    )
    release = settlement.escrow_release(order_id=order.pk)
    swept = settlement.settlement_sweep()
    # then: the money stays in escrow, frozen for staff
    assert refund.status == Refund.Status.FAILED
    assert (release, swept) == (None, 0)
    assert account_sum(f"escrow:{order.pk}") == order.price_fen
    assert SettlementHold.objects.filter(
        order=order, source=f"refund-failed:{refund.pk}", lifted_at__isnull=True
    ).exists()


def test_staff_retry_of_a_refused_refund_refunds_once_and_settles_the_rest(settings, monkeypatch):
    # given
    order = finished_order(hours_ago=settings.DISPUTE_WINDOW_HOURS + 1)
    stripe_refuses(monkeypatch)
    failed = refunds.refund_issue(
        order_id=order.pk,
        amount_fen=500,
        reason="dispute decision",
        cause=Refund.Cause.DISPUTE,
        idempotency_source="dispute:test-retry",
    )
    monkeypatch.undo()
    # when: staff send it again (twice, as a double click would)
    retry = refunds.refund_failed_retry(refund_id=failed.pk)
    again = refunds.refund_failed_retry(refund_id=failed.pk)
    release = settlement.escrow_release(order_id=order.pk)
    # then
    assert again.pk == retry.pk
    assert (retry.status, retry.amount_fen, retry.cause) == ("succeeded", 500, "dispute")
    assert refunded_fen(order) == 500
    assert release.released_fen == order.price_fen - 500


def test_staff_can_let_a_refused_refund_go_and_settle(settings, monkeypatch):
    # given
    order = finished_order(hours_ago=settings.DISPUTE_WINDOW_HOURS + 1)
    stripe_refuses(monkeypatch)
    failed = refunds.refund_issue(
        order_id=order.pk,
        amount_fen=500,
        reason="breach",
        cause=Refund.Cause.BREACH,
        idempotency_source="breach:test-dismiss",
    )
    # when
    refunds.refund_failed_dismiss(refund_id=failed.pk)
    release = settlement.escrow_release(order_id=order.pk)
    # then
    assert release.released_fen == order.price_fen
    assert refunded_fen(order) == 0


def test_refund_reversed_by_stripe_holds_settlement(settings):
    # given: a refund booked, then Stripe reports it failed (the money came back)
    order = finished_order(hours_ago=settings.DISPUTE_WINDOW_HOURS + 1)
    refund = refunds.refund_issue(
        order_id=order.pk,
        amount_fen=700,
        reason="breach",
        cause=Refund.Cause.BREACH,
        idempotency_source="breach:test-reversal",
    )
    event = stripe_event(
        "charge.refund.updated",
        {
            "id": refund.stripe_refund_id,
            "object": "refund",
            "status": "failed",
            "amount": 700,
            "payment_intent": order.payment.stripe_payment_intent_id,
            "metadata": {"refund_id": str(refund.pk)},
        },
    )
    # when
    deliver(event)
    deliver(event)
    release = settlement.escrow_release(order_id=order.pk)
    # then: escrow holds the price again, frozen until staff act
    assert release is None
    assert account_sum(f"escrow:{order.pk}") == order.price_fen
    assert LedgerTransaction.objects.filter(key=f"refund-reversal:{refund.pk}").count() == 1
    # when: staff send the money again
    retry = refunds.refund_failed_retry(refund_id=refund.pk)
    release = settlement.escrow_release(order_id=order.pk)
    # then
    assert retry.status == Refund.Status.SUCCEEDED
    assert release.released_fen == order.price_fen - 700
    assert not ledger_problems()


def test_refused_cancellation_refund_can_be_retried(
    monkeypatch, django_capture_on_commit_callbacks
):
    # given: a paid order cancelled before its start, Stripe refuses the refund
    order = order_paid(OrderFactory())
    stripe_refuses(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_cancel(order_id=order.pk, client=order.client)
    [failed] = Refund.objects.filter(order=order)
    assert failed.status == Refund.Status.FAILED
    monkeypatch.undo()
    # when
    retry = refunds.refund_failed_retry(refund_id=failed.pk)
    # then
    assert (retry.status, retry.amount_fen) == ("succeeded", order.price_fen)
    assert account_sum(f"escrow:{order.pk}") == 0


# --- Budget ----------------------------------------------------------------------------------


def test_refund_of_a_cancelled_order_does_not_lift_the_budget_above_the_cap(
    django_capture_on_commit_callbacks,
):
    # given: a cap of exactly one order's price; that order paid, then cancelled with a
    # full refund
    order = order_paid(OrderFactory())
    budget_cap_set(client=order.client, cap_fen=order.price_fen)
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_cancel(order_id=order.pk, client=order.client)
    # when
    spent = month_spent_fen(client=order.client, now=order.created_at)
    # then: the cancelled order and its refund both count for nothing
    assert spent == 0
    orders.order_create(
        client=order.client,
        tier_id=order.tier_id,
        kind="appointment",
        start=order.starts_at,
        minutes=60,
    )
    with pytest.raises(BudgetExceeded):
        orders.order_create(
            client=order.client,
            tier_id=order.tier_id,
            kind="appointment",
            start=order.starts_at + timedelta(hours=2),
            minutes=60,
        )


def test_partial_refunds_of_a_live_order_give_budget_back(settings):
    # given
    order = finished_order(hours_ago=1)
    refunds.refund_issue(
        order_id=order.pk,
        amount_fen=300,
        reason="breach",
        cause=Refund.Cause.BREACH,
        idempotency_source="breach:budget",
    )
    # when
    spent = month_spent_fen(client=order.client, now=order.created_at)
    # then
    assert spent == order.price_fen - 300


def test_staff_send_a_failed_refund_again_from_the_admin(settings, monkeypatch, client):
    # given
    order = finished_order(hours_ago=settings.DISPUTE_WINDOW_HOURS + 1)
    stripe_refuses(monkeypatch)
    failed = refunds.refund_issue(
        order_id=order.pk,
        amount_fen=400,
        reason="breach",
        cause=Refund.Cause.BREACH,
        idempotency_source="breach:test-admin",
    )
    monkeypatch.undo()
    staff = StaffUserFactory(is_superuser=True)
    client.force_login(staff)
    # when
    response = client.post(
        "/admin/payments/refund/",
        {"action": "send_again", "_selected_action": [failed.pk]},
    )
    # then
    assert response.status_code == 302
    retry = Refund.objects.get(idempotency_source=f"retry:{failed.pk}")
    assert (retry.status, retry.amount_fen) == (Refund.Status.SUCCEEDED, 400)
    assert not SettlementHold.objects.filter(lifted_at__isnull=True, order=order).exists()
