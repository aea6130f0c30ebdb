"""Random sequences of wallet top-ups, per-minute sessions started and metered minute by
minute, withdrawals, breach refunds back to the wallet, stops and resumes, with every
ledger invariant (and no wallet below zero) checked after each step."""

import contextlib
import itertools
from datetime import timedelta

import pytest
from django.test import TestCase
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from marketplace.exceptions import DomainError
from payments.invariants import ledger_problems
from payments.models import LedgerTransaction, Refund
from payments.selectors import escrow_available_fen
from payments.services import refunds
from payments.wallet import services as wallet_services
from payments.wallet.selectors import wallet_available_fen, wallet_balance_fen
from sessions.models import Order
from sessions.services import lifecycle, metering
from sessions.services.orders import order_accept
from tests.factories import UserFactory
from tests.payments.wallet_helpers import topup_paid
from tests.sessions.metering_helpers import T0, per_minute_tier

pytestmark = pytest.mark.django_db
_sources = itertools.count()


class WalletMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.clients = [UserFactory(), UserFactory()]
        self.now = T0
        self.orders: list[int] = []

    def _live(self, index: int) -> Order | None:
        live = list(
            Order.objects.filter(pk__in=self.orders, state=Order.State.ACTIVE).order_by("pk")
        )
        return live[index % len(live)] if live else None

    @initialize()
    def wallets(self):
        for client in self.clients:
            topup_paid(client, 2_000, now=self.now)

    @rule(who=st.integers(0, 1), yuan=st.sampled_from([10, 20, 50]))
    def top_up(self, who, yuan):
        topup_paid(self.clients[who], yuan * 100, now=self.now)

    @rule(who=st.integers(0, 1))
    def start(self, who):
        client = self.clients[who]
        tier = per_minute_tier()
        try:
            order = metering.metered_order_create(client=client, tier_id=tier.pk, now=self.now)
        except DomainError:
            return  # no balance, or a session already open: nothing written
        order_accept(order_id=order.pk, listener_user=tier.listener.user, now=self.now)
        lifecycle.session_activate(order_id=order.pk, now=self.now)
        self.orders.append(order.pk)

    @rule(seconds=st.sampled_from([30, 60, 400]))
    def tick(self, seconds):
        self.now += timedelta(seconds=seconds)
        metering.metering_pass(now=self.now)

    @rule(who=st.integers(0, 1), percent=st.integers(1, 150))
    def withdraw(self, who, percent):
        client = self.clients[who]
        available = wallet_available_fen(client_id=client.pk)
        amount = max(available * percent // 100, 1)
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                wallet_services.wallet_withdraw(client=client, amount_fen=amount, now=self.now)
        except DomainError:
            assert amount > available
            assert wallet_available_fen(client_id=client.pk) == available

    @rule(index=st.integers(0, 10), percent=st.integers(1, 120))
    def breach_refund(self, index, percent):
        order = self._live(index)
        if order is None:
            return
        amount = max(order.price_fen * percent // 100, 1)
        before = escrow_available_fen(order_id=order.pk)
        try:
            refunds.refund_issue(
                order_id=order.pk,
                amount_fen=amount,
                reason="missed reply",
                cause=Refund.Cause.BREACH,
                idempotency_source=f"prop-breach:{next(_sources)}",
            )
        except DomainError:
            assert amount > before

    @rule(index=st.integers(0, 10))
    def stop(self, index):
        order = self._live(index)
        if order is not None:
            lifecycle.session_end_early(user=order.client, order_id=order.pk, now=self.now)

    @rule(index=st.integers(0, 10))
    def resume(self, index):
        order = self._live(index)
        if order is not None and order.paused_at is not None:
            # No balance or the grace is over: refused, nothing changed.
            with contextlib.suppress(DomainError):
                metering.metered_resume(user=order.client, order_id=order.pk, now=self.now)

    @invariant()
    def ledger_holds(self):
        assert ledger_problems() == []
        for client in self.clients:
            assert wallet_balance_fen(client_id=client.pk) >= 0


def test_random_wallet_sequences_keep_the_invariants(local_stripe):
    run_state_machine_as_test(
        WalletMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # The sequences did meter minutes (rows of every example stay until the test ends).
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.CHARGE).exists()
