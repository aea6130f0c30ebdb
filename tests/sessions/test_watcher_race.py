"""A listener's late reply arriving while the watcher sweeps the same order: the reply is
stored once, delivered once, the missed deadline is recorded once, and the watcher counts
no further misses. Real threads with their own connections, released together, on
PostgreSQL (row locks and SKIP LOCKED are real); the frames are those the real channel
layer delivers."""

import pytest

from sessions import events
from sessions.models import Breach, Message, Order, ReplyClock
from sessions.services import chat
from sessions.services import watcher as watcher_services
from tests.concurrency import run_together
from tests.sessions.clock_helpers import active_order, at, send

pytestmark = [pytest.mark.django_db(transaction=True)]

TEXT = "sorry, here now"
ROUNDS = 6  # fresh orders, each racing once: the threads interleave differently each time


def _reply(order: Order, client_id: str, seconds: float):
    def job():
        return chat.message_send(
            user=order.listener.user,
            order_id=order.pk,
            client_id=client_id,
            text=TEXT,
            now=at(seconds),
        )

    return job


def _sweep(seconds: float):
    def job():
        return watcher_services.clocks_sweep(now=at(seconds), compensate=False)

    return job


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_late_reply_during_a_sweep_is_stored_and_delivered_once(group_frames, round_):
    # given: the client wrote at 1 s, the 10 s window ran out at 11 s
    order = active_order(window=10)
    send(order, "client", 1)
    order_frames = group_frames(events.order_group(order.pk))
    client_id = f"late-{round_}"
    # when: the listener's reply (at 12 s) and a watcher sweep (at 12 s) start together
    reply, _sweep_result = run_together(_reply(order, client_id, 12), _sweep(12))
    # ... and the browser, unsure it went through, sends the same reply again
    again = _reply(order, client_id, 12.5)()
    # ... and the watcher keeps sweeping long after
    later = _sweep(40)()
    # then: stored once; beside it only the client's message and the breach notice, in a
    # gap-free sequence (the notice before or after the reply: whoever locked first)
    [stored] = Message.objects.filter(order=order, client_id=client_id)
    assert (stored.sender_id, stored.text) == (order.listener.user_id, TEXT)
    assert (reply.message.pk, reply.duplicate) == (stored.pk, False)
    assert (again.message.pk, again.duplicate) == (stored.pk, True)
    rows = Message.objects.filter(order=order).order_by("seq")
    assert list(rows.values_list("seq", flat=True)) == [1, 2, 3]
    assert sorted(rows.values_list("kind", flat=True)) == ["system", "text", "text"]
    # delivered once
    pushed = [
        frame["seq"]
        for frame in order_frames.settle()
        if frame["type"] == "message.new" and frame["sender"] == order.listener.user_id
    ]
    assert pushed == [stored.seq]
    # the missed deadline recorded once (by whichever side got the order's lock first),
    # the reply closed the clock, so nothing more is counted and the session goes on
    assert list(Breach.objects.filter(order=order).values_list("deadline", "streak")) == [
        (at(11), 1)
    ]
    assert list(
        ReplyClock.objects.filter(order=order).values_list("status", "closed_by", "missed")
    ) == [(ReplyClock.Status.ANSWERED, stored.pk, 1)]
    assert later.breaches == 0
    order.refresh_from_db()
    assert order.state == Order.State.ACTIVE
