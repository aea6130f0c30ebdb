"""Outages are never charged: deadlines that fall in a measured outage of the database or
Redis (or its grace) are excused — recorded, shown on the timeline with the reason, no
refund from the listener's earnings, not counted towards the consecutive-miss limit — by
every path that records misses (the watcher's batch, its row-by-row termination path, a
late reply). Paid orders go through the local Stripe server; the ledger's invariants are
checked after each test. Times are controlled (`now=`)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from marketplace import outages
from marketplace.models import Outage
from payments.invariants import assert_ledger_consistent
from payments.models import Refund
from sessions.models import Message, Order, ReplyClock
from sessions.selectors.clocks import order_timeline
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


def outage(start: float, end: float, cause=Outage.Cause.DATABASE) -> Outage:
    return Outage.objects.create(
        cause=cause, started_at=at(start), ended_at=at(end), observed_by="test"
    )


def test_a_deadline_during_a_database_outage_is_excused_and_costs_nothing(local_stripe):
    # given: a paid session, a client message at 1 s (deadline 11 s), the database down
    # from 8 s to 14 s
    order = paid_active_order(window=10)
    send(order, "client", 1)
    down = outage(8, 14)
    # when: the watcher sweeps after the outage
    watcher_services.clocks_sweep(now=at(15))
    # then: excused, with no refund, and the clock runs on one window later
    [breach] = breaches(order)
    assert (breach.deadline, breach.excused_by_id, breach.refund_fen) == (at(11), down.pk, 0)
    assert (breach.streak, breach.terminated) == (0, False)
    assert breach.compensated_at is not None
    assert refunds(order) == []
    [clock] = ReplyClock.objects.filter(order=order)
    assert (clock.deadline, clock.missed) == (at(21), 0)
    last = Message.objects.filter(order=order).order_by("-seq").first()
    assert last.system_code == "breach_excused"
    assert_ledger_consistent()


def test_a_deadline_in_the_grace_after_an_outage_is_excused_and_a_later_one_is_not(settings):
    # given: the database was down 2 to 9 s; deadlines at 11 s (grace: 9 + 5) and 21 s
    settings.OUTAGE_GRACE_SECONDS = 5
    order = active_order(window=10)
    send(order, "client", 1)
    outage(2, 9)
    # when
    watcher_services.clocks_sweep(now=at(12), compensate=False)
    watcher_services.clocks_sweep(now=at(22), compensate=False)
    # then
    assert [(b.deadline, b.excused_by_id is not None, b.streak) for b in breaches(order)] == [
        (at(11), True, 0),
        (at(21), False, 1),
    ]


def test_a_lasting_redis_outage_excuses_a_late_reply_deadline(local_stripe):
    # given: Redis is down since 5 s, last seen down at 12 s (it lasts); the listener's
    # reply arrives at 12.5 s, after the 11 s deadline (the client's push never reached
    # them)
    order = paid_active_order(window=10)
    send(order, "client", 1)
    outage(5, 12, cause=Outage.Cause.REDIS)
    # when
    send(order, "listener", 12.5)
    # then
    [breach] = breaches(order)
    assert (breach.excused_by.cause, breach.refund_fen) == ("redis", 0)
    assert refunds(order) == []
    assert_ledger_consistent()


def test_excused_deadlines_never_end_the_session_nor_count_towards_the_limit():
    # given: limit 2; a miss at 11 s (charged), then a long outage over 21 s and 31 s
    order = active_order(window=10, breach_termination_count=2)
    send(order, "client", 1)
    watcher_services.clocks_sweep(now=at(12), compensate=False)
    outage(15, 33)
    # when
    watcher_services.clocks_sweep(now=at(34), compensate=False)
    order.refresh_from_db()
    state_after_outage = order.state
    watcher_services.clocks_sweep(now=at(42), compensate=False)  # 41 s: the second real miss
    # then
    assert state_after_outage == Order.State.ACTIVE
    assert [(b.streak, b.excused_by_id is not None, b.terminated) for b in breaches(order)] == [
        (1, False, False),
        (1, True, False),
        (1, True, False),
        (2, False, True),
    ]
    order.refresh_from_db()
    assert (order.state, order.ended_at) == (Order.State.TERMINATED, at(41))


def test_the_row_by_row_path_excuses_like_the_batch():
    # given: limit 1 (the next real miss ends the session: the row-by-row path) and an
    # outage over the deadline
    order = active_order(window=10, breach_termination_count=1)
    send(order, "client", 1)
    outage(10, 12)
    # when
    watcher_services.clocks_sweep(now=at(13), compensate=False)
    # then
    [breach] = breaches(order)
    assert (breach.excused_by_id is not None, breach.terminated) == (True, False)
    order.refresh_from_db()
    assert order.state == Order.State.ACTIVE


def test_the_timeline_shows_the_excused_deadline_with_its_reason():
    # given
    order = active_order(window=10)
    send(order, "client", 1)
    outage(8, 14, cause=Outage.Cause.REDIS)
    watcher_services.clocks_sweep(now=at(15), compensate=False)
    # when: in the default language (Chinese) and in English
    timeline = order_timeline(order=order, now=at(16))
    with translation.override("en"):
        english = order_timeline(order=order, now=at(16))
    # then
    [entry] = timeline["entries"]
    [shown] = entry["breaches"]
    assert shown["excused"] == "redis"
    assert shown["excused_reason"] == "已豁免：Redis（消息投递）不可用"
    assert english["entries"][0]["breaches"][0]["excused_reason"] == (
        "Excused: Redis (message delivery) was unavailable"
    )
    assert (timeline["breach_count"], timeline["excused_count"]) == (0, 1)


def test_a_late_termination_ends_the_session_at_the_deadline_of_the_last_miss(local_stripe):
    # given: limit 1, the miss at 11 s noticed only at 40 s (e.g. the watcher was down)
    order = paid_active_order(window=10, minutes=30, breach_termination_count=1)
    send(order, "client", 1)
    # when
    watcher_services.clocks_sweep(now=at(40))
    # then: ended at 11 s, so the pro-rata refund counts the unused time from there
    # (capped at what the breach refund left in escrow)
    order.refresh_from_db()
    assert (order.state, order.ended_at) == (Order.State.TERMINATED, at(11))
    [breach] = breaches(order)
    bought_us = 30 * 60 * 1_000_000
    unused_us = (order.ends_at - at(11)) // timedelta(microseconds=1)
    termination = [r for r in refunds(order) if r[0] == Refund.Cause.TERMINATION]
    assert [r[2] for r in termination] == [
        min(order.price_fen * unused_us // bought_us, order.price_fen - breach.refund_fen)
    ]
    assert_ledger_consistent()


def test_a_refused_client_message_opens_no_clock_and_its_retry_opens_it_when_stored():
    # given: the client's first attempt was refused (nothing stored); the retry with the
    # same client_id is stored at 9 s
    from sessions.services import chat

    order = active_order(window=10)
    # when
    chat.message_send(user=order.client, order_id=order.pk, client_id="again", text="hi", now=at(9))
    chat.message_send(
        user=order.client, order_id=order.pk, client_id="again", text="hi", now=at(10)
    )
    # then: one message, one clock, opened when the message was stored
    assert Message.objects.filter(order=order, client_id="again").count() == 1
    [clock] = ReplyClock.objects.filter(order=order)
    assert (clock.opened_at, clock.deadline) == (at(9), at(19))


# --- Measuring outages ---------------------------------------------------------------------


def test_the_observer_records_a_database_outage_when_the_database_answers_again():
    # given
    observer = outages.OutageObserver("test")
    t0 = timezone.now()
    observer.observe("database", True, now=t0)
    # when: two failed probes, then one that succeeds
    observer.observe("database", False, now=t0 + timedelta(seconds=1))
    observer.observe("database", False, now=t0 + timedelta(seconds=2))
    recorded_during = Outage.objects.count()
    observer.observe("database", True, now=t0 + timedelta(seconds=3))
    # then: from the last good probe to the first good one again
    assert recorded_during == 0
    [row] = Outage.objects.all()
    assert (row.cause, row.started_at, row.ended_at) == ("database", t0, t0 + timedelta(seconds=3))


def test_the_observer_records_a_redis_outage_while_it_lasts_and_closes_it():
    # given
    observer = outages.OutageObserver("test")
    t0 = timezone.now()
    observer.observe("redis", True, now=t0)
    # when: down at 1 s and 2 s (the database can record it meanwhile), back at 4 s
    observer.observe("redis", False, now=t0 + timedelta(seconds=1))
    [row] = Outage.objects.all()
    first_seen = (row.started_at, row.ended_at)
    observer.observe("redis", False, now=t0 + timedelta(seconds=2))
    row.refresh_from_db()
    so_far = row.ended_at
    observer.observe("redis", True, now=t0 + timedelta(seconds=4))
    # then: on record at once, as far as it was seen, then closed
    assert first_seen == (t0, t0 + timedelta(seconds=1))
    assert so_far == t0 + timedelta(seconds=2)
    row.refresh_from_db()
    assert (row.started_at, row.ended_at) == (t0, t0 + timedelta(seconds=4))
