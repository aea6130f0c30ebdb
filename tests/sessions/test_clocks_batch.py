"""The watcher's set-based batch (`_deadlines_record_many`) against the row-by-row rules
(`deadlines_record`, used by late replies and pauses): the same breaches, streaks,
refunds, re-arms and system messages for sessions with different histories in one
batch; a deadline already on record is left alone; refunds go to one task per batch."""

import pytest
from django.db import transaction

from sessions.models import Breach, Message, Order, ReplyClock
from sessions.services import clocks as clock_services
from sessions.services import watcher as watcher_services
from tests.sessions.clock_helpers import active_order, at, breaches, clocks, send

pytestmark = pytest.mark.django_db


def histories() -> list[Order]:
    """Sessions whose next misses differ: a fresh clock; a streak of one carried on by a
    late reply; a streak reset by a reply in time; a clock two windows overdue; a refund
    cap almost used up; a clock whose next miss ends the session."""
    fresh = active_order(window=10)
    send(fresh, "client", 1)

    carried = active_order(window=10)
    send(carried, "client", 1)
    send(carried, "listener", 12)  # late: breach at 11, streak 1
    send(carried, "client", 13)

    reset = active_order(window=10)
    send(reset, "client", 1)
    send(reset, "listener", 12)  # late
    send(reset, "client", 13)
    send(reset, "listener", 14)  # in time: the streak ends
    send(reset, "client", 15)

    overdue = active_order(window=5)
    send(overdue, "client", 20)  # deadlines 25 and 30 pass before 31

    capped = active_order(window=10, breach_refund_percent=20, breach_refund_cap_percent=30)
    send(capped, "client", 1)
    send(capped, "listener", 12)  # late: 20 % granted
    send(capped, "client", 13)

    ending = active_order(window=10, breach_termination_count=2)
    send(ending, "client", 1)
    send(ending, "listener", 12)  # late: streak 1 of 2
    send(ending, "client", 13)
    return [fresh, carried, reset, overdue, capped, ending]


def outcome(order: Order) -> dict:
    order.refresh_from_db()
    return {
        "breaches": [
            (b.deadline - order.starts_at, b.streak, b.refund_fen, b.terminated)
            for b in breaches(order)
        ],
        "clocks": [
            (c.status, c.missed, c.deadline - order.starts_at if c.deadline else None)
            for c in clocks(order)
        ],
        "messages": list(
            Message.objects.filter(order=order)
            .order_by("seq")
            .values_list("seq", "system_code", "system_params")
        ),
        "state": order.state,
    }


def test_a_batch_records_what_the_row_by_row_rules_record():
    # given: the same histories twice
    swept, caught_up = histories(), histories()
    # when: one set clock by clock (which leaves none of its clocks due at 31 s), the
    # other through the watcher's batch
    with transaction.atomic():
        for order in caught_up:
            locked = Order.objects.select_for_update().get(pk=order.pk)
            clock_services.clocks_catch_up(order=locked, now=at(31))
    result = watcher_services.clocks_sweep(now=at(31), compensate=False)
    # then
    assert [outcome(o) for o in swept] == [outcome(o) for o in caught_up]
    assert (result.breaches, result.terminated) == (8, 1)
    fresh, carried, reset, overdue, capped, ending = swept
    assert [b.streak for b in breaches(fresh)] == [1, 2]
    assert [b.streak for b in breaches(carried)] == [1, 2]
    assert [b.streak for b in breaches(reset)] == [1, 1]
    assert [(b.deadline, b.streak) for b in breaches(overdue)] == [(at(25), 1), (at(30), 2)]
    per = capped.price_fen * 20 // 100
    assert [b.refund_fen for b in breaches(capped)] == [per, capped.price_fen * 30 // 100 - per]
    assert [b.terminated for b in breaches(ending)] == [False, True]
    assert outcome(ending)["state"] == Order.State.TERMINATED
    assert outcome(fresh)["messages"] == [
        (1, "", {}),
        (2, "breach_counted", {"streak": 1, "limit": 3, "left": 2}),
        (3, "breach_counted", {"streak": 2, "limit": 3, "left": 1}),
    ]


def test_a_deadline_already_on_record_is_not_recorded_twice():
    # given: a breach for the running deadline exists (as if written by someone else)
    order = active_order(window=10)
    send(order, "client", 1)
    [clock] = clocks(order)
    Breach.objects.create(
        clock=clock,
        order=order,
        listener_id=order.listener_id,
        deadline=at(11),
        recorded_at=at(11.2),
        streak=1,
        refund_fen=0,
    )
    messages_before = Message.objects.filter(order=order).count()
    # when
    result = watcher_services.clocks_sweep(now=at(12), compensate=False)
    # then: the unique constraint wins; the clock still moves on one window
    assert result.breaches == 0
    assert [(b.deadline, b.recorded_at) for b in breaches(order)] == [(at(11), at(11.2))]
    clock.refresh_from_db()
    assert (clock.status, clock.missed, clock.deadline) == (ReplyClock.Status.OPEN, 1, at(21))
    assert Message.objects.filter(order=order).count() == messages_before


def test_the_watcher_hands_each_batch_refunds_to_one_task(
    monkeypatch, django_capture_on_commit_callbacks
):
    # given: three sessions past their deadline; the broker is outside our control, so
    # the task's enqueue is captured
    from sessions import tasks

    orders = [active_order(window=10) for _ in range(3)]
    for order in orders:
        send(order, "client", 1)
    enqueued = []
    monkeypatch.setattr(tasks.compensate_breaches, "delay", lambda ids: enqueued.append(ids))
    # when: batches of two
    with django_capture_on_commit_callbacks(execute=True):
        result = watcher_services.clocks_sweep(now=at(12), batch_size=2, enqueue=True)
    # then: no refund issued inline, one task per batch with that batch's breaches
    expected = list(Breach.objects.order_by("clock__deadline", "pk").values_list("pk", flat=True))
    assert result.breaches == 3
    assert sorted(pk for ids in enqueued for pk in ids) == sorted(expected)
    assert [len(ids) for ids in enqueued] == [2, 1]
    assert not Breach.objects.filter(compensated_at__isnull=False).exists()
