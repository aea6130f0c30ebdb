"""Heartbeats of the background processes, kept in Redis so every web node sees them."""

import logging
import time

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

KEY_PREFIX = "heartbeat:"
# What /healthz checks: beat (every scheduler tick), a worker consuming the main queue (a
# task every 5 s), and the reply-deadline watcher (each run, on the clock queue's worker
# or, should that one be gone, on the main worker).
CHECKED = ("beat", "worker", "watcher")


def beat_record(name: str, *, now: float | None = None) -> None:
    cache.set(KEY_PREFIX + name, now if now is not None else time.time(), timeout=None)


def beat_record_or_log(name: str) -> bool:
    """`beat_record` for a process whose own work must go on with Redis down (beat, the
    watcher): the failure is logged, and /healthz reports Redis. False if it failed."""
    try:
        beat_record(name)
    except RedisError:
        logger.warning("could not record the %s heartbeat", name, exc_info=True)
        return False
    return True


def beat_age_seconds(name: str, *, now: float | None = None) -> float | None:
    """Seconds since `name` last beat, or None when it never has."""
    last = cache.get(KEY_PREFIX + name)
    if last is None:
        return None
    return max(0.0, (now if now is not None else time.time()) - float(last))
