"""Reads of the reply clock: a session's latency timeline and a listener's measured figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import NotFound
from marketplace.models import User
from sessions import events
from sessions.models import Breach, Order, Pause, ReplyClock
from sessions.selectors.chat import CHAT_STATES

STATS_DAYS = 30
# Histogram buckets of reply latency, in seconds (upper bounds; the last is open).
HISTOGRAM_EDGES = (5, 10, 20, 30, 60, 120)


def access_order_timeline(*, user: User, order_id: int) -> Order:
    """The order if `user` is its client, its listener or staff; NotFound otherwise."""
    if not user.is_authenticated:
        raise NotFound(_("No such session."))
    orders = Order.objects.select_related("listener").filter(pk=order_id, state__in=CHAT_STATES)
    if not (user.is_staff or getattr(user, "role", "") == "staff"):
        orders = orders.filter(Q(client_id=user.pk) | Q(listener__user_id=user.pk))
    order = orders.first()
    if order is None:
        raise NotFound(_("No such session."))
    return order


def order_timeline(*, order: Order, now: datetime | None = None) -> dict[str, Any]:
    """Each client message that started a clock, its reply, its deadlines and misses,
    plus agreed pauses: the evidence both parties and staff look at."""
    now = now or timezone.now()
    rows = list(
        ReplyClock.objects.filter(order=order)
        .select_related("opened_by", "closed_by")
        .order_by("pk")
    )
    by_clock: dict[int, list[Breach]] = {}
    for breach in Breach.objects.filter(order=order).select_related("excused_by").order_by("pk"):
        by_clock.setdefault(breach.clock_id, []).append(breach)
    entries = []
    for clock in rows:
        missed = by_clock.get(clock.pk, [])
        first_deadline = missed[0].deadline if missed else None
        if first_deadline is None:
            first_deadline = clock.deadline
        entries.append(
            {
                "clock": clock.pk,
                "message_seq": clock.opened_by.seq,
                "sent_at": events.ts(clock.opened_at),
                "window_seconds": clock.window_seconds,
                "deadline": events.ts(first_deadline),
                "status": clock.status,
                "reply_seq": clock.closed_by.seq if clock.closed_by_id else None,
                "replied_at": events.ts(clock.closed_at)
                if clock.status == ReplyClock.Status.ANSWERED
                else None,
                "stopped_at": events.ts(clock.closed_at)
                if clock.status == ReplyClock.Status.STOPPED
                else None,
                "latency_ms": clock.latency_ms,
                "within_window": clock.status == ReplyClock.Status.ANSWERED and clock.missed == 0,
                "breaches": [
                    {
                        "id": b.pk,
                        "deadline": events.ts(b.deadline),
                        "recorded_at": events.ts(b.recorded_at),
                        "streak": b.streak,
                        "refund_fen": b.refund_fen,
                        "terminated": b.terminated,
                        # A deadline in a measured outage: excused, with its reason.
                        "excused": b.excused_by.cause if b.excused_by_id else None,
                        "excused_reason": _("Excused: %(cause)s")
                        % {"cause": b.excused_by.get_cause_display()}
                        if b.excused_by_id
                        else None,
                    }
                    for b in missed
                ],
            }
        )
    pauses = [
        {
            "id": p.pk,
            "state": p.state,
            "seconds": p.seconds,
            "requested_at": events.ts(p.requested_at),
            "starts_at": events.ts(p.starts_at),
            "ends_at": events.ts(p.ends_at),
        }
        for p in Pause.objects.filter(order=order).order_by("pk")
    ]
    return {
        "session": order.pk,
        "reply_window_seconds": order.reply_window_seconds,
        "breach_refund_percent": order.breach_refund_percent,
        "breach_refund_cap_percent": order.breach_refund_cap_percent,
        "breach_termination_count": order.breach_termination_count,
        "entries": entries,
        "pauses": pauses,
        "breach_count": sum(1 for e in entries for b in e["breaches"] if not b["excused"]),
        "excused_count": sum(1 for e in entries for b in e["breaches"] if b["excused"]),
        "breach_refund_fen": sum(b["refund_fen"] for e in entries for b in e["breaches"]),
    }


def order_running_pause(*, order: Order, now: datetime | None = None) -> Pause | None:
    now = now or timezone.now()
    return Pause.objects.filter(
        order=order, state=Pause.State.ACCEPTED, starts_at__lte=now, ends_at__gt=now
    ).first()


def order_pending_pause(*, order: Order) -> Pause | None:
    return Pause.objects.filter(order=order, state=Pause.State.REQUESTED).first()


def _percentile(sorted_values: list[int], share: float) -> int | None:
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * share // 1))  # ceil(n * share)
    return sorted_values[int(rank) - 1]


@dataclass(frozen=True)
class ReplyStats:
    reply_count: int
    p50_ms: int | None
    p95_ms: int | None
    within_window_permille: int | None
    breach_count: int
    # (label, count) per latency bucket, for the histogram.
    histogram: list[tuple[str, int]] = field(default_factory=list)


def listener_reply_stats(
    *, listener_id: int, now: datetime | None = None, days: int = STATS_DAYS
) -> ReplyStats:
    """A listener's measured figures over the last `days`: median and p95 reply latency
    of answered clocks, the share of clocks answered within their window (a clock stopped
    after a miss counts as not within), and the number of breaches."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    rows = list(
        ReplyClock.objects.filter(listener_id=listener_id, closed_at__gt=since, closed_at__lte=now)
        .filter(
            Q(status=ReplyClock.Status.ANSWERED) | Q(status=ReplyClock.Status.STOPPED, missed__gt=0)
        )
        .values_list("status", "latency_ms", "missed")
    )
    latencies = sorted(
        latency
        for status, latency, _m in rows
        if status == ReplyClock.Status.ANSWERED and latency is not None
    )
    within = sum(
        1 for status, _l, missed in rows if status == ReplyClock.Status.ANSWERED and not missed
    )
    breach_count = Breach.objects.filter(
        listener_id=listener_id, recorded_at__gt=since, recorded_at__lte=now, excused_by=None
    ).count()
    return ReplyStats(
        reply_count=len(latencies),
        p50_ms=_percentile(latencies, 0.5),
        p95_ms=_percentile(latencies, 0.95),
        within_window_permille=round(within * 1000 / len(rows)) if rows else None,
        breach_count=breach_count,
        histogram=_histogram(latencies),
    )


def _histogram(latencies_ms: list[int]) -> list[tuple[str, int]]:
    counts = [0] * (len(HISTOGRAM_EDGES) + 1)
    for latency in latencies_ms:
        seconds = latency / 1000
        index = next(
            (i for i, edge in enumerate(HISTOGRAM_EDGES) if seconds <= edge), len(HISTOGRAM_EDGES)
        )
        counts[index] += 1
    labels = [f"≤{edge}s" for edge in HISTOGRAM_EDGES] + [f">{HISTOGRAM_EDGES[-1]}s"]
    return list(zip(labels, counts, strict=True))


def listeners_with_clock_activity(*, since: datetime) -> set[int]:
    """Listeners whose clocks closed or who missed a deadline since `since`."""
    closed = ReplyClock.objects.filter(closed_at__gte=since).values_list("listener_id", flat=True)
    missed = Breach.objects.filter(recorded_at__gte=since).values_list("listener_id", flat=True)
    return set(closed.distinct()) | set(missed.distinct())
