"""Measured reputation: the reply clocks' 30-day figures written onto ListenerStats,
which the profile, the catalogue card and the "measured reply speed" sort read."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from listeners.models import ListenerProfile
from listeners.services import listener_stats_update
from sessions.selectors.clocks import (
    STATS_DAYS,
    listener_reply_stats,
    listeners_with_clock_activity,
)


def reply_stats_refresh(*, listener_id: int, now: datetime | None = None) -> None:
    """Recompute and store one listener's 30-day reply figures."""
    stats = listener_reply_stats(listener_id=listener_id, now=now)
    listener = ListenerProfile.objects.get(pk=listener_id)
    listener_stats_update(
        listener=listener,
        reply_count_30d=stats.reply_count,
        reply_p50_ms=stats.p50_ms,
        reply_p95_ms=stats.p95_ms,
        reply_within_window_permille=stats.within_window_permille,
        breach_count_30d=stats.breach_count,
    )


def reply_stats_refresh_recent(*, since_seconds: int = 300, now: datetime | None = None) -> int:
    """Refresh every listener with clock activity in the last `since_seconds` (the beat
    runs it every minute with 5 minutes, so a missed run loses nothing, and daily with
    31 days so that figures age out of the 30-day window). Returns how many."""
    now = now or timezone.now()
    since = now - timedelta(seconds=min(since_seconds, (STATS_DAYS + 1) * 86400))
    ids = sorted(listeners_with_clock_activity(since=since))
    for listener_id in ids:
        reply_stats_refresh(listener_id=listener_id, now=now)
    return len(ids)
