"""The watcher's exactly-once property on PostgreSQL, where row locks and SKIP LOCKED are
real: concurrent workers, duplicated and skipped sweeps, a worker killed mid-sweep, and a
late reply racing the watcher. Each test uses real threads with their own connections."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.db.models import Count
from django.utils import timezone

from sessions.models import Breach, Order, ReplyClock
from sessions.services import chat
from sessions.services import watcher as watcher_services
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory
from tests.sessions.chat_factories import ChatOrderFactory
from tests.sessions.clock_helpers import T0, at, send

pytestmark = [pytest.mark.django_db(transaction=True)]


def many_waiting_orders(n: int, *, window: int = 10) -> list[Order]:
    """`n` active sessions of one listener, each with a client message sent at 1 s."""
    listener = ApprovedListenerFactory(tier=False)
    tier = PricingTierFactory(listener=listener, reply_window_seconds=window)
    orders = []
    for _ in range(n):
        order = ChatOrderFactory(
            listener=listener, tier=tier, starts_at=T0, activated_at=T0, reply_window_seconds=window
        )
        send(order, "client", 1)
        orders.append(order)
    return orders


def in_thread(fn):
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    return run


@in_thread
def sweep(seconds: float, batch_size: int = 200):
    return watcher_services.clocks_sweep(now=at(seconds), batch_size=batch_size, compensate=False)


def assert_exactly_once(orders, *, deadlines_per_clock: int) -> None:
    counts = dict(
        Breach.objects.filter(order__in=orders)
        .values_list("clock_id")
        .annotate(n=Count("id"))
        .values_list("clock_id", "n")
    )
    assert len(counts) == len(orders)
    assert set(counts.values()) == {deadlines_per_clock}


def test_four_workers_at_once_record_each_missed_deadline_once():
    # given
    orders = many_waiting_orders(40)
    # when: four workers sweep the same moment, in small batches
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: sweep(12, batch_size=7), range(4)))
    # then
    assert sum(r.breaches for r in results) == 40
    assert_exactly_once(orders, deadlines_per_clock=1)


def test_duplicated_and_skipped_beats_give_the_same_outcome():
    # given
    orders = many_waiting_orders(10)
    # when: beats at 12 s (three times), none at 22 s, one at 26 s
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda _: sweep(12), range(3)))
    sweep(26)
    sweep(26)
    # then: deadlines 11 s and 21 s, once each
    assert_exactly_once(orders, deadlines_per_clock=2)


def test_worker_killed_mid_sweep_leaves_nothing_and_the_next_sweep_records_once():
    # given
    orders = many_waiting_orders(10)

    class Killed(Exception):
        pass

    def worker_dies_before_commit():
        with transaction.atomic():
            watcher_services.clocks_sweep(now=at(12), compensate=False)
            assert Breach.objects.count() == 10  # written, not committed
            raise Killed

    # when: a worker dies inside its batch, before the commit
    with pytest.raises(Killed):
        worker_dies_before_commit()
    assert Breach.objects.count() == 0
    sweep(12.5)
    # then
    assert_exactly_once(orders, deadlines_per_clock=1)
    assert ReplyClock.objects.filter(deadline=at(21)).count() == 10


def test_watcher_never_waits_for_a_sender_and_the_late_reply_records_the_breach():
    # given: the listener's late reply holds the order's lock
    [order] = many_waiting_orders(1)
    locked = threading.Event()
    release = threading.Event()

    @in_thread
    def sender():
        with transaction.atomic():
            Order.objects.select_for_update().get(pk=order.pk)
            locked.set()
            release.wait(10)
        send(order, "listener", 13)

    thread = threading.Thread(target=sender)
    thread.start()
    locked.wait(10)
    # when
    started = time.monotonic()
    busy = sweep(12.5)
    took = time.monotonic() - started
    release.set()
    thread.join(10)
    after = sweep(14)
    # then
    assert took < 2
    assert (busy.busy, busy.breaches) == (1, 0)
    assert after.breaches == 0
    [breach] = Breach.objects.filter(order=order)
    assert (breach.deadline, breach.recorded_at) == (at(11), at(13))
    clock = ReplyClock.objects.get(order=order)
    assert (clock.status, clock.missed) == (ReplyClock.Status.ANSWERED, 1)


def test_replies_racing_the_watcher_get_exactly_one_outcome_each():
    # given: 20 sessions on real server time whose deadlines fall in 0.3 s; replies are
    # spread over 0.6 s around it while a watcher sweeps continuously (both stamp server
    # time only after taking the order's lock, as in production)
    listener = ApprovedListenerFactory(tier=False)
    tier = PricingTierFactory(listener=listener, reply_window_seconds=5)
    orders = [ChatOrderFactory(listener=listener, tier=tier) for _ in range(20)]
    for order in orders:
        chat.message_send(user=order.client, order_id=order.pk, client_id="c", text="hi")
    deadline = timezone.now() + timedelta(seconds=0.3)
    ReplyClock.objects.filter(order__in=orders).update(deadline=deadline)
    done = threading.Event()

    @in_thread
    def replies():
        for order in orders:
            chat.message_send(user=order.listener.user, order_id=order.pk, client_id="l", text="ok")
            time.sleep(0.03)
        done.set()

    @in_thread
    def watcher():
        while not done.is_set():
            watcher_services.clocks_sweep(batch_size=3, compensate=False)

    # when
    threads = [threading.Thread(target=replies), threading.Thread(target=watcher)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    watcher_services.clocks_sweep(compensate=False)
    # then: a reply stamped after the deadline has exactly one breach, one before it none
    outcomes = set()
    for clock in ReplyClock.objects.filter(order__in=orders):
        late = clock.closed_at > deadline
        outcomes.add(late)
        assert clock.status == ReplyClock.Status.ANSWERED
        assert list(Breach.objects.filter(clock=clock).values_list("deadline", flat=True)) == (
            [deadline] if late else []
        )
        assert clock.missed == int(late)
    assert outcomes == {True, False}


def test_the_due_query_uses_the_partial_index():
    # given
    many_waiting_orders(3)
    # when
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        queryset = ReplyClock.objects.filter(
            status=ReplyClock.Status.OPEN, deadline__lt=at(12)
        ).order_by("deadline")
        plan = queryset.explain()
    # then
    assert "clock_open_due_idx" in plan
