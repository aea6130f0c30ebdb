"""Heartbeats of the background processes, kept in Redis so every web node sees them."""

import time

from django.core.cache import cache

KEY_PREFIX = "heartbeat:"
# What /healthz checks: beat (every scheduler tick), a worker consuming the main queue (a
# task every 5 s), and the reply-deadline watcher (each run, on the clock queue's worker
# or, should that one be gone, on the main worker).
CHECKED = ("beat", "worker", "watcher")


def beat_record(name: str, *, now: float | None = None) -> None:
    cache.set(KEY_PREFIX + name, now if now is not None else time.time(), timeout=None)


def beat_age_seconds(name: str, *, now: float | None = None) -> float | None:
    """Seconds since `name` last beat, or None when it never has."""
    last = cache.get(KEY_PREFIX + name)
    if last is None:
        return None
    return max(0.0, (now if now is not None else time.time()) - float(last))
