"""End to end with real processes: a Celery beat and worker watch a real session; the
listener stays silent past a 5-second window; the client's socket group gets the breach
frame and the refund reaches the ledger. Real time passes here by nature (the beat and
the worker are the subject), bounded by explicit timeouts."""

import asyncio
import time

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from payments.invariants import assert_ledger_consistent
from payments.models import Entry, Refund
from sessions import events
from sessions.models import Breach, Order
from sessions.services import chat, lifecycle
from sessions.services.transitions import order_transition
from tests.sessions.celery_procs import CeleryProcesses
from tests.sessions.factories import InstantOrderFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WINDOW = 5


def running_paid_session() -> Order:
    """An instant 30-minute order paid through the local Stripe server, now running."""
    from tests.payments.helpers import order_paid

    order = order_paid(InstantOrderFactory(minutes=30))
    Order.objects.filter(pk=order.pk).update(reply_window_seconds=WINDOW)
    order_transition(order_id=order.pk, to=Order.State.ACCEPTED)
    lifecycle.session_activate(order_id=order.pk)
    return Order.objects.select_related("client", "listener").get(pk=order.pk)


def refund_rows(order_id: int) -> list[tuple[str, int, str]]:
    return list(
        Refund.objects.filter(order_id=order_id).values_list("cause", "amount_fen", "status")
    )


async def test_silent_listener_is_caught_by_the_real_watcher_and_refunded(local_stripe):
    # given: a running paid session, a worker and beat, and the client's socket group
    order = await database_sync_to_async(running_paid_session)()
    procs = CeleryProcesses()
    try:
        await asyncio.to_thread(procs.wait_ready)
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(events.order_group(order.pk), channel)
        # when: the client writes and the listener stays silent (the deadline counts from
        # the message's server timestamp, taken inside the call: measure from before it)
        sent = time.monotonic()
        await database_sync_to_async(chat.message_send)(
            user=order.client, order_id=order.pk, client_id="e2e-1", text="are you there?"
        )
        breach_frame = None
        while breach_frame is None and time.monotonic() - sent < WINDOW + 10:
            event = await asyncio.wait_for(layer.receive(channel), WINDOW + 10)
            for frame in events.event_frames(event):
                if frame["type"] == "breach":
                    breach_frame = frame
        # then: the breach reached the client's group once the window had passed
        assert breach_frame is not None, procs.output()
        assert time.monotonic() - sent >= WINDOW
        per = order.price_fen * order.breach_refund_percent // 100
        assert breach_frame["refund_fen"] == per
        breach = await database_sync_to_async(Breach.objects.get)(order=order)
        lag = (breach.recorded_at - breach.deadline).total_seconds()
        assert 0 < lag < 2, lag
        # and the refund is in the ledger (the worker issues it right after the commit)
        until = time.monotonic() + 15
        rows = []
        while time.monotonic() < until:
            rows = await database_sync_to_async(refund_rows)(order.pk)
            if rows and rows[0][2] == Refund.Status.SUCCEEDED:
                break
            await asyncio.sleep(0.2)
        assert rows == [("breach", per, Refund.Status.SUCCEEDED)], procs.output()
        entries = await database_sync_to_async(
            lambda: Entry.objects.filter(
                transaction__order_id=order.pk, transaction__kind="refund"
            ).count()
        )()
        assert entries == 2
    finally:
        procs.stop()
    await database_sync_to_async(assert_ledger_consistent)()
    assert breach.recorded_at <= timezone.now()
