"""The transport adapter (sessions.transport) against the channels_redis it was written
for: the installed version is the one it names, and a batch reaches every group, in order
per group, through the real pub/sub layer on the test Redis."""

import asyncio
from importlib.metadata import version

from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from sessions import transport


def test_written_against_the_installed_channels_redis():
    # An upgrade of channels_redis must be checked against the internals the adapter uses
    # (see its docstring) before this pin moves.
    assert version("channels-redis") == transport.CHANNELS_REDIS_VERSION


async def test_a_batch_reaches_every_group_in_order_in_one_call():
    # given: two channels in two groups on the real pub/sub layer
    layer = RedisPubSubChannelLayer(hosts=[settings.REDIS_URL], prefix="transport-test")
    first, second = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("transport.a", first)
    await layer.group_add("transport.b", second)
    await asyncio.sleep(0.1)  # the subscriptions are in place
    sends = [
        ("transport.a", {"type": "chat.frame", "n": 1}),
        ("transport.b", {"type": "chat.frame", "n": 2}),
        ("transport.a", {"type": "chat.frame", "n": 3}),
    ]
    try:
        # when
        batched = await transport.publish_batched(layer, sends)
        # then
        assert batched is True
        got_a = [await asyncio.wait_for(layer.receive(first), 5) for _ in range(2)]
        got_b = await asyncio.wait_for(layer.receive(second), 5)
        assert [event["n"] for event in got_a] == [1, 3]
        assert got_b["n"] == 2
    finally:
        await layer.flush()


async def test_a_layer_it_does_not_know_is_left_to_the_public_api():
    from channels.layers import InMemoryChannelLayer

    assert await transport.publish_batched(InMemoryChannelLayer(), [("g", {"type": "x"})]) is False
