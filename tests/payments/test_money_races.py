"""Races where the money pieces meet, with real threads and real row locks (PostgreSQL):
a dispute opened at the window's end against the settlement sweep, breach compensation
against the release, a cancellation or decline against the payment webhook. The ledger
invariants are checked after each test (tests/payments/conftest.py)."""

from datetime import timedelta

import pytest

from marketplace.exceptions import DomainError
from payments.disputes import services as disputes
from payments.disputes.models import Dispute
from payments.invariants import ledger_problems
from payments.models import Refund, SettlementHold
from payments.services import settlement
from sessions.models import Breach, Order
from sessions.services import compensation as compensation_services
from sessions.services import lifecycle, orders
from sessions.services import watcher as watcher_services
from tests.concurrency import run_together
from tests.payments.dispute_helpers import finished_order
from tests.payments.helpers import (
    deliver,
    escrow_balance,
    intent_succeeded_event,
    order_confirmed_at_stripe,
)
from tests.sessions.clock_helpers import at, paid_active_order, send
from tests.sessions.factories import OrderFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(3))
def test_dispute_at_the_windows_end_and_the_sweep_one_wins_cleanly(settings, round_):
    # given: the last microsecond of the dispute window for the client, its end for the sweep
    order = finished_order(hours_ago=2)
    ends = order.ended_at + timedelta(hours=settings.DISPUTE_WINDOW_HOURS)

    def open_dispute():
        return disputes.dispute_open(
            order_id=order.pk,
            client=order.client,
            reason=Dispute.Reason.LISTENER_ABSENT,
            statement="Nobody answered at all.",
            now=ends - timedelta(microseconds=1),
        )

    # when
    opened, released = run_together(
        open_dispute, lambda: settlement.escrow_release(order_id=order.pk, now=ends)
    )
    # then: either the dispute froze the escrow, or the release settled it and the dispute
    # was refused; never both, never neither
    order.refresh_from_db()
    if isinstance(opened, Dispute):
        assert released is None
        assert order.state == Order.State.COMPLETED
        assert escrow_balance(order) == order.price_fen
        assert SettlementHold.objects.filter(order=order, lifted_at__isnull=True).count() == 1
    else:
        assert isinstance(opened, DomainError)
        assert released.released_fen == order.price_fen
        assert order.state == Order.State.SETTLED
        assert escrow_balance(order) == 0
        assert not Dispute.objects.filter(order=order).exists()
    assert not ledger_problems()


@pytest.mark.parametrize("round_", range(2))
def test_breach_compensation_racing_the_release_refunds_before_anything_is_released(
    settings, round_
):
    # given: one breach recorded, its refund not yet issued, the window passed
    order = paid_active_order(window=10, minutes=30)
    send(order, "client", 1)
    watcher_services.clocks_sweep(now=at(12), compensate=False)
    send(order, "listener", 15)
    [breach] = Breach.objects.filter(order=order)
    lifecycle.session_complete(order_id=order.pk, now=order.ends_at)
    order.refresh_from_db()
    later = order.ended_at + timedelta(hours=settings.DISPUTE_WINDOW_HOURS, seconds=1)
    # when: the compensation and the sweep at once, then the sweep again
    run_together(
        lambda: compensation_services.breach_compensate(breach_id=breach.pk),
        lambda: settlement.settlement_sweep(now=later),
    )
    settlement.settlement_sweep(now=later)
    # then: the client got the breach refund; the listener and platform the rest
    order.refresh_from_db()
    assert order.state == Order.State.SETTLED
    assert list(Refund.objects.filter(order=order).values_list("amount_fen", "status")) == [
        (order.price_fen // 10, Refund.Status.SUCCEEDED)
    ]
    assert escrow_balance(order) == 0
    assert not ledger_problems()


@pytest.mark.parametrize("round_", range(3))
def test_cancel_racing_the_payment_webhook_refunds_the_price_once(round_):
    # given: the client paid at Stripe; the webhook has not been processed yet
    order = order_confirmed_at_stripe(OrderFactory())
    event = intent_succeeded_event(order)
    # when: the webhook (delivered twice) and the client's cancellation at once
    run_together(
        lambda: deliver(event),
        lambda: orders.order_cancel(order_id=order.pk, client=order.client),
        lambda: deliver(event),
    )
    # then: cancelled, the price captured once and refunded once (as a cancellation or
    # as a late payment, depending on who won)
    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED
    rows = list(Refund.objects.filter(order=order).values_list("cause", "amount_fen", "status"))
    assert len(rows) == 1
    assert rows[0][0] in ("cancellation", "late_payment")
    assert rows[0][1:] == (order.price_fen, Refund.Status.SUCCEEDED)
    assert escrow_balance(order) == 0
    assert not ledger_problems()


@pytest.mark.parametrize("round_", range(2))
def test_decline_racing_the_accept_timeout_refunds_once(round_):
    # given: a paid appointment whose acceptance deadline has just passed
    from tests.payments.helpers import order_paid

    order = order_paid(OrderFactory())
    late = order.accept_deadline + timedelta(seconds=1)
    # when
    run_together(
        lambda: orders.order_decline(
            order_id=order.pk, listener_user=order.listener.user, now=late
        ),
        lambda: orders.orders_accept_timeout(now=late),
    )
    # then
    order.refresh_from_db()
    assert order.state in (Order.State.DECLINED, Order.State.EXPIRED)
    rows = list(Refund.objects.filter(order=order).values_list("amount_fen", "status"))
    assert rows == [(order.price_fen, Refund.Status.SUCCEEDED)]
    assert escrow_balance(order) == 0
