"""The chat over real sockets: daphne processes with the Redis channel layer and
PostgreSQL, driven by the `websockets` client library.

Each daphne is a subprocess pointed at this run's test database (data is committed:
transaction=True) and at a Redis.
"""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from sessions.models import Message
from tests.sessions.chat_daphne import ChatClient, Daphne, PrivateRedis
from tests.sessions.chat_factories import ChatOrderFactory, session_cookie

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(60),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def chat():
    order = ChatOrderFactory()
    return order, session_cookie(order.client), session_cookie(order.listener.user)


def start_nodes(redis_url: str, count: int = 2) -> list[Daphne]:
    nodes = [Daphne(redis_url=redis_url) for _ in range(count)]
    try:
        return [node.wait() for node in nodes]
    except RuntimeError:
        for node in nodes:
            print(node.output())
            node.stop()
        raise


def stored(order) -> list[tuple[int, str]]:
    return list(Message.objects.filter(order=order).order_by("seq").values_list("seq", "client_id"))


async def test_client_and_listener_on_different_nodes_chat_normally(chat):
    # given
    order, client_cookie, listener_cookie = chat
    node_a, node_b = await asyncio.to_thread(start_nodes, settings.REDIS_URL)
    client = ChatClient(node_a.url, client_cookie)
    listener = ChatClient(node_b.url, listener_cookie)
    try:
        await client.open()
        await listener.open()
        # when
        await client.send(order.pk, "c1", "在吗？")
        ack = await client.wait_for(lambda f: f["type"] == "message.ack")
        got = await listener.wait_for(lambda f: f["type"] == "message.new")
        await listener.send(order.pk, "l1", "在的，请说")
        reply = await client.wait_for(lambda f: f["type"] == "message.new")
        await listener.send_frame({"type": "typing", "session": order.pk})
        typing = await client.wait_for(lambda f: f["type"] == "typing")
        # then
        assert (ack["seq"], got["seq"], got["text"]) == (1, 1, "在吗？")
        assert (reply["seq"], reply["text"], reply["role"]) == (2, "在的，请说", "listener")
        assert typing["role"] == "listener"
        assert await database_sync_to_async(stored)(order) == [(1, "c1"), (2, "l1")]
    finally:
        await client.close()
        await listener.close()
        for node in (node_a, node_b):
            node.stop()
            print(node.output()[-3000:])  # shown when the test fails


async def test_redis_restart_mid_chat_loses_nothing_and_delivers_once(chat):
    # given: two nodes on a private Redis, a chat in progress
    order, client_cookie, listener_cookie = chat
    redis = PrivateRedis().start()
    node_a, node_b = await asyncio.to_thread(start_nodes, redis.url)
    client = ChatClient(node_a.url, client_cookie)
    listener = ChatClient(node_b.url, listener_cookie)
    try:
        await client.open()
        await listener.open()
        await client.send(order.pk, "before", "before the outage")
        await listener.wait_for(lambda f: f["type"] == "message.new")
        # when: Redis dies, the client keeps writing, Redis comes back empty
        redis.stop()
        for n in range(3):
            await client.send(order.pk, f"during-{n}", f"during the outage {n}")
        await asyncio.sleep(0.5)  # real outage time: the layer has to notice
        redis.start()
        # the pages reconnect/resync when their socket dropped; a live socket notices
        # missed pushes through the pong's last_seq
        for tab in (client, listener):
            await tab.reconnect_and_resync([order.pk])
        await client.send(order.pk, "after", "after the outage")
        await client.wait_for(
            lambda f: f["type"] == "message.ack" and f["client_id"] == "after", timeout=15
        )
        await listener.wait_for(lambda f: f["type"] == "message.new" and f["seq"] == 5, timeout=15)
        # then: everything acknowledged is stored once, in order, without gaps
        rows = await database_sync_to_async(stored)(order)
        assert [seq for seq, _cid in rows] == [1, 2, 3, 4, 5]
        assert {cid for _seq, cid in rows} == {
            "before",
            "during-0",
            "during-1",
            "during-2",
            "after",
        }
        assert set(client.acks) == {cid for _seq, cid in rows}
        assert client.outbox == {}
        # and the listener saw each message exactly once
        seen = [f["seq"] for f in listener.received if f["type"] == "message.new"]
        assert sorted(seen) == [1, 2, 3, 4, 5]
    finally:
        await client.close()
        await listener.close()
        for node in (node_a, node_b):
            node.stop()
            print(node.output()[-3000:])  # shown when the test fails
        redis.stop()


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ('{"type": "ping", "pad": "' + "x" * 2**20 + '"}', 1009),  # over daphne's 1 MiB
        ('{"type": "message.send", "text": "\xff"}'.encode("latin-1"), 1007),  # not UTF-8
    ],
    ids=["over-1-MiB", "invalid-utf8"],
)
async def test_an_oversized_or_invalid_frame_is_closed_with_its_code(chat, message, code):
    # given: the product on a real web node
    order, client_cookie, _listener_cookie = chat
    (node,) = await asyncio.to_thread(start_nodes, settings.REDIS_URL, 1)
    client = ChatClient(node.url, client_cookie)
    try:
        await client.open()
        # when
        await client.ws.send(message, text=True)
        closed = await client.wait_for(lambda f: f["type"] == "closed")
        # then: closed with the code, nothing stored, the node still serves others
        assert closed == {"type": "closed"}
        assert client.ws.close_code == code
        assert await database_sync_to_async(stored)(order) == []
        again = ChatClient(node.url, client_cookie)
        await again.open()
        await again.close()
    finally:
        await client.close()
        node.stop()
        print(node.output()[-3000:])
