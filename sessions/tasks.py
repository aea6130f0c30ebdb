"""Beat jobs of live sessions. Each fetches ids and calls a service; safe to run twice."""

from celery import shared_task

from marketplace import heartbeats
from sessions.services import lifecycle, presence


@shared_task(
    name="sessions.sweep_due_sessions", ignore_result=True, soft_time_limit=20, time_limit=30
)
def sweep_due_sessions() -> dict[str, int]:
    """Start and end sessions on time, whether or not anyone is connected."""
    return lifecycle.sessions_due_sweep()


@shared_task(name="sessions.sweep_presence", ignore_result=True, soft_time_limit=20, time_limit=30)
def sweep_presence() -> int:
    """Mark listeners offline whose sockets stopped heart-beating (e.g. a crashed node)."""
    return presence.presence_sweep()


@shared_task(name="sessions.meter_sessions", ignore_result=True, soft_time_limit=10, time_limit=15)
def meter_sessions() -> dict[str, int]:
    """Charge the due minute of every per-minute session; pause those the wallet cannot
    pay; end those whose grace passed."""
    from sessions.services import metering

    return metering.metering_pass()


# --- The reply-clock watcher (docs/reply-clock.md) -----------------------------------------


@shared_task(
    name="sessions.watch_reply_clocks", ignore_result=True, soft_time_limit=10, time_limit=15
)
def watch_reply_clocks() -> dict[str, int]:
    """Record a breach for every reply deadline that passed unanswered and enqueue its
    refunds. Level-triggered and idempotent: duplicated, skipped or concurrent runs give
    the same outcome (one breach per missed deadline)."""
    from sessions.services import watcher

    result = watcher.clocks_watch()
    heartbeats.beat_record_or_log("watcher")  # /healthz: deadlines are being watched
    return result.as_dict()


@shared_task(
    name="sessions.compensate_breaches",
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def compensate_breaches(breach_ids: list[int]) -> int:
    """The refunds of breaches recorded outside the watcher (a late reply, a pause, the
    session's end). Safe to run twice: each refund source refunds at most once."""
    from sessions.services import compensation

    return sum(compensation.breach_compensate(breach_id=breach_id) for breach_id in breach_ids)


@shared_task(
    name="sessions.retry_breach_compensation",
    ignore_result=True,
    soft_time_limit=240,
    time_limit=300,
)
def retry_breach_compensation() -> int:
    """The refunds of breaches whose compensation task was lost (a worker killed, the
    broker down at enqueue). On the main queue, not the watcher's: it calls Stripe."""
    from sessions.services import compensation

    return compensation.breaches_compensation_retry()


@shared_task(
    name="sessions.refresh_reply_stats", ignore_result=True, soft_time_limit=120, time_limit=180
)
def refresh_reply_stats(since_seconds: int = 300) -> int:
    """Recompute the 30-day reply figures of listeners with clock activity lately."""
    from sessions.services import reputation

    return reputation.reply_stats_refresh_recent(since_seconds=since_seconds)
