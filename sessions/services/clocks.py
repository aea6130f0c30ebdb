"""The reply clock: open, close, miss, compensate (docs/reply-clock.md).

Rules, each enforced here and nowhere else:

- The first unanswered client message of an active session opens a clock with
  `deadline = sent_at + reply_window` (or the end of a running agreed pause + window);
  further client messages before a reply open nothing. The listener's next message closes
  it and records the latency (server time, minus time spent in agreed pauses).
- The outcome of a deadline depends on timestamps only, never on who looks first: a
  deadline is missed iff it passed (strictly) before the reply, before the session ended
  and while the session ran. Whoever notices first — the watcher, a late reply, an agreed
  pause, the session's end — records the breach through `_deadlines_record`, under the
  order's row lock, and the unique (clock, deadline) constraint makes it exactly-once.
- A missed deadline re-arms the clock one window later: a listener who stays silent misses
  one deadline per window. A reply in time ends a streak; at the order's
  `breach_termination_count` consecutive misses the session is terminated.
- Money moves after the breach row commits (`breach_compensate`, outside any transaction):
  `breach_refund_percent` of the price per breach, all breaches together capped at
  `breach_refund_cap_percent`; a termination adds a pro-rata refund of the unused time,
  capped at what is left in escrow. Refund sources "breach:<id>" / "termination:<order>"
  make each refund happen at most once; a breach whose compensation never finished is
  retried by the watcher.

Lock order: everyone else takes the order row, then its clock. The watcher takes due
clocks with SKIP LOCKED and then their orders with SKIP LOCKED, so it never waits on a
sender and can never deadlock with one; a clock whose order is busy is left to the next
sweep (or to the busy sender, which applies the same rules).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from marketplace.exceptions import DomainError
from payments.exceptions import InvalidAmount, RefundRefused
from payments.models import Payment, Refund
from payments.services.refunds import escrow_available_fen, refund_issue
from sessions import events
from sessions.models import Breach, Escalation, Message, Order, Pause, ReplyClock
from sessions.selectors.chat import SYNC_FRAMES
from sessions.services import lifecycle
from sessions.services.chat import MESSAGE_STEPS, MessageContext, system_message_post

logger = logging.getLogger(__name__)

BREACH_CODE = "breach"
BREACH_TEXT = gettext_noop("The listener missed the reply window.")
END_REASON_MISSED_REPLIES = "missed_replies"
# A breach whose refunds were not issued this long after it was recorded is retried by
# the watcher (its own compensation normally follows the commit within milliseconds).
COMPENSATION_RETRY_SECONDS = 10
SWEEP_BATCH = 500
SWEEP_MAX_BATCHES = 50


# --- Frames -----------------------------------------------------------------------------


def _announce_clock(*, order_id: int, deadline: datetime | None) -> None:
    events.send_on_commit(
        events.order_group(order_id), events.clock_frame(order_id=order_id, deadline=deadline)
    )


def clock_frames_for_sync(order: Order) -> list[events.Frame]:
    """The running `clock` of a session, for a socket that resyncs (SYNC_FRAMES hook)."""
    deadline = (
        ReplyClock.objects.filter(order_id=order.pk, status=ReplyClock.Status.OPEN)
        .values_list("deadline", flat=True)
        .first()
    )
    return [events.clock_frame(order_id=order.pk, deadline=deadline)]


# --- Pauses as seen by the clock ---------------------------------------------------------


def _pause_end_running(*, order_id: int, now: datetime) -> datetime | None:
    return (
        Pause.objects.filter(
            order_id=order_id, state=Pause.State.ACCEPTED, starts_at__lte=now, ends_at__gt=now
        )
        .order_by("-ends_at")
        .values_list("ends_at", flat=True)
        .first()
    )


def _paused_seconds_between(*, order_id: int, start: datetime, end: datetime) -> float:
    total = 0.0
    pauses = Pause.objects.filter(
        order_id=order_id, state=Pause.State.ACCEPTED, starts_at__lt=end, ends_at__gt=start
    ).values_list("starts_at", "ends_at")
    for pause_start, pause_end in pauses:
        total += (min(end, pause_end) - max(start, pause_start)).total_seconds()
    return max(0.0, total)


# --- Breaches -----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What recording missed deadlines produced; the caller finishes it after commit."""

    breaches: list[Breach] = field(default_factory=list)
    terminate: bool = False

    def __iadd__(self, other: Outcome) -> Outcome:
        self.breaches.extend(other.breaches)
        self.terminate = self.terminate or other.terminate
        return self


def _streak_before(*, order: Order) -> int:
    """Consecutive misses so far: the last breach's streak, unless a clock opened after
    that breach's clock was answered in time since."""
    last = Breach.objects.filter(order=order).order_by("-id").only("clock_id", "streak").first()
    if last is None:
        return 0
    reset = ReplyClock.objects.filter(
        order=order, pk__gt=last.clock_id, status=ReplyClock.Status.ANSWERED, missed=0
    ).exists()
    return 0 if reset else last.streak


def breach_refund_fen(*, order: Order) -> int:
    """The refund the next breach grants: the percent of the price, within the cap."""
    per_breach = order.price_fen * order.breach_refund_percent // 100
    cap = order.price_fen * order.breach_refund_cap_percent // 100
    granted = Breach.objects.filter(order=order).aggregate(t=Sum("refund_fen"))["t"] or 0
    return max(0, min(per_breach, cap - granted))


def _deadlines_record(
    *, clock: ReplyClock, order: Order, now: datetime, may_terminate: bool = True
) -> Outcome:
    """Record one breach per deadline of `clock` that passed before `now` (and before the
    session's end), re-arming the clock one window after each. The caller holds the
    order's row lock and the clock's; `order` is the locked row. Saves the clock."""
    outcome = Outcome()
    limit = order.breach_termination_count
    window = timedelta(seconds=clock.window_seconds)
    while clock.deadline < now and clock.deadline < order.ends_at:
        streak = _streak_before(order=order) + 1
        if streak > limit:
            break  # the limit was reached: the session ends there, nothing more is owed
        breach = Breach.objects.create(
            clock=clock,
            order=order,
            listener_id=order.listener_id,
            deadline=clock.deadline,
            recorded_at=now,
            streak=streak,
            refund_fen=breach_refund_fen(order=order),
            terminated=may_terminate and streak >= limit,
        )
        clock.missed += 1
        clock.deadline += window
        outcome.breaches.append(breach)
        system_message_post(order=order, code=BREACH_CODE, text=BREACH_TEXT, now=now)
        next_deadline = None if breach.terminated else clock.deadline
        events.send_on_commit(
            events.order_group(order.pk),
            events.breach_event_frame(breach, limit=limit, deadline=next_deadline),
        )
        if breach.terminated:
            outcome.terminate = True
            break
        _announce_clock(order_id=order.pk, deadline=clock.deadline)
    if outcome.breaches:
        clock.save(update_fields=["missed", "deadline"])
    return outcome


def _finish(*, order: Order, outcome: Outcome, now: datetime) -> None:
    """Inside the transaction: end the session if the streak reached the limit."""
    if outcome.terminate:
        lifecycle.session_terminate(order_id=order.pk, reason=END_REASON_MISSED_REPLIES, now=now)


def _compensate_on_commit(outcome: Outcome) -> None:
    """After commit: enqueue the refunds of breaches noticed outside the watcher. If the
    broker is down the watcher's retry pass issues them instead."""
    _compensation_enqueue_on_commit([breach.pk for breach in outcome.breaches])


# --- Opening and closing -------------------------------------------------------------------


def _clock_flag_set(*, order: Order, value: bool) -> None:
    """Keep `Order.reply_clock_open` in step with the order's open clock (same transaction,
    under the order's row lock), on the row and on the caller's instance."""
    Order.objects.filter(pk=order.pk).update(reply_clock_open=value)
    order.reply_clock_open = value


def clock_open(*, order: Order, message: Message, now: datetime) -> ReplyClock | None:
    """Open a clock for a client message unless one already runs. The caller holds the
    order's row lock and `order` is the row read under it. Returns the new clock, or None.

    The common case — a clock already runs and the client writes again — is answered by
    the locked row's `reply_clock_open` without a query. Only a message that may open a
    clock looks at the clock table; a clock found open there (a flag left unset, e.g. a
    row written outside this module) sets the flag and opens nothing."""
    if order.state != Order.State.ACTIVE or order.reply_clock_open:
        return None
    if ReplyClock.objects.filter(order=order, status=ReplyClock.Status.OPEN).exists():
        _clock_flag_set(order=order, value=True)
        return None
    start = max(now, _pause_end_running(order_id=order.pk, now=now) or now)
    clock = ReplyClock.objects.create(
        order=order,
        listener_id=order.listener_id,
        opened_by=message,
        opened_at=now,
        window_seconds=order.reply_window_seconds,
        deadline=start + timedelta(seconds=order.reply_window_seconds),
    )
    _clock_flag_set(order=order, value=True)
    _announce_clock(order_id=order.pk, deadline=clock.deadline)
    return clock


def clock_close(*, order: Order, message: Message, now: datetime) -> ReplyClock | None:
    """Close the running clock with the listener's message `message`. Deadlines that had
    already passed are recorded as breaches first (a late reply never undoes a breach,
    nor escapes one). The caller holds the order's row lock. Returns the closed clock."""
    clock = (
        ReplyClock.objects.select_for_update()
        .filter(order=order, status=ReplyClock.Status.OPEN)
        .first()
    )
    if clock is None:
        return None
    outcome = _deadlines_record(clock=clock, order=order, now=now)
    paused = _paused_seconds_between(order_id=order.pk, start=clock.opened_at, end=now)
    elapsed = (now - clock.opened_at).total_seconds() - paused
    clock.status = ReplyClock.Status.ANSWERED
    clock.closed_at = now
    clock.closed_by = message
    clock.latency_ms = max(0, round(elapsed * 1000))
    clock.save(update_fields=["status", "closed_at", "closed_by", "latency_ms"])
    _clock_flag_set(order=order, value=False)
    _announce_clock(order_id=order.pk, deadline=None)
    _finish(order=order, outcome=outcome, now=now)
    _compensate_on_commit(outcome)
    return clock


def step_reply_clock(ctx: MessageContext) -> None:
    """MESSAGE_STEPS: a client message opens a clock, a listener message closes it."""
    if ctx.sender_role == "client":
        clock_open(order=ctx.order, message=ctx.message, now=ctx.now)
    else:
        clock_close(order=ctx.order, message=ctx.message, now=ctx.now)


def clocks_catch_up(*, order: Order, now: datetime) -> ReplyClock | None:
    """Record what the running clock missed up to `now` (e.g. before a pause shifts it).
    The caller holds the order's row lock. Returns the (locked) open clock, if any."""
    clock = (
        ReplyClock.objects.select_for_update()
        .filter(order=order, status=ReplyClock.Status.OPEN)
        .first()
    )
    if clock is None:
        return None
    outcome = _deadlines_record(clock=clock, order=order, now=now)
    _finish(order=order, outcome=outcome, now=now)
    _compensate_on_commit(outcome)
    return clock


def step_stop_clocks(order: Order) -> None:
    """SESSION_END_STEPS: the session left ACTIVE; its clock stops. Deadlines that passed
    before the end are still recorded (their outcome does not depend on who noticed)."""
    ended_at = order.ended_at or timezone.now()
    clocks = ReplyClock.objects.select_for_update().filter(
        order=order, status=ReplyClock.Status.OPEN
    )
    stopped = False
    for clock in clocks:
        outcome = _deadlines_record(clock=clock, order=order, now=ended_at, may_terminate=False)
        _compensate_on_commit(outcome)
        clock.status = ReplyClock.Status.STOPPED
        clock.closed_at = ended_at
        clock.save(update_fields=["status", "closed_at"])
        _announce_clock(order_id=order.pk, deadline=None)
        stopped = True
    if stopped:
        _clock_flag_set(order=order, value=False)


# --- The watcher ---------------------------------------------------------------------------


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


def _sweep_one(*, clock: ReplyClock, order: Order, now: datetime) -> Outcome | None:
    """Record one clock's misses row by row (the path that may end the session), inside
    a savepoint. None if a domain rule refused it (rolled back; the next sweep retries)."""
    try:
        with transaction.atomic():
            outcome = _deadlines_record(clock=clock, order=order, now=now)
            _finish(order=order, outcome=outcome, now=now)
    except DomainError as exc:
        logger.warning("clock %s not swept: %s", clock.pk, exc)
        return None
    return outcome


def _compensation_enqueue_on_commit(breach_ids: list[int]) -> None:
    """After commit: the refunds of a batch as one `sessions.compensate_breaches` task, so
    Stripe's latency never holds up the watcher. A lost enqueue is caught by the retry
    pass (`breaches_compensation_retry`)."""
    if not breach_ids:
        return

    def enqueue() -> None:
        from sessions.tasks import compensate_breaches

        try:
            compensate_breaches.delay(breach_ids)
        except Exception as exc:  # noqa: BLE001 - kombu raises many kinds; the retry pass covers it
            logger.warning("breach compensation for %s not enqueued: %r", breach_ids, exc)

    transaction.on_commit(enqueue)


# What a sweep reads of an order (not its quote and the rest; the rare paths that need
# more load it on access).
_SWEEP_ORDER_FIELDS = (
    "id",
    "state",
    "listener_id",
    "ends_at",
    "ended_at",
    "minutes",
    "price_fen",
    "breach_refund_percent",
    "breach_refund_cap_percent",
    "breach_termination_count",
)


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
    `_deadlines_record` and `session_terminate` in the same transaction.

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
            clocks = list(
                ReplyClock.objects.select_for_update(skip_locked=True)
                .filter(status=ReplyClock.Status.OPEN, deadline__lt=now)
                .exclude(pk__in=passed_over)
                .order_by("deadline")[:batch_size]
            )
            if not clocks:
                break
            orders = {
                order.pk: order
                for order in Order.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk__in={clock.order_id for clock in clocks})
                .only(*_SWEEP_ORDER_FIELDS)
            }
            due: list[tuple[ReplyClock, Order]] = []
            for clock in clocks:
                order = orders.get(clock.order_id)
                if order is None:
                    passed_over.add(clock.pk)
                    result.busy += 1
                elif order.state != Order.State.ACTIVE:
                    # Ended without its end step (e.g. before clocks existed): stop it.
                    step_stop_clocks(order)
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
                outcome = _sweep_one(clock=clock, order=order, now=now)
                if outcome is None:
                    passed_over.add(clock.pk)
                    continue
                breach_ids.extend(breach.pk for breach in outcome.breaches)
                result.breaches += len(outcome.breaches)
                result.terminated += int(outcome.terminate)
            if compensate and enqueue:
                _compensation_enqueue_on_commit(breach_ids)
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
        for row in Breach.objects.filter(order_id__in=order_ids)
        .order_by()
        .values("order_id")
        .annotate(last_id=Max("id"), granted=Sum("refund_fen"))
    }
    if not history:
        return {}
    last = {
        order_id: (clock_id, streak)
        for order_id, clock_id, streak in Breach.objects.filter(
            pk__in=[row["last_id"] for row in history.values()]
        ).values_list("order_id", "clock_id", "streak")
    }
    answered_in_time = dict(
        ReplyClock.objects.filter(
            order_id__in=list(history), status=ReplyClock.Status.ANSWERED, missed=0
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


def _breaches_plan(
    *, clock: ReplyClock, order: Order, now: datetime, streak: int, granted: int
) -> list[Breach]:
    """The breaches `_deadlines_record` would write for `clock`, computed in memory from
    the order's history (same rules: one per deadline before `now` and the session's end,
    one window apart, up to the consecutive-miss limit)."""
    planned = []
    limit = order.breach_termination_count
    per_breach = order.price_fen * order.breach_refund_percent // 100
    cap = order.price_fen * order.breach_refund_cap_percent // 100
    deadline = clock.deadline
    window = timedelta(seconds=clock.window_seconds)
    while deadline < now and deadline < order.ends_at:
        streak += 1
        if streak > limit:
            break
        refund = max(0, min(per_breach, cap - granted))
        granted += refund
        planned.append(
            Breach(
                clock_id=clock.pk,
                order_id=order.pk,
                listener_id=order.listener_id,
                deadline=deadline,
                recorded_at=now,
                streak=streak,
                refund_fen=refund,
                terminated=streak >= limit,
            )
        )
        if streak >= limit:
            break
        deadline += window
    return planned


_BREACH_COLUMNS = (
    "clock",
    "order",
    "listener",
    "deadline",
    "recorded_at",
    "streak",
    "refund_fen",
    "terminated",
)


def _breaches_insert(breaches: list[Breach]) -> list[Breach]:
    """`INSERT … ON CONFLICT (clock, deadline) DO NOTHING RETURNING` for a batch: the rows
    that were new get their pk and are returned (in the given order); a deadline already
    on record is left out, so the unique constraint, not the caller, has the last word."""
    meta = Breach._meta
    fields = [meta.get_field(name) for name in _BREACH_COLUMNS]
    qn = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Identifiers come from the model's meta; every value is a query parameter.
    columns = ", ".join(qn(f.column) for f in fields)
    head = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES "  # noqa: S608
    tail = (
        f" ON CONFLICT ({qn(meta.get_field('clock').column)}, "
        f"{qn(meta.get_field('deadline').column)}) DO NOTHING "
        f"RETURNING {qn(meta.pk.column)}, {qn(meta.get_field('clock').column)}, "
        f"{qn(meta.get_field('streak').column)}"
    )
    # (clock, streak) is unique within a batch: one open clock per order, streak + 1 each.
    by_key = {(breach.clock_id, breach.streak): breach for breach in breaches}
    size = max(1, connection.ops.bulk_batch_size(fields, breaches))
    with connection.cursor() as cursor:
        for start in range(0, len(breaches), size):
            chunk = breaches[start : start + size]
            params = [
                field.get_db_prep_save(getattr(breach, field.attname), connection)
                for breach in chunk
                for field in fields
            ]
            cursor.execute(head + ", ".join([row] * len(chunk)) + tail, params)
            for pk, clock_id, streak in cursor.fetchall():
                breach = by_key[(clock_id, streak)]
                breach.pk = pk
                breach._state.adding = False
                breach._state.db = connection.alias
    return [breach for breach in breaches if breach.pk is not None]


def _clocks_rearm(plans: list[tuple[ReplyClock, list[Breach]]]) -> None:
    """Move each clock on by one window per recorded deadline: one UPDATE per distinct
    (misses, window) pair — usually one for the whole batch."""
    groups: dict[tuple[int, int], list[int]] = {}
    for clock, planned in plans:
        count = len(planned)
        groups.setdefault((count, clock.window_seconds), []).append(clock.pk)
        clock.missed += count
        clock.deadline += timedelta(seconds=clock.window_seconds * count)
    for (count, window), ids in groups.items():
        ReplyClock.objects.filter(pk__in=ids).update(
            missed=F("missed") + count,
            deadline=F("deadline") + timedelta(seconds=window * count),
        )


def _breach_messages_post(breaches: list[Breach], *, now: datetime) -> list[Message]:
    """One system message per breach, numbered on from each order's last seq (the caller
    holds the orders' row locks, as `system_message_post` requires): one INSERT."""
    order_ids = {breach.order_id for breach in breaches}
    last_seq = dict(
        Message.objects.filter(order_id__in=order_ids)
        .order_by()
        .values("order_id")
        .annotate(last=Max("seq"))
        .values_list("order_id", "last")
    )
    messages = []
    for breach in breaches:
        seq = last_seq.get(breach.order_id, 0) + 1
        last_seq[breach.order_id] = seq
        messages.append(
            Message(
                order_id=breach.order_id,
                seq=seq,
                kind=Message.Kind.SYSTEM,
                sender=None,
                text=BREACH_TEXT,
                system_code=BREACH_CODE,
                created_at=now,
            )
        )
    return Message.objects.bulk_create(messages)


def _deadlines_record_many(
    pairs: list[tuple[ReplyClock, Order]], *, now: datetime
) -> tuple[list[Breach], list[tuple[ReplyClock, Order]]]:
    """The watcher's batch form of `_deadlines_record`, set-based: breaches, system
    messages and re-arms for all `pairs` in a handful of statements, and one batch of
    frames after commit. Clocks whose next miss ends the session are returned untouched
    for `_deadlines_record` (rare, and the termination runs per order anyway). The caller
    holds every order's and clock's row lock. Returns (new breaches, clocks left)."""
    history = _breach_history(order_ids=[order.pk for _clock, order in pairs])
    plans: list[tuple[ReplyClock, list[Breach]]] = []
    left: list[tuple[ReplyClock, Order]] = []
    limits: dict[int, int] = {}
    for clock, order in pairs:
        streak, granted = history.get(order.pk, (0, 0))
        planned = _breaches_plan(clock=clock, order=order, now=now, streak=streak, granted=granted)
        if any(breach.terminated for breach in planned):
            left.append((clock, order))
        elif planned:
            plans.append((clock, planned))
            limits[order.pk] = order.breach_termination_count
    if not plans:
        return [], left
    windows = {clock.pk: timedelta(seconds=clock.window_seconds) for clock, _planned in plans}
    recorded = _breaches_insert([breach for _clock, planned in plans for breach in planned])
    _clocks_rearm(plans)
    messages = _breach_messages_post(recorded, now=now)
    frames: list[tuple[str, events.Frame]] = []
    for breach, message in zip(recorded, messages, strict=True):
        group = events.order_group(breach.order_id)
        rearmed = breach.deadline + windows[breach.clock_id]
        frames.append((group, events.message_frame(message, role="system")))
        frames.append(
            (
                group,
                events.breach_event_frame(breach, limit=limits[breach.order_id], deadline=rearmed),
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
    `sessions.compensate_breaches` task; the retry pass runs once, at the end. Several
    runs at once are harmless."""
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
    total.retried += breaches_compensation_retry()
    return total


# --- Compensation (outside any transaction) --------------------------------------------------


_MICROSECOND = timedelta(microseconds=1)


def termination_refund_fen(*, order: Order) -> int:
    """Pro-rata price of the time left unused when the session was terminated:
    `price * unused // bought`, in integers only — both times in whole microseconds (the
    resolution of the stored timestamps), the product rounded down to a whole fen, the
    unused time capped at the time bought. No float ever touches the amount."""
    bought_us = order.minutes * 60 * 1_000_000
    if not order.ended_at or bought_us <= 0:
        return 0
    unused_us = max(0, (order.ends_at - order.ended_at) // _MICROSECOND)
    return min(order.price_fen, order.price_fen * min(unused_us, bought_us) // bought_us)


def _refund(*, order_id: int, amount_fen: int, cause: str, source: str, reason: str) -> bool:
    """Refund `amount_fen`, capped at what is left in escrow, once per `source`. True when
    settled: the refund is reserved (now or before) or nothing is due (not paid through
    us, escrow empty). False when it was not reserved for another reason: the caller must
    not count the breach as compensated (the retry pass tries again).

    What is left is read without the order's lock, so another refund can land before
    `refund_reserve` checks it under the lock and refuses (`refund_exceeds_escrow`): then
    what is left is read again and the refund retried once with that (smaller) amount —
    or, if nothing is left, it is settled with nothing due."""
    if Refund.objects.filter(idempotency_source=source).exists():
        return True
    if not Payment.objects.filter(order_id=order_id, status=Payment.Status.SUCCEEDED).exists():
        return True  # nothing was paid through us: nothing to refund
    for attempt in (1, 2):
        amount = min(amount_fen, escrow_available_fen(order_id=order_id))
        if amount <= 0:
            return True  # escrow is empty: nothing more is owed from it
        try:
            refund_issue(
                order_id=order_id,
                amount_fen=amount,
                reason=reason,
                cause=cause,
                idempotency_source=source,
            )
        except RefundRefused as exc:
            if exc.code == "not_paid":
                return True
            if exc.code == "refund_exceeds_escrow" and attempt == 1:
                logger.info("refund %s for order %s: escrow shrank, retrying", source, order_id)
                continue
            logger.warning("refund %s for order %s not issued: %s", source, order_id, exc)
            return False
        except InvalidAmount as exc:
            logger.warning("refund %s for order %s not issued: %s", source, order_id, exc)
            return False
        return True
    return False


def breach_compensate(*, breach_id: int, now: datetime | None = None) -> bool:
    """Issue the refunds one breach grants; once. Call outside a transaction (each refund
    row commits before Stripe is called). A Stripe outage leaves the refund pending for
    the payments reconciliation; the breach counts as compensated. A refund refused for
    any reason but "nothing is due" leaves the breach uncompensated for the retry pass.
    Returns True if this call finished it."""
    breach = Breach.objects.select_related("order").filter(pk=breach_id).first()
    if breach is None or breach.compensated_at is not None:
        return False
    from sessions.selectors.safety import compensation_deferred

    if compensation_deferred(order_id=breach.order_id):
        # A crisis escalation is open (docs/safety.md): refunds wait, the breach stays
        # uncompensated; closing it re-enqueues them and the retry pass picks them up.
        return False
    order = breach.order
    settled = True
    if breach.refund_fen > 0:
        settled = _refund(
            order_id=order.pk,
            amount_fen=breach.refund_fen,
            cause=Refund.Cause.BREACH,
            source=f"breach:{breach.pk}",
            reason=f"missed reply window (deadline {breach.deadline.isoformat()})",
        )
    if breach.terminated:
        order.refresh_from_db()
        settled = (
            _refund(
                order_id=order.pk,
                amount_fen=termination_refund_fen(order=order),
                cause=Refund.Cause.TERMINATION,
                source=f"termination:{order.pk}",
                reason="session terminated after consecutive missed replies: unused time",
            )
            and settled
        )
    if not settled:
        return False  # a refund was not reserved: left for the retry pass
    done = Breach.objects.filter(pk=breach.pk, compensated_at__isnull=True).update(
        compensated_at=now or timezone.now()
    )
    return bool(done)


def breaches_compensation_retry(*, now: datetime | None = None, limit: int = 100) -> int:
    """Compensate breaches recorded a while ago whose refunds were never issued (a worker
    killed between the commit and the refund). Breaches of orders with an open crisis
    escalation are left out of the batch (their refunds wait for it to close, and they
    must not fill the `limit` and starve the others). Returns how many it finished."""
    now = now or timezone.now()
    escalation_open = Escalation.objects.filter(
        order_id=OuterRef("order_id"), state=Escalation.State.OPEN
    )
    ids = list(
        Breach.objects.filter(
            compensated_at__isnull=True,
            recorded_at__lte=now - timedelta(seconds=COMPENSATION_RETRY_SECONDS),
        )
        .filter(~Exists(escalation_open))
        .order_by("recorded_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(breach_compensate(breach_id=breach_id) for breach_id in ids)


# --- Registration ----------------------------------------------------------------------------


def register() -> None:
    """Plug the clock into the message pipeline, the session's end and resync (once)."""
    if step_reply_clock not in MESSAGE_STEPS:
        MESSAGE_STEPS.append(step_reply_clock)
    if step_stop_clocks not in lifecycle.SESSION_END_STEPS:
        lifecycle.SESSION_END_STEPS.append(step_stop_clocks)
    if clock_frames_for_sync not in SYNC_FRAMES:
        SYNC_FRAMES.append(clock_frames_for_sync)


register()
