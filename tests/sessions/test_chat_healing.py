"""The socket side of self-healing delivery, over WebsocketCommunicator with the real
Redis layer: a ranged resync for exactly a gap, the heartbeat's last seqs, a chat database
lane whose connection the server dropped, and refusals that name their message."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection

from marketplace.asgi import application
from sessions import runtime
from sessions.models import Message
from tests.sessions.chat_factories import (
    ChatOrderFactory,
    MessageFactory,
    session_cookie,
    socket_headers,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_socket_connections():
    yield
    runtime.chat_connections_close()


async def open_socket(user):
    cookie = await database_sync_to_async(session_cookie)(user)
    socket = WebsocketCommunicator(application, "/ws/chat/", headers=socket_headers(cookie))
    connected, code = await socket.connect(timeout=5)
    assert connected, code
    assert (await socket.receive_json_from(timeout=5))["type"] == "hello"
    return socket


async def frames_until(socket, frame_type):
    frames = []
    while not frames or frames[-1]["type"] != frame_type:
        frames.append(await socket.receive_json_from(timeout=5))
    return frames


async def test_a_ranged_sync_returns_exactly_the_gap_and_the_current_state():
    # given: seqs 1..6 stored; the page has 1, 2 and 5, 6 (3 and 4 were lost)
    order = await database_sync_to_async(ChatOrderFactory)()
    for seq in range(1, 7):
        await database_sync_to_async(MessageFactory)(order=order, seq=seq, sender=order.client)
    listener = await open_socket(order.listener.user)
    # when
    await listener.send_json_to(
        {"type": "sync", "session": order.pk, "after_seq": 2, "until_seq": 4}
    )
    frames = await frames_until(listener, "sync.done")
    # then: 3 and 4 only, then the session's state, then done
    assert [f["seq"] for f in frames if f["type"] == "message.new"] == [3, 4]
    assert [f["state"] for f in frames if f["type"] == "session.state"] == ["active"]
    assert frames[-1] == {"type": "sync.done", "session": order.pk, "last_seq": 4, "more": False}
    await listener.disconnect()


async def test_the_heartbeat_answer_carries_each_followed_sessions_last_seq():
    # given: a listener with two running sessions
    first = await database_sync_to_async(ChatOrderFactory)()
    second = await database_sync_to_async(ChatOrderFactory)(listener=first.listener)
    for seq in (1, 2, 3):
        await database_sync_to_async(MessageFactory)(order=first, seq=seq, sender=first.client)
    listener = await open_socket(first.listener.user)
    # when
    await listener.send_json_to({"type": "ping"})
    [pong] = [f for f in await frames_until(listener, "pong") if f["type"] == "pong"]
    # then
    assert pong["last_seq"] == {str(first.pk): 3, str(second.pk): 0}
    await listener.disconnect()


def _server_now():
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def _terminate_backends_since(since) -> int:
    """What a PostgreSQL restart does to the chat lanes' idle connections: those opened
    since `since` (the test's own lanes; never the test runner's connection, which later
    tests reuse)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_start >= %s",
            [since],
        )
        return cursor.fetchone()[0]


async def test_a_lane_whose_connection_the_server_dropped_reconnects_and_the_message_is_stored():
    # given: the client's lane holds an open connection (one message sent), which the
    # server then terminates
    since = await database_sync_to_async(_server_now)()
    order = await database_sync_to_async(ChatOrderFactory)()
    client = await open_socket(order.client)
    await client.send_json_to(
        {"type": "message.send", "session": order.pk, "client_id": "one", "text": "一"}
    )
    assert [f for f in await frames_until(client, "message.ack") if f["type"] == "message.ack"]
    assert await database_sync_to_async(_terminate_backends_since)(since) >= 1
    # when: the next message uses the dropped connection first
    await client.send_json_to(
        {"type": "message.send", "session": order.pk, "client_id": "two", "text": "二"}
    )
    [frame] = [f for f in await frames_until(client, "message.ack") if f["type"] == "message.ack"]
    # then: acknowledged (retried once on a new connection), stored once
    assert (frame["type"], frame["client_id"], frame["seq"]) == ("message.ack", "two", 2)
    count = database_sync_to_async(lambda: Message.objects.filter(order=order).count())
    assert await count() == 2
    await client.disconnect()


async def test_a_publish_on_a_connection_that_outlived_a_redis_restart_is_retried_and_arrives(
    caplog,
):
    # given: a pub/sub layer on a private Redis with a pooled connection (one publish made),
    # then Redis restarted on the same port
    import redis.asyncio as aioredis
    from channels_redis.pubsub import RedisPubSubChannelLayer

    from sessions import events
    from tests.sessions.chat_daphne import PrivateRedis

    server = PrivateRedis().start()
    layer = RedisPubSubChannelLayer(hosts=[server.url], prefix="heal-test")
    group = "chat.order.1"
    event = events.layer_event({"type": "clock", "session": 1, "deadline": None})
    try:
        await events._send_logged(layer, group, event)
        server.stop()
        server.start()
        channel = layer._get_layer()._get_group_channel_name(group)
        listener = aioredis.Redis.from_url(server.url)
        pubsub = listener.pubsub()
        await pubsub.subscribe(channel)
        await pubsub.get_message(timeout=1)  # the subscription's confirmation
        # when
        with caplog.at_level("WARNING", logger="sessions.events"):
            await events._send_logged(layer, group, event)
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
        # then: the stale connection failed once, the second attempt published it
        assert message is not None
        assert layer.deserialize(message["data"]) == event
        assert [r.message for r in caplog.records if "failed" in r.message] == []
        await pubsub.aclose()
        await listener.aclose()
        # and the watcher's batched publish (one script call) after another restart
        server.stop()
        server.start()
        listener = aioredis.Redis.from_url(server.url)
        pubsub = listener.pubsub()
        await pubsub.subscribe(channel)
        await pubsub.get_message(timeout=1)
        with caplog.at_level("WARNING", logger="sessions.events"):
            await events._send_many_logged(layer, [(group, event)])
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
        assert message is not None
        assert layer.deserialize(message["data"]) == event
        assert [r.message for r in caplog.records if "failed" in r.message] == []
        await pubsub.aclose()
        await listener.aclose()
    finally:
        await layer.flush()
        server.stop()
