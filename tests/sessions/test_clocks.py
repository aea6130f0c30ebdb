"""The reply clock with a controllable clock: opening, closing, breaches, the session's
end and termination. Every time is a server time passed as `now=` (nothing sleeps)."""

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from sessions import events
from sessions.models import Message, Order, ReplyClock
from sessions.services import clocks as clock_services
from sessions.services import compensation as compensation_services
from sessions.services import lifecycle
from sessions.services import watcher as watcher_services
from tests.sessions.clock_helpers import active_order, at, breaches, clocks, send

pytestmark = pytest.mark.django_db


def sweep(seconds: float, **kwargs):
    return watcher_services.clocks_sweep(now=at(seconds), compensate=False, **kwargs)


def test_first_client_message_opens_a_clock_with_the_window():
    # given
    order = active_order(window=10)
    # when
    message = send(order, "client", 1)
    # then
    [clock] = clocks(order)
    assert clock.status == ReplyClock.Status.OPEN
    assert clock.opened_by_id == message.pk
    assert clock.opened_at == at(1)
    assert clock.deadline == at(11)
    assert clock.listener_id == order.listener_id


def test_further_client_messages_before_a_reply_open_no_clock():
    # given
    order = active_order(window=10)
    send(order, "client", 1)
    # when
    send(order, "client", 5)
    send(order, "client", 9)
    # then
    [clock] = clocks(order)
    assert clock.deadline == at(11)


def test_listener_reply_closes_the_clock_and_records_the_latency():
    # given
    order = active_order(window=10)
    send(order, "client", 1)
    # when
    reply = send(order, "listener", 4.25)
    # then
    [clock] = clocks(order)
    assert clock.status == ReplyClock.Status.ANSWERED
    assert clock.closed_by_id == reply.pk
    assert clock.closed_at == at(4.25)
    assert clock.latency_ms == 3250
    assert clock.missed == 0
    assert breaches(order) == []


def test_listener_message_without_a_waiting_client_message_changes_nothing():
    # given
    order = active_order(window=10)
    # when
    send(order, "listener", 1)
    # then
    assert clocks(order) == []


def test_next_client_message_after_a_reply_opens_a_new_clock():
    # given
    order = active_order(window=10)
    send(order, "client", 1)
    send(order, "listener", 2)
    # when
    send(order, "client", 30)
    # then
    first, second = clocks(order)
    assert first.status == ReplyClock.Status.ANSWERED
    assert second.status == ReplyClock.Status.OPEN
    assert second.deadline == at(40)


def test_sweep_before_or_at_the_deadline_records_nothing():
    # given
    order = active_order(window=10)
    send(order, "client", 1)
    # when
    early = sweep(5)
    exact = sweep(11)
    # then
    assert early.breaches == 0
    assert exact.breaches == 0
    assert breaches(order) == []
    assert clocks(order)[0].deadline == at(11)


def test_sweep_past_the_deadline_records_one_breach_and_rearms_the_clock():
    # given
    order = active_order(window=10)
    send(order, "client", 1)
    # when
    result = sweep(11.5)
    # then
    assert result.breaches == 1
    [breach] = breaches(order)
    assert breach.deadline == at(11)
    assert breach.recorded_at == at(11.5)
    assert breach.streak == 1
    assert breach.refund_fen == order.price_fen * 10 // 100
    assert breach.terminated is False
    assert breach.compensated_at is None
    [clock] = clocks(order)
    assert clock.status == ReplyClock.Status.OPEN
    assert clock.missed == 1
    assert clock.deadline == at(21)
    [system] = Message.objects.filter(order=order, kind=Message.Kind.SYSTEM)
    assert (system.system_code, system.system_params) == (
        "breach_counted",
        {"streak": 1, "limit": 3, "left": 2},
    )
    assert system.text == (
        "Missed reply 1 in a row: 2 more and the session ends, with the time left refunded."
    )


def test_duplicated_sweeps_record_the_breach_once():
    # given
    order = active_order(window=10)
    send(order, "client", 1)
    # when
    results = [sweep(12) for _ in range(3)]
    # then
    assert [r.breaches for r in results] == [1, 0, 0]
    assert len(breaches(order)) == 1


def test_skipped_sweeps_still_record_each_missed_deadline_once():
    # given: the watcher was down for one and a half windows past the deadline
    order = active_order(window=10)
    send(order, "client", 1)
    # when
    result = sweep(26)
    again = sweep(26)
    # then
    assert result.breaches == 2
    assert again.breaches == 0
    assert [b.deadline for b in breaches(order)] == [at(11), at(21)]
    assert [b.streak for b in breaches(order)] == [1, 2]
    assert clocks(order)[0].deadline == at(31)


def test_reply_after_a_breach_closes_the_clock_but_keeps_the_breach():
    # given
    order = active_order(window=10)
    send(order, "client", 1)
    sweep(12)
    # when
    send(order, "listener", 15)
    # then
    [clock] = clocks(order)
    assert clock.status == ReplyClock.Status.ANSWERED
    assert clock.latency_ms == 14_000
    assert clock.missed == 1
    assert len(breaches(order)) == 1


def test_late_reply_before_any_sweep_records_the_breach_itself_exactly_once():
    # given
    order = active_order(window=10)
    send(order, "client", 1)
    # when: the reply comes after the deadline, before the watcher looked
    send(order, "listener", 13)
    after = sweep(14)
    # then
    [breach] = breaches(order)
    assert breach.deadline == at(11)
    assert breach.recorded_at == at(13)
    assert after.breaches == 0
    assert clocks(order)[0].status == ReplyClock.Status.ANSWERED


def test_reply_exactly_at_the_deadline_is_in_time():
    # given
    order = active_order(window=10)
    send(order, "client", 1)
    # when
    send(order, "listener", 11)
    sweep(20)
    # then
    assert breaches(order) == []
    assert clocks(order)[0].latency_ms == 10_000


def test_a_reply_in_time_resets_the_streak_of_consecutive_misses():
    # given: one miss, then a reply in time
    order = active_order(window=10)
    send(order, "client", 1)
    sweep(12)
    send(order, "listener", 13)
    send(order, "client", 20)
    send(order, "listener", 25)
    # when: the next miss
    send(order, "client", 40)
    sweep(51)
    # then
    assert [b.streak for b in breaches(order)] == [1, 1]


def test_late_replies_keep_the_streak_and_the_limit_terminates_the_session():
    # given: two misses answered late
    order = active_order(window=10, breach_termination_count=3)
    send(order, "client", 1)
    send(order, "listener", 12)
    send(order, "client", 20)
    send(order, "listener", 31)
    send(order, "client", 40)
    # when: the third consecutive miss
    result = sweep(51)
    # then
    assert result.terminated == 1
    assert [b.streak for b in breaches(order)] == [1, 2, 3]
    assert [b.terminated for b in breaches(order)] == [False, False, True]
    order.refresh_from_db()
    assert order.state == Order.State.TERMINATED
    assert order.end_reason == clock_services.END_REASON_MISSED_REPLIES
    # noticed at 51, ended at the deadline of the miss that ended it (40 + 10)
    assert order.ended_at == at(50)
    assert clocks(order)[-1].status == ReplyClock.Status.STOPPED


def test_a_silent_listener_misses_one_deadline_per_window_until_termination():
    # given
    order = active_order(window=10, breach_termination_count=3)
    send(order, "client", 1)
    # when
    for second in (11.5, 21.5, 31.5, 41.5):
        sweep(second)
    # then
    assert [b.deadline for b in breaches(order)] == [at(11), at(21), at(31)]
    order.refresh_from_db()
    assert order.state == Order.State.TERMINATED
    last = Message.objects.filter(order=order).order_by("-seq").first()
    assert (last.kind, last.system_code) == (Message.Kind.SYSTEM, "terminated_missed_replies")
    assert ReplyClock.objects.filter(order=order, status=ReplyClock.Status.OPEN).count() == 0


def test_session_end_stops_the_clock_without_a_breach():
    # given
    order = active_order(window=10, minutes=15)
    send(order, "client", 895)
    # when: the session's end (900 s) comes before the deadline (905 s)
    lifecycle.session_complete(order_id=order.pk, now=at(900))
    result = sweep(910)
    # then
    [clock] = clocks(order)
    assert clock.status == ReplyClock.Status.STOPPED
    assert clock.closed_at == at(900)
    assert clock.latency_ms is None
    assert result.breaches == 0
    assert breaches(order) == []


def test_deadline_after_the_sessions_end_is_never_a_breach_even_before_the_end_runs():
    # given: the session's end is due but its sweep has not run yet
    order = active_order(window=10, minutes=15)
    send(order, "client", 895)
    # when
    result = sweep(906)
    # then
    assert result.breaches == 0
    assert result.ending == 1
    assert breaches(order) == []


def test_session_end_records_a_deadline_that_passed_before_it():
    # given: a deadline at 51 s, nobody swept, the client ends early at 55 s
    order = active_order(window=10)
    send(order, "client", 41)
    # when
    lifecycle.session_end_early(user=order.client, order_id=order.pk, now=at(55))
    # then
    [breach] = breaches(order)
    assert breach.deadline == at(51)
    assert breach.terminated is False
    assert clocks(order)[0].status == ReplyClock.Status.STOPPED


def test_breach_refunds_are_capped_in_total():
    # given: 20 % per miss, capped at 50 %, never terminated
    order = active_order(
        window=10,
        breach_refund_percent=20,
        breach_refund_cap_percent=50,
        breach_termination_count=10,
    )
    send(order, "client", 1)
    # when
    sweep(45)
    # then
    per, cap = order.price_fen * 20 // 100, order.price_fen * 50 // 100
    assert [b.refund_fen for b in breaches(order)] == [per, per, cap - 2 * per, 0]
    assert sum(b.refund_fen for b in breaches(order)) == cap


@pytest.mark.django_db(transaction=True)
async def test_breach_and_clock_frames_reach_the_session_group():
    # given: a channel in the session's group, as both sides' sockets are
    order = await database_sync_to_async(active_order)(window=10)
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(events.order_group(order.pk), channel)
    # when
    await database_sync_to_async(send)(order, "client", 1)
    await database_sync_to_async(sweep)(12)
    # then
    # The client's message and its clock come one event each; the watcher sends a
    # breach's three frames as one `chat.frames` event (one publish per session).
    received = [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(3)]
    assert [event["type"] for event in received] == ["chat.frame", "chat.frame", "chat.frames"]
    frames = [received[0]["frame"], received[1]["frame"], *received[2]["frames"]]
    assert [f["type"] for f in frames] == ["message.new", "clock", "message.new", "breach", "clock"]
    assert frames[1]["deadline"] == at(11).isoformat()
    assert frames[2]["code"] == "breach_counted"
    assert frames[2]["params"] == {"streak": 1, "limit": 3, "left": 2}
    assert frames[4]["deadline"] == at(21).isoformat()
    breach = frames[3]
    assert breach["session"] == order.pk
    assert breach["missed_deadline"] == at(11).isoformat()
    assert breach["deadline"] == at(21).isoformat()
    assert breach["streak"] == 1
    assert breach["limit"] == 3
    assert breach["refund_fen"] == order.price_fen // 10
    assert breach["terminated"] is False


def test_resync_includes_the_running_clock():
    # given
    from sessions.services.chat import sync_frames

    order = active_order(window=10)
    send(order, "client", 1)
    # when
    frames = sync_frames(user=order.client, order_id=order.pk, after_seq=0)
    # then
    clock = [f for f in frames if f["type"] == "clock"]
    assert clock == [{"type": "clock", "session": order.pk, "deadline": at(11).isoformat()}]


def test_clock_rows_reject_a_second_open_clock_per_order():
    # given
    from django.db import IntegrityError, transaction

    order = active_order(window=10)
    message = send(order, "client", 1)
    second = send(order, "client", 2)
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        ReplyClock.objects.create(
            order=order,
            listener_id=order.listener_id,
            opened_by=second,
            opened_at=at(2),
            window_seconds=10,
            deadline=at(2) + timedelta(seconds=10),
        )
    assert clocks(order)[0].opened_by_id == message.pk


# --- The order's open-clock flag (the client's common case costs no clock query) -----------


def flag(order: Order) -> bool:
    return Order.objects.values_list("reply_clock_open", flat=True).get(pk=order.pk)


def test_a_client_message_while_a_clock_runs_does_not_query_the_clock_table():
    # given: a clock is running
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    order = active_order(window=10)
    send(order, "client", 1)
    # when: the client writes again before a reply
    with CaptureQueriesContext(connection) as captured:
        send(order, "client", 2)
    # then: no query looked at the clocks, and still one clock runs
    table = ReplyClock._meta.db_table
    assert [q["sql"] for q in captured.captured_queries if table in q["sql"]] == []
    [clock] = clocks(order)
    assert (clock.status, clock.deadline) == (ReplyClock.Status.OPEN, at(11))


def test_the_order_flag_follows_opening_closing_and_the_sessions_end():
    # given
    order = active_order(window=10)
    seen = [flag(order)]
    # when
    send(order, "client", 1)
    seen.append(flag(order))
    send(order, "listener", 3)
    seen.append(flag(order))
    send(order, "client", 4)
    seen.append(flag(order))
    lifecycle.session_terminate(order_id=order.pk, reason="test", now=at(5))
    seen.append(flag(order))
    # then
    assert seen == [False, True, False, True, False]
    assert [c.status for c in clocks(order)] == [
        ReplyClock.Status.ANSWERED,
        ReplyClock.Status.STOPPED,
    ]


def test_the_flag_is_cleared_when_missed_replies_terminate_the_session():
    # given: one miss ends the session
    order = active_order(window=10, breach_termination_count=1)
    send(order, "client", 1)
    # when
    sweep(12)
    # then
    order.refresh_from_db()
    assert order.state == Order.State.TERMINATED
    assert flag(order) is False
    assert clocks(order)[0].status == ReplyClock.Status.STOPPED


def test_a_clock_open_without_the_flag_is_found_and_no_second_one_opens():
    # given: a running clock whose order lost its flag (e.g. rows written by hand)
    order = active_order(window=10)
    send(order, "client", 1)
    Order.objects.filter(pk=order.pk).update(reply_clock_open=False)
    # when
    send(order, "client", 2)
    # then: still the one clock, and the flag is set again
    [clock] = clocks(order)
    assert (clock.status, clock.deadline) == (ReplyClock.Status.OPEN, at(11))
    assert flag(order) is True


# --- The termination refund in integers ----------------------------------------------------


def test_termination_refund_is_integer_arithmetic_rounded_down():
    # given: 10,000 yuan for 30 minutes, 1,025.1 s unused: exactly 569,500 fen, which
    # float seconds (1025.1 * 1e6 / 1800) computed as 569,499
    order = Order(price_fen=1_000_000, minutes=30, ends_at=at(1800))
    order.ended_at = order.ends_at - timedelta(seconds=1025, microseconds=100_000)
    # when
    amount = compensation_services.termination_refund_fen(order=order)
    # then
    assert amount == 569_500


def test_termination_refund_rounds_down_and_caps_at_the_price():
    # given: 999 fen for 1 minute
    order = Order(price_fen=999, minutes=1, ends_at=at(60))
    # when / then: 999 * 0.000001 s / 60 s rounds down to 0; 1 s -> 16.65 -> 16;
    # more unused than bought (a pause moved the end) -> the whole price
    order.ended_at = order.ends_at - timedelta(microseconds=1)
    assert compensation_services.termination_refund_fen(order=order) == 0
    order.ended_at = order.ends_at - timedelta(seconds=1)
    assert compensation_services.termination_refund_fen(order=order) == 16
    order.ended_at = order.ends_at - timedelta(minutes=5)
    assert compensation_services.termination_refund_fen(order=order) == 999
    order.ended_at = order.ends_at + timedelta(seconds=1)
    assert compensation_services.termination_refund_fen(order=order) == 0
