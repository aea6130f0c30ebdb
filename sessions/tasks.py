"""Beat jobs of live sessions. Each fetches ids and calls a service; safe to run twice."""

import os

from celery import shared_task

from marketplace import heartbeats, outages
from marketplace.models import Outage
from sessions.services import lifecycle, orders, presence


@shared_task(name="sessions.orders_expire_unpaid", time_limit=120, ignore_result=True)
def orders_expire_unpaid() -> int:
    """Unpaid orders past their payment deadline expire and free the listener's time."""
    return orders.orders_expire_unpaid()


@shared_task(name="sessions.orders_accept_timeout", time_limit=120, ignore_result=True)
def orders_accept_timeout() -> int:
    """Paid orders the listener did not accept in time close with a full refund."""
    return orders.orders_accept_timeout()


@shared_task(name="sessions.appointment_reminders", time_limit=120, ignore_result=True)
def appointment_reminders() -> int:
    """An SMS to both sides of each accepted appointment starting soon, once."""
    return orders.appointment_reminders_send()


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


@shared_task(
    name="sessions.expire_open_requests", ignore_result=True, soft_time_limit=20, time_limit=30
)
def expire_open_requests() -> int:
    """Open requests nobody claimed in time expire, with a notification to the client."""
    from sessions.services.pool import requests_expire

    return requests_expire()


@shared_task(
    name="sessions.expire_handovers", ignore_result=True, soft_time_limit=20, time_limit=30
)
def expire_handovers() -> int:
    """Hand-over proposals nobody answered in time lapse (their audit row says so)."""
    from sessions.services.handover import handovers_expire_sweep

    return handovers_expire_sweep()


@shared_task(name="sessions.meter_sessions", ignore_result=True, soft_time_limit=10, time_limit=15)
def meter_sessions() -> dict[str, int]:
    """Charge the due minute of every per-minute session; pause those the wallet cannot
    pay; end those whose grace passed."""
    from sessions.services import metering

    return metering.metering_pass()


@shared_task(name="sessions.calls_sweep", ignore_result=True, soft_time_limit=10, time_limit=15)
def calls_sweep() -> int:
    """Missed (30 s unanswered) and failed (no media 15 s after answer) calls; live calls
    of sessions that ended or paused."""
    from sessions.services import calls

    return calls.call_timeout_sweep()


# --- The reply-clock watcher (docs/reply-clock.md) -----------------------------------------


@shared_task(
    name="sessions.watch_reply_clocks", ignore_result=True, soft_time_limit=10, time_limit=15
)
def watch_reply_clocks() -> dict[str, int]:
    """Record a breach for every reply deadline that passed unanswered and enqueue its
    refunds. Level-triggered and idempotent: duplicated, skipped or concurrent runs give
    the same outcome (one breach per missed deadline)."""
    from sessions.services import watcher

    # The watcher measures the database itself too: an outage it saw is recorded before
    # it sweeps, so deadlines that fell in it are excused rather than charged.
    available = outages.database_probe()
    _watcher_observer().observe(Outage.Cause.DATABASE, available)
    if not available:
        return {}
    result = watcher.clocks_watch()
    heartbeats.beat_record_or_log("watcher")  # /healthz: deadlines are being watched
    return result.as_dict()


_observer: outages.OutageObserver | None = None


def _watcher_observer() -> outages.OutageObserver:
    """This worker process's observer (its own observations until they are written)."""
    global _observer
    if _observer is None:
        _observer = outages.OutageObserver(f"watcher:{os.getpid()}")
    return _observer


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


# --- Safety: on-call paging for imminent risk (docs/safety.md) -----------------------------


@shared_task(
    name="sessions.safety_page_send",
    ignore_result=True,
    soft_time_limit=20,
    time_limit=30,
)
def safety_page_send(escalation_id: int, page_round: int) -> bool:
    """Text one round of an imminent-risk page to the paged on-call staff member. Safe to
    run twice: the send is claimed on the escalation's row (once per round)."""
    from sessions.services import safety_paging

    return safety_paging.page_send(escalation_id=escalation_id, page_round=page_round)


@shared_task(name="sessions.safety_repage", ignore_result=True, soft_time_limit=30, time_limit=45)
def safety_repage() -> dict[str, int]:
    """Hand pages nobody acknowledged in time to the next on call; re-send lost pages."""
    from sessions.services import safety_paging

    return safety_paging.escalations_repage()
