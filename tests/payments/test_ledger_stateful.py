"""Random sequences of book / pay / cancel / refund / complete+release / webhook redelivery,
with every ledger invariant checked after each step."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from marketplace.exceptions import DomainError
from payments.invariants import ledger_problems
from payments.selectors import order_escrow_balance_fen
from payments.services import refunds, settlement
from sessions.models import Order
from sessions.services import orders as order_services
from sessions.services.transitions import order_transition
from tests.payments.helpers import deliver, intent_succeeded_event, order_paid
from tests.sessions.factories import OrderFactory

pytestmark = pytest.mark.django_db
_sources = itertools.count()


class MoneyMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.orders: list[int] = []
        self.events: list[dict] = []

    def _pick(self, index: int, *states) -> Order | None:
        candidates = list(Order.objects.filter(pk__in=self.orders, state__in=states).order_by("pk"))
        return candidates[index % len(candidates)] if candidates else None

    @rule()
    def book(self):
        if len(self.orders) < 6:
            self.orders.append(OrderFactory().pk)

    @rule(index=st.integers(0, 10))
    def pay(self, index):
        order = self._pick(index, Order.State.PENDING_PAYMENT)
        if order:
            order = order_paid(order)
            self.events.append(intent_succeeded_event(order))

    @rule(index=st.integers(0, 10))
    def cancel(self, index):
        order = self._pick(
            index, Order.State.PENDING_PAYMENT, Order.State.PAID, Order.State.ACCEPTED
        )
        if order:
            order_services.order_cancel(order_id=order.pk, client=order.client)
            for refund in order.refunds.filter(status="pending"):
                refunds.refund_submit(refund_id=refund.pk)

    @rule(index=st.integers(0, 10), percent=st.integers(1, 120))
    def refund(self, index, percent):
        order = self._pick(index, Order.State.PAID, Order.State.ACCEPTED, Order.State.COMPLETED)
        if order:
            amount = max(order.price_fen * percent // 100, 1)
            before = order_escrow_balance_fen(order=order)
            try:
                refunds.refund_issue(
                    order_id=order.pk,
                    amount_fen=amount,
                    reason="prop",
                    cause="admin",
                    idempotency_source=f"prop:{next(_sources)}",
                )
            except DomainError:
                assert amount > before
                assert order_escrow_balance_fen(order=order) == before

    @rule(index=st.integers(0, 10))
    def complete_and_release(self, index):
        order = self._pick(index, Order.State.PAID)
        if order:
            order_transition(order_id=order.pk, to=Order.State.ACCEPTED)
            order_transition(order_id=order.pk, to=Order.State.ACTIVE)
            order_transition(
                order_id=order.pk, to=Order.State.COMPLETED, now=timezone.now() - timedelta(days=2)
            )
            settlement.escrow_release(order_id=order.pk)

    @precondition(lambda self: self.events)
    @rule(index=st.integers(0, 10))
    def redeliver(self, index):
        deliver(self.events[index % len(self.events)])

    @invariant()
    def ledger_holds(self):
        assert ledger_problems() == []


def test_random_money_sequences_keep_the_invariants():
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(
            max_examples=8,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
