"""The channel layer's transport, behind one small adapter: a batch of group events
published to Redis in one round trip per shard.

channels_redis's pub/sub layer has no public batch send, so `publish_batched` reaches
into its internals (`_get_layer`, `_get_group_channel_name`, `_get_shard`, a shard's
`_lock`, `_ensure_redis` and `_redis`) the way its own `group_send` uses them, and sends
the whole batch as one Lua script call per shard. It was written against channels_redis
CHANNELS_REDIS_VERSION: tests/sessions/test_transport.py fails on any other version, so an
upgrade is checked here first. A layer it does not recognise answers False, and the
caller sends one event at a time through the public API (`sessions.events`).
"""

from __future__ import annotations

from typing import Any

CHANNELS_REDIS_VERSION = "4.3.0"

# PUBLISH every (channel, payload) pair given as KEYS[i], ARGV[i]: one command and one
# reply for a whole batch, where a pipeline still parses one reply per PUBLISH in Python.
PUBLISH_MANY = """
for index, channel in ipairs(KEYS) do
    redis.call('PUBLISH', channel, ARGV[index])
end
return #KEYS
"""


async def publish_batched(layer: Any, sends: list[tuple[str, dict[str, Any]]]) -> bool:
    """RedisPubSubChannelLayer: every PUBLISH of the batch in one script call per shard
    (one round trip). Per group, order is kept (a group always maps to the same shard).
    False if the layer is not one whose internals this knows; the caller sends one by
    one."""
    get_loop_layer = getattr(type(layer), "_get_layer", None)
    if get_loop_layer is None or not hasattr(layer, "serialize"):
        return False
    loop_layer = layer._get_layer()
    if not all(hasattr(loop_layer, name) for name in ("_get_group_channel_name", "_get_shard")):
        return False
    by_shard: dict[int, tuple[Any, list[str], list[bytes]]] = {}
    for group, event in sends:
        channel = loop_layer._get_group_channel_name(group)
        shard = loop_layer._get_shard(channel)
        if not all(hasattr(shard, name) for name in ("_lock", "_ensure_redis")):
            return False
        _shard, channels, payloads = by_shard.setdefault(id(shard), (shard, [], []))
        channels.append(channel)
        payloads.append(layer.serialize(event))
    for shard, channels, payloads in by_shard.values():
        async with shard._lock:  # as channels_redis's own publish does
            shard._ensure_redis()
            await shard._redis.eval(PUBLISH_MANY, len(channels), *channels, *payloads)
    return True
