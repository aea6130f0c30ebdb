"""The reply-clock watcher has a queue and a worker of its own (docs/reply-clock.md, "Its
own queue and worker"): with the main worker's only child stuck in a Stripe refund call,
the dedicated clock worker still records a missed deadline. Causal, not timed: the proxy
holds the refund until the test releases it, and the test checks the order of events —
the call is held (by the main worker's child) before the second client writes, and still
held when that client's missed deadline is on record. Real processes and real time, each
wait bounded."""

import time

import psutil
import pytest

from payments.invariants import assert_ledger_consistent
from payments.models import Refund
from sessions.models import Breach, Order
from sessions.services import chat
from tests.payments.stripe_proxy import StripeProxy
from tests.sessions.celery_procs import CeleryProcesses
from tests.sessions.test_watcher_e2e import refund_rows, running_paid_session

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REFUNDS = "/v1/refunds"


def poll(predicate, *, timeout: float):
    """`predicate()`'s first truthy value within `timeout` seconds, else None."""
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if result := predicate():
            return result
        time.sleep(0.1)
    return None


def pids_holding_port(root: psutil.Process, port: int) -> set[int]:
    """Processes in `root`'s tree with a TCP connection from local port `port`."""
    found = set()
    for proc in [root, *root.children(recursive=True)]:
        try:
            if any(c.laddr and c.laddr.port == port for c in proc.net_connections("tcp")):
                found.add(proc.pid)
        except psutil.NoSuchProcess:
            pass
    return found


def breach_refund_fen(order: Order) -> int:
    return order.price_fen * order.breach_refund_percent // 100


def test_clock_worker_records_a_breach_while_the_main_worker_is_stuck_in_stripe(local_stripe):
    # given: two running paid sessions; Stripe behind a proxy that holds the next refund
    # call; a main worker with ONE child and the dedicated clock worker, both on the proxy
    first = running_paid_session()
    second = running_paid_session()
    proxy = StripeProxy(local_stripe)
    proxy.fail(method="POST", path_prefix=REFUNDS, mode="hold", hold_timeout=60)
    procs = CeleryProcesses(
        concurrency=1, clock_worker=True, extra_env={"STRIPE_API_BASE": proxy.url}
    )
    try:
        procs.wait_ready()
        # when: the first listener misses a reply; its refund (a `compensate_breaches` task
        # on the main worker) reaches Stripe and is held there
        chat.message_send(user=first.client, order_id=first.pk, client_id="q-1", text="hi?")
        held = poll(lambda: proxy.held(REFUNDS), timeout=20)
        assert held, procs.output()
        (call,) = held
        main_worker = psutil.Process(procs.worker.pid)
        children = {child.pid for child in main_worker.children()}
        # then: the one blocked in that call is the main worker's only child
        assert len(children) == 1, children
        assert pids_holding_port(main_worker, call.client[1]) == children
        assert Breach.objects.filter(order=first).count() == 1
        # (the first listener answers now, so no further miss of theirs adds a refund)
        chat.message_send(user=first.listener.user, order_id=first.pk, client_id="a-1", text="yes")

        # when: only now does the second client write, and their listener stays silent
        chat.message_send(user=second.client, order_id=second.pk, client_id="q-2", text="hi?")
        breach = poll(lambda: Breach.objects.filter(order=second).first(), timeout=20)
        still_held = proxy.held(REFUNDS)
        # then: the miss is on record while the main worker's child is still held in the
        # refund call — so the clock worker recorded it, not the blocked main worker
        assert breach is not None, procs.output()
        assert still_held == [call], (call, procs.output())
        assert pids_holding_port(main_worker, call.client[1]) == children
        assert refund_rows(first.pk) == [
            ("breach", breach_refund_fen(first), Refund.Status.PENDING)
        ]
        chat.message_send(
            user=second.listener.user, order_id=second.pk, client_id="a-2", text="yes"
        )

        # when: Stripe answers
        assert proxy.release() == 1
        # then: the held refund completes, and the second one after it on the main worker
        expected = {
            first.pk: [("breach", breach_refund_fen(first), Refund.Status.SUCCEEDED)],
            second.pk: [("breach", breach_refund_fen(second), Refund.Status.SUCCEEDED)],
        }
        done = poll(
            lambda: all(refund_rows(pk) == rows for pk, rows in expected.items()), timeout=30
        )
        assert done, ({pk: refund_rows(pk) for pk in expected}, procs.output())
        assert call.outcome == "released"
        assert len(proxy.requests_to(REFUNDS)) == 2  # one call per refund, none retried
    finally:
        procs.stop()
        proxy.close()
    assert_ledger_consistent()
