"""Heartbeats of the background processes, kept in Redis so every web node sees them.

Each heartbeat says when it was written and by which run: the `RUN_ID` that `make run`
gives all its children (unset elsewhere) and the writing process's start time. A
heartbeat counts for /healthz only if it is fresh and from this run: with a `RUN_ID`, the
same one; without, written since the process answering started. So after a restart
/healthz stays red until this run's beat, worker and watcher have reported, instead of
showing the previous run's heartbeats as green.
"""

import logging
import os
import sys
import time

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

KEY_PREFIX = "heartbeat:"
# What /healthz checks: beat (every scheduler tick), a worker consuming the main queue (a
# task every 5 s), and the reply-deadline watcher (each run, on the clock queue's worker
# or, should that one be gone, on the main worker).
CHECKED = ("beat", "worker", "watcher")
PROCESS_STARTED = time.time()


def run_id() -> str:
    return os.environ.get("RUN_ID", "")


def beat_record(name: str, *, now: float | None = None) -> None:
    cache.set(
        KEY_PREFIX + name,
        {
            "at": now if now is not None else time.time(),
            "run": run_id(),
            "started": PROCESS_STARTED,
        },
        timeout=None,
    )


def beat_record_or_log(name: str) -> bool:
    """`beat_record` for a process whose own work must go on with Redis down (beat, the
    watcher): the failure is logged, and /healthz reports Redis. False if it failed."""
    try:
        beat_record(name)
    except RedisError:
        logger.warning("could not record the %s heartbeat", name, exc_info=True)
        return False
    return True


def beat_read(name: str) -> dict | None:
    """The last heartbeat of `name` ({"at", "run", "started"}), or None."""
    value = cache.get(KEY_PREFIX + name)
    if value is None:
        return None
    if not isinstance(value, dict):  # written before heartbeats carried their run
        return {"at": float(value), "run": "", "started": None}
    return value


def beat_age_seconds(name: str, *, now: float | None = None) -> float | None:
    """Seconds since `name` last beat, or None when it never has."""
    last = beat_read(name)
    if last is None:
        return None
    return max(0.0, (now if now is not None else time.time()) - float(last["at"]))


def beat_check(name: str, *, max_age: float, now: float | None = None) -> dict:
    """/healthz's view of one heartbeat: fresh, and from this run."""
    now = now if now is not None else time.time()
    last = beat_read(name)
    if last is None:
        return {"ok": False, "age_seconds": None}
    age = max(0.0, now - float(last["at"]))
    current = run_id()
    this_run = last["run"] == current if current else float(last["at"]) >= PROCESS_STARTED
    check = {
        "ok": age <= max_age and this_run,
        "age_seconds": round(age, 1),
        "started": last.get("started"),  # the writing process's start: a restart shows
    }
    if not this_run:
        check["stale_run"] = True
    return check


def heartbeats_fresh(names: list[str]) -> int:
    """0 if each named heartbeat is fresh, else 1; prints each check (the compose
    healthchecks of beat and the workers, through `main`)."""
    from django.conf import settings

    ok = True
    for name in names:
        check = beat_check(name, max_age=settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS)
        print(name, check)  # noqa: T201 - a command's output
        ok = (
            ok
            and check["age_seconds"] is not None
            and (check["age_seconds"] <= settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS)
        )
    return 0 if ok else 1


def main(names: list[str]) -> int:
    """`python -m marketplace.heartbeats beat [worker …]`: Django set up, then
    `heartbeats_fresh` (setting up configures logging on this process's stderr, so it
    belongs to the command's own process only)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.prod")
    django.setup()
    return heartbeats_fresh(names)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(CHECKED)))
