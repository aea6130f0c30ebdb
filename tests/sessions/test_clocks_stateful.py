"""Random interleavings of client messages, replies, sweeps, crashed sweeps, clock jumps
and pauses on one session, with the reply-clock invariants checked after every step."""

import itertools
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from marketplace.exceptions import DomainError
from sessions.models import Breach, Order, ReplyClock
from sessions.services import chat, pauses
from sessions.services import watcher as watcher_services
from tests.sessions.chat_factories import ChatOrderFactory
from tests.sessions.clock_helpers import T0, at

pytestmark = pytest.mark.django_db

WINDOW = 10
_ids = itertools.count()
steps = st.sampled_from([0, 0.5, 1, 3, 5, 9.5, 10, 10.5, 15, 25])


class Crash(Exception):
    """A worker killed before its transaction committed."""


class ClockMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.order = ChatOrderFactory(
            starts_at=T0,
            activated_at=T0,
            minutes=15,
            reply_window_seconds=WINDOW,
            breach_termination_count=3,
        )
        self.t = 0.0
        self.swept_at: float | None = None

    def _active(self) -> bool:
        return Order.objects.filter(pk=self.order.pk, state=Order.State.ACTIVE).exists()

    def _send(self, who: str, dt: float) -> None:
        self.t += dt
        self.swept_at = None
        user = self.order.client if who == "client" else self.order.listener.user
        try:
            chat.message_send(
                user=user,
                order_id=self.order.pk,
                client_id=f"s{next(_ids)}",
                text="x",
                now=at(self.t),
            )
        except DomainError:
            assert not self._active()

    @rule(dt=steps)
    def client_message(self, dt):
        self._send("client", dt)

    @rule(dt=steps)
    def listener_message(self, dt):
        self._send("listener", dt)

    @rule(dt=steps)
    def sweep(self, dt):
        self.t += dt
        watcher_services.clocks_sweep(now=at(self.t), compensate=False)
        self.swept_at = self.t

    @rule(dt=steps)
    def crashed_sweep(self, dt):
        self.t += dt
        self.swept_at = None
        before = Breach.objects.filter(order=self.order).count()
        try:
            with transaction.atomic():
                watcher_services.clocks_sweep(now=at(self.t), compensate=False)
                raise Crash
        except Crash:
            pass
        assert Breach.objects.filter(order=self.order).count() == before

    @rule(dt=st.sampled_from([30, 60, 200]))
    def clock_jump(self, dt):
        self.t += dt
        self.swept_at = None

    @rule(dt=steps, minutes=st.integers(1, 3))
    def pause(self, dt, minutes):
        self.t += dt
        self.swept_at = None
        try:
            pause = pauses.pause_request(
                user=self.order.listener.user,
                order_id=self.order.pk,
                minutes=minutes,
                now=at(self.t),
            )
            pauses.pause_answer(
                user=self.order.client,
                order_id=self.order.pk,
                pause_id=pause.pk,
                accept=True,
                now=at(self.t),
            )
        except DomainError:
            pass

    @invariant()
    def at_most_one_open_clock(self):
        assert ReplyClock.objects.filter(order=self.order, status="open").count() <= 1

    @invariant()
    def the_order_flag_says_whether_a_clock_is_open(self):
        open_clock = ReplyClock.objects.filter(order=self.order, status="open").exists()
        flag = Order.objects.values_list("reply_clock_open", flat=True).get(pk=self.order.pk)
        assert flag == open_clock

    @invariant()
    def each_deadline_has_one_outcome(self):
        order = Order.objects.get(pk=self.order.pk)
        window_ms = WINDOW * 1000
        for clock in ReplyClock.objects.filter(order=order):
            rows = list(
                Breach.objects.filter(clock=clock)
                .order_by("deadline")
                .values_list("deadline", "terminated")
            )
            deadlines = [deadline for deadline, _terminated in rows]
            # a termination ends the session (and stops the clock) at its own deadline
            ended_at_miss = {deadline for deadline, terminated in rows if terminated}
            assert len(deadlines) == clock.missed
            for earlier, later in itertools.pairwise(deadlines):
                assert later - earlier >= timedelta(seconds=WINDOW)
            for deadline in deadlines:
                assert deadline < order.ends_at
                assert (
                    clock.closed_at is None
                    or deadline < clock.closed_at
                    or (deadline in ended_at_miss and deadline == clock.closed_at)
                )
            if clock.status == ReplyClock.Status.ANSWERED and clock.closed_at <= order.ends_at:
                # in time and breached are exclusive, and one of them happened (a reply
                # after the paid time ended owes nothing past the end: no breach there)
                assert (clock.missed == 0) == (clock.latency_ms <= window_ms), (
                    clock.pk,
                    clock.latency_ms,
                )

    @invariant()
    def a_sweep_leaves_no_missed_deadline_unrecorded(self):
        if self.swept_at is None:
            return
        order = Order.objects.get(pk=self.order.pk)
        if order.state != Order.State.ACTIVE:
            return
        now = at(self.swept_at)
        late = ReplyClock.objects.filter(
            order=order, status="open", deadline__lt=min(now, order.ends_at)
        )
        assert not late.exists()

    @invariant()
    def contract_terms_hold(self):
        order = Order.objects.get(pk=self.order.pk)
        rows = list(Breach.objects.filter(order=order).order_by("pk"))
        total = Breach.objects.filter(order=order).aggregate(t=Sum("refund_fen"))["t"] or 0
        assert total <= order.price_fen * order.breach_refund_cap_percent // 100
        assert all(1 <= b.streak <= order.breach_termination_count for b in rows)
        terminated = [b for b in rows if b.terminated]
        assert len(terminated) <= 1
        assert (order.state == Order.State.TERMINATED) == bool(terminated)
        if terminated:
            assert terminated[0].streak == order.breach_termination_count
            assert not ReplyClock.objects.filter(order=order, status="open").exists()


def test_random_interleavings_keep_the_reply_clock_invariants():
    run_state_machine_as_test(
        ClockMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            # No shrinking: a failure prints its steps at once instead of minutes later.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
        ),
    )
