"""The reply-clock watcher: batched sweeps of due clocks (docs/reply-clock.md).

The beat job (`clocks_watch`) sweeps the open clocks whose deadline passed and records
their breaches with the same rules as `sessions.services.clocks.deadlines_record`, set
based and in batches (`clocks_sweep`). It takes due clocks with SKIP LOCKED and then their
orders with SKIP LOCKED, so it never waits on a sender and can never deadlock with one; a
clock whose order is busy is left to the next sweep (or to the busy sender, which applies
the same rules). Refunds follow the commits (`sessions.services.compensation`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import F, Max, Sum
from django.utils import timezone

from marketplace.exceptions import DomainError
from marketplace.outages import outages_around
from marketplace.sql import ids_relation, rows_relation
from sessions import events
from sessions.models import Breach, Order, ReplyClock
from sessions.services import transcript
from sessions.services.breaches import PlannedBreach, breaches_plan
from sessions.services.clocks import (
    BREACH_COUNTED_CODE,
    BREACH_COUNTED_TEXT,
    BREACH_EXCUSED_CODE,
    BREACH_EXCUSED_TEXT,
    Outcome,
    breach_message,
    deadlines_record,
    outcome_apply,
    step_stop_clocks,
)
from sessions.services.compensation import (
    breach_compensate,
    breaches_compensation_retry,
    compensation_enqueue_on_commit,
)

logger = logging.getLogger(__name__)

SWEEP_BATCH = 1000
SWEEP_MAX_BATCHES = 50


@dataclass
class SweepResult:
    breaches: int = 0
    terminated: int = 0
    stopped: int = 0
    busy: int = 0  # due clocks whose order a sender held; the next sweep looks again
    ending: int = 0  # due after the session's end: the end stops them
    retried: int = 0  # breaches whose compensation was retried

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _sweep_one(*, clock_id: int, order_id: int, now: datetime) -> Outcome | None:
    """Record one clock's misses row by row (the path that may end the session), inside
    a savepoint. The caller holds both row locks. None if a domain rule refused it
    (rolled back; the next sweep retries)."""
    try:
        with transaction.atomic():
            order = Order.objects.get(pk=order_id)
            clock = ReplyClock.objects.get(pk=clock_id)
            outcome = deadlines_record(clock=clock, order=order, now=now)
            outcome_apply(order=order, outcome=outcome, now=now)
    except DomainError as exc:
        logger.warning("clock %s not swept: %s", clock_id, exc)
        return None
    return outcome


class DueClock(NamedTuple):
    """What a sweep reads of a due clock (a row, not a model instance: a batch holds
    hundreds; the rare paths that need the model load it)."""

    pk: int
    order_id: int
    deadline: datetime
    window_seconds: int
    missed: int


class DueOrder(NamedTuple):
    """What a sweep reads of a due clock's order."""

    pk: int
    state: str
    listener_id: int
    ends_at: datetime
    price_fen: int
    breach_refund_percent: int
    breach_refund_cap_percent: int
    breach_termination_count: int


def _due_clocks_lock(*, now: datetime, passed_over: set[int], limit: int) -> list[DueClock]:
    """Up to `limit` open clocks past their deadline, earliest first, locked with SKIP
    LOCKED (a clock a sender holds is left to the next sweep)."""
    rows = (
        ReplyClock.objects.select_for_update(skip_locked=True)
        .filter(status=ReplyClock.Status.OPEN, deadline__lt=now)
        .exclude(pk__in=ids_relation(connection, sorted(passed_over)))
        .order_by("deadline")
        .values_list(*DueClock._fields)[:limit]
    )
    return [DueClock(*row) for row in rows]


def _due_orders_lock(order_ids: set[int]) -> dict[int, DueOrder]:
    """The orders of a batch, locked with SKIP LOCKED (a busy one is left out)."""
    rows = (
        Order.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=ids_relation(connection, sorted(order_ids)))
        .order_by()
        .values_list(*DueOrder._fields)
    )
    return {row[0]: DueOrder(*row) for row in rows}


def clocks_sweep(
    *,
    now: datetime | None = None,
    batch_size: int = SWEEP_BATCH,
    max_batches: int = SWEEP_MAX_BATCHES,
    compensate: bool = True,
    enqueue: bool = False,
) -> SweepResult:
    """Record a breach for every open clock whose deadline has passed, in batches of
    `batch_size` clocks locked with SKIP LOCKED. Level-triggered: it looks only at the
    current rows, so a duplicated, concurrent or skipped run changes nothing about the
    outcome. Each batch is set-based (`_deadlines_record_many`: a few statements and one
    batch of frames whatever its size); a clock whose miss ends the session goes through
    `deadlines_record` and `session_terminate` in the same transaction.

    Refunds (`compensate`) follow the commits: with `enqueue` (the watcher) each batch's
    breaches go to one `sessions.compensate_breaches` task, so Stripe never delays
    detection; otherwise they are issued here after the last batch, followed by the retry
    pass. Returns what it did."""
    now = now or timezone.now()
    result = SweepResult()
    passed_over: set[int] = set()
    swept_ids: list[int] = []
    for _batch in range(max_batches):
        breach_ids: list[int] = []
        with transaction.atomic():
            clocks = _due_clocks_lock(now=now, passed_over=passed_over, limit=batch_size)
            if not clocks:
                break
            orders = _due_orders_lock({clock.order_id for clock in clocks})
            due: list[tuple[DueClock, DueOrder]] = []
            for clock in clocks:
                order = orders.get(clock.order_id)
                if order is None:
                    passed_over.add(clock.pk)
                    result.busy += 1
                elif order.state != Order.State.ACTIVE:
                    # Ended without its end step (e.g. before clocks existed): stop it.
                    step_stop_clocks(Order.objects.get(pk=order.pk))
                    result.stopped += 1
                elif clock.deadline >= order.ends_at:
                    passed_over.add(clock.pk)
                    result.ending += 1
                else:
                    due.append((clock, order))
            recorded, terminating = _deadlines_record_many(due, now=now)
            breach_ids.extend(breach.pk for breach in recorded)
            result.breaches += len(recorded)
            # A due clock with nothing to record (its streak is already at the limit) is
            # not looked at again in this sweep.
            handled = {breach.clock_id for breach in recorded} | {c.pk for c, _o in terminating}
            passed_over.update(clock.pk for clock, _order in due if clock.pk not in handled)
            for clock, order in terminating:
                outcome = _sweep_one(clock_id=clock.pk, order_id=order.pk, now=now)
                if outcome is None:
                    passed_over.add(clock.pk)
                    continue
                breach_ids.extend(breach.pk for breach in outcome.breaches)
                result.breaches += len(outcome.breaches)
                result.terminated += int(outcome.terminate)
            if compensate and enqueue:
                compensation_enqueue_on_commit(breach_ids)
        swept_ids.extend(breach_ids)
        if len(clocks) < batch_size:
            break
    if compensate and not enqueue:
        for breach_id in swept_ids:
            breach_compensate(breach_id=breach_id)
        result.retried = breaches_compensation_retry(now=now)
    return result


def _breach_history(*, order_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per order: (consecutive misses so far, refunds granted so far) — `_streak_before`
    and the sum in `breach_refund_fen`, for a whole batch in at most three queries."""
    history = {
        row["order_id"]: row
        for row in Breach.objects.filter(order_id__in=ids_relation(connection, order_ids))
        .order_by()
        .values("order_id")
        .annotate(last_id=Max("id"), granted=Sum("refund_fen"))
    }
    if not history:
        return {}
    last = {
        order_id: (clock_id, streak)
        for order_id, clock_id, streak in Breach.objects.filter(
            pk__in=ids_relation(connection, [row["last_id"] for row in history.values()])
        ).values_list("order_id", "clock_id", "streak")
    }
    answered_in_time = dict(
        ReplyClock.objects.filter(
            order_id__in=ids_relation(connection, list(history)),
            status=ReplyClock.Status.ANSWERED,
            missed=0,
        )
        .order_by()
        .values("order_id")
        .annotate(last=Max("id"))
        .values_list("order_id", "last")
    )
    result = {}
    for order_id, row in history.items():
        clock_id, streak = last[order_id]
        reset = answered_in_time.get(order_id, 0) > clock_id
        result[order_id] = (0 if reset else streak, row["granted"] or 0)
    return result


_BREACH_COLUMNS = (
    ("clock_id", int),
    ("order_id", int),
    ("listener_id", int),
    ("deadline", datetime),
    ("streak", int),
    ("refund_fen", int),
    ("terminated", bool),
    ("excused_by_id", int),
)


def _breaches_insert(breaches: list[PlannedBreach], *, now: datetime) -> list[PlannedBreach]:
    """`INSERT … SELECT … ON CONFLICT (clock, deadline) DO NOTHING RETURNING` for a batch,
    in one statement: the rows that were new get their pk and are returned (in the given
    order); a deadline already on record is left out, so the unique constraint, not the
    caller, has the last word."""
    meta = Breach._meta
    qn = connection.ops.quote_name
    source, params = rows_relation(
        connection,
        _BREACH_COLUMNS,
        [tuple(getattr(breach, name) for name, _kind in _BREACH_COLUMNS) for breach in breaches],
    )
    names = [name for name, _kind in _BREACH_COLUMNS]
    columns = ", ".join(qn(meta.get_field(name).column) for name in [*names, "recorded_at"])
    picked = ", ".join(f"batch.{qn(name)}" for name in names)
    clock, deadline = qn(meta.get_field("clock").column), qn(meta.get_field("deadline").column)
    # Identifiers come from the model's meta; every value is a query parameter.
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {picked}, %s FROM ({source}) AS batch "
        f"ON CONFLICT ({clock}, {deadline}) DO NOTHING "
        f"RETURNING {qn(meta.pk.column)}, {clock}, {deadline}"
    )
    # (clock, deadline) is unique (the constraint the conflict clause names).
    by_key = {(breach.clock_id, breach.deadline): breach for breach in breaches}
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *params])
        for pk, clock_id, deadline_value in cursor.fetchall():
            by_key[(clock_id, deadline_value)].pk = pk
    return [breach for breach in breaches if breach.pk is not None]


def _clocks_rearm(plans: list[tuple[DueClock, list[PlannedBreach]]]) -> None:
    """Move each clock on by one window per recorded deadline (counting as missed only
    the deadlines not excused): one UPDATE per distinct (deadlines, misses, window) —
    a handful at most (windows come from the tiers)."""
    groups: dict[tuple[int, int, int], list[int]] = {}
    for clock, planned in plans:
        missed = sum(1 for breach in planned if breach.excused_by_id is None)
        groups.setdefault((len(planned), missed, clock.window_seconds), []).append(clock.pk)
    for (count, missed, window), ids in groups.items():
        ReplyClock.objects.filter(pk__in=ids_relation(connection, ids)).update(
            missed=F("missed") + missed,
            deadline=F("deadline") + timedelta(seconds=window * count),
        )


def _deadlines_record_many(
    pairs: list[tuple[DueClock, DueOrder]], *, now: datetime
) -> tuple[list[PlannedBreach], list[tuple[DueClock, DueOrder]]]:
    """The watcher's batch form of `deadlines_record`, set-based: breaches, system
    messages and re-arms for all `pairs` in a handful of statements, and one batch of
    frames after commit. Clocks whose next miss ends the session are returned untouched
    for `deadlines_record` (rare, and the termination runs per order anyway). The caller
    holds every order's and clock's row lock. Returns (new breaches, clocks left)."""
    history = _breach_history(order_ids=[order.pk for _clock, order in pairs])
    outages = (
        outages_around(start=min(clock.deadline for clock, _order in pairs), end=now)
        if pairs
        else []
    )
    plans: list[tuple[DueClock, list[PlannedBreach]]] = []
    left: list[tuple[DueClock, DueOrder]] = []
    limits: dict[int, int] = {}
    for clock, order in pairs:
        streak, granted = history.get(order.pk, (0, 0))
        planned = breaches_plan(
            clock=clock, order=order, now=now, streak=streak, granted=granted, outages=outages
        )
        if any(breach.terminated for breach in planned):
            left.append((clock, order))
        elif planned:
            plans.append((clock, planned))
            limits[order.pk] = order.breach_termination_count
    if not plans:
        return [], left
    windows = {clock.pk: timedelta(seconds=clock.window_seconds) for clock, _planned in plans}
    planned_all = [breach for _clock, planned in plans for breach in planned]
    recorded = _breaches_insert(planned_all, now=now)
    _clocks_rearm(plans)
    # Terminating misses were left to deadlines_record: every charged one here is counted.
    charged = [breach for breach in recorded if breach.excused_by_id is None]
    excused = [breach for breach in recorded if breach.excused_by_id is not None]
    message_of = dict(
        zip(
            map(id, charged + excused),
            transcript.system_messages_post_many(
                [breach.order_id for breach in charged],
                code=BREACH_COUNTED_CODE,
                text=BREACH_COUNTED_TEXT,
                now=now,
                params=[
                    breach_message(streak=breach.streak, limit=limits[breach.order_id])[2]
                    for breach in charged
                ],
            )
            + transcript.system_messages_post_many(
                [breach.order_id for breach in excused],
                code=BREACH_EXCUSED_CODE,
                text=BREACH_EXCUSED_TEXT,
                now=now,
            ),
            strict=True,
        )
    )
    frames: list[tuple[str, events.Frame]] = []
    for breach in recorded:
        message = message_of[id(breach)]
        group = events.order_group(breach.order_id)
        rearmed = breach.deadline + windows[breach.clock_id]
        frames.append((group, events.message_frame(message, role="system")))
        frames.append(
            (
                group,
                events.breach_event_frame(
                    breach,
                    limit=limits[breach.order_id],
                    deadline=rearmed,
                    excused=breach.excused_cause,
                ),
            )
        )
        frames.append((group, events.clock_frame(order_id=breach.order_id, deadline=rearmed)))
    events.send_many_on_commit(frames)
    return recorded, left


def clocks_next_deadline(*, after: datetime) -> datetime | None:
    """The earliest running deadline later than `after` (one index lookup). Deadlines
    already passed but left to a later sweep (busy order, session about to end) are not
    waited for."""
    return (
        ReplyClock.objects.filter(status=ReplyClock.Status.OPEN, deadline__gt=after)
        .order_by("deadline")
        .values_list("deadline", flat=True)
        .first()
    )


def clocks_watch(*, for_seconds: float = 0.9, max_wait: float = 0.25) -> SweepResult:
    """What the beat job runs once a second: sweep now, then, while the earliest running
    deadline falls before the next beat, wait for it and sweep again. A deadline is thus
    caught a few milliseconds after it passes instead of up to a beat period later
    (detection lag p99 well under a second), and the worker sleeps only while a deadline
    is about to fall. Waits are bounded by `max_wait` so a clock that a reply closes (or
    a pause moves) meanwhile costs at most that. Refunds go to the
    `sessions.compensate_breaches` task and the retry pass is a beat job of its own
    (`sessions.retry_breach_compensation`): nothing here waits on Stripe. Several runs at
    once are harmless."""
    started = time.monotonic()
    total = clocks_sweep(enqueue=True)
    while (left := for_seconds - (time.monotonic() - started)) > 0:
        now = timezone.now()
        upcoming = clocks_next_deadline(after=now)
        if upcoming is None:
            break
        wait = (upcoming - now).total_seconds() + 0.002
        if wait > left:
            break
        time.sleep(min(max(wait, 0.0), max_wait, left))
        result = clocks_sweep(enqueue=True)
        for name, value in result.as_dict().items():
            setattr(total, name, getattr(total, name) + value)
    return total
