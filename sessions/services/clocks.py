"""The reply clock: open, close, miss (docs/reply-clock.md).

Rules, each enforced here and nowhere else:

- The first unanswered client message of an active session opens a clock with
  `deadline = sent_at + reply_window` (or the end of a running agreed pause + window);
  further client messages before a reply open nothing. The listener's next message closes
  it and records the latency (server time, minus time spent in agreed pauses).
- The outcome of a deadline depends on timestamps only, never on who looks first: a
  deadline is missed iff it passed (strictly) before the reply, before the session ended
  and while the session ran. Whoever notices first — the watcher, a late reply, an agreed
  pause, the session's end — records the breach through `deadlines_record`, under the
  order's row lock, and the unique (clock, deadline) constraint makes it exactly-once.
- A missed deadline re-arms the clock one window later: a listener who stays silent misses
  one deadline per window. A reply in time ends a streak; at the order's
  `breach_termination_count` consecutive misses the session is terminated.
- Money moves after the breach row commits (`breach_compensate`, outside any transaction):
  `breach_refund_percent` of the price per breach, all breaches together capped at
  `breach_refund_cap_percent`; a termination adds a pro-rata refund of the unused time,
  capped at what is left in escrow. Refund sources "breach:<id>" / "termination:<order>"
  make each refund happen at most once; a breach whose compensation never finished is
  retried by the retry pass. The refunds live in `sessions.services.compensation`.

Lock order: everyone else takes the order row, then its clock. The watcher
(`sessions.services.watcher`) takes due clocks with SKIP LOCKED and then their orders
with SKIP LOCKED, so it never waits on a sender and can never deadlock with one; a clock
whose order is busy is left to the next sweep (or to the busy sender, which applies the
same rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from marketplace.outages import outages_around
from sessions import events
from sessions.models import Breach, Call, Message, Order, Pause, ReplyClock
from sessions.services import lifecycle  # and lifecycle imports clocks: see lifecycle
from sessions.services.breaches import breaches_plan
from sessions.services.compensation import compensation_enqueue_on_commit
from sessions.services.transcript import MessageContext, system_message_post

# Before system messages carried parameters a miss said only this (old rows keep it).
BREACH_CODE = "breach"
BREACH_TEXT = gettext_noop("The listener missed the reply window.")
BREACH_EXCUSED_CODE = "breach_excused"
BREACH_EXCUSED_TEXT = gettext_noop(
    "A reply window passed while the platform was unavailable. It does not count against "
    "the listener and costs nothing."
)
# A miss says what happens next, in each reader's language (sessions/system_texts.py).
BREACH_COUNTED_CODE = "breach_counted"
BREACH_COUNTED_TEXT = gettext_noop(
    "Missed reply %(streak)s in a row: %(left)s more and the session ends, "
    "with the time left refunded."
)
BREACH_FINAL_CODE = "breach_final"
BREACH_FINAL_TEXT = gettext_noop(
    "Missed reply %(streak)s in a row: the session ends and the time left is refunded."
)


def breach_message(*, streak: int, limit: int) -> tuple[str, str, dict[str, int]]:
    """(code, English source, params) of the system message after a miss."""
    params = {"streak": streak, "limit": limit, "left": max(0, limit - streak)}
    if streak >= limit:
        return BREACH_FINAL_CODE, BREACH_FINAL_TEXT, params
    return BREACH_COUNTED_CODE, BREACH_COUNTED_TEXT, params


END_REASON_MISSED_REPLIES = "missed_replies"


# --- Frames -----------------------------------------------------------------------------


def _announce_clock(*, order_id: int, deadline: datetime | None) -> None:
    events.send_on_commit(
        events.order_group(order_id), events.clock_frame(order_id=order_id, deadline=deadline)
    )


def clock_frames_for_sync(order: Order) -> list[events.Frame]:
    """The running `clock` of a session, for a socket that resyncs (`chat.sync_frames`)."""
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


# While a call has media the reply clock does not run (a voice conversation answers
# itself): its deadline is held this far away, and set back when the call ends
# (sessions/services/calls.py).
CALL_CLOCK_HOLD = timedelta(days=7)


def _call_holds_clock(*, order_id: int) -> bool:
    return Call.objects.filter(
        order_id=order_id, state=Call.State.CONNECTED, media_at__isnull=False
    ).exists()


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


def _granted_before(*, order: Order) -> int:
    """The breach refunds the order has granted so far (within the contract's cap)."""
    return Breach.objects.filter(order=order).aggregate(t=Sum("refund_fen"))["t"] or 0


def deadlines_record(
    *, clock: ReplyClock, order: Order, now: datetime, may_terminate: bool = True
) -> Outcome:
    """Record the breaches of `clock` that `breaches_plan` finds due by `now` (one per
    deadline that passed before `now` and the session's end), re-arming the clock one
    window after each. The caller holds the order's row lock and the clock's; `order` is
    the locked row. Saves the clock."""
    outcome = Outcome()
    if not (clock.deadline < now and clock.deadline < order.ends_at):
        return outcome  # the common case: nothing passed, no query
    planned = breaches_plan(
        clock=clock,
        order=order,
        now=now,
        streak=_streak_before(order=order),
        granted=_granted_before(order=order),
        outages=outages_around(start=clock.deadline, end=now),
        may_terminate=may_terminate,
    )
    limit = order.breach_termination_count
    window = timedelta(seconds=clock.window_seconds)
    for plan in planned:
        breach = Breach.objects.create(
            clock=clock,
            order=order,
            listener_id=plan.listener_id,
            deadline=plan.deadline,
            recorded_at=plan.recorded_at,
            streak=plan.streak,
            refund_fen=plan.refund_fen,
            terminated=plan.terminated,
            excused_by_id=plan.excused_by_id,
        )
        if plan.excused_by_id is None:
            clock.missed += 1
        clock.deadline = plan.deadline + window
        outcome.breaches.append(breach)
        if plan.excused_by_id is not None:
            code, text, params = BREACH_EXCUSED_CODE, BREACH_EXCUSED_TEXT, None
        else:
            code, text, params = breach_message(streak=plan.streak, limit=limit)
        system_message_post(order=order, code=code, text=text, params=params, now=now)
        events.send_on_commit(
            events.order_group(order.pk),
            events.breach_event_frame(
                breach,
                limit=limit,
                deadline=None if breach.terminated else clock.deadline,
                excused=plan.excused_cause,
            ),
        )
        if breach.terminated:
            outcome.terminate = True
            break
        _announce_clock(order_id=order.pk, deadline=clock.deadline)
    if outcome.breaches:
        clock.save(update_fields=["missed", "deadline"])
    return outcome


def outcome_apply(*, order: Order, outcome: Outcome, now: datetime) -> None:
    """Inside the transaction: end the session if the streak reached the limit."""
    if outcome.terminate:
        # A termination noticed late (a sweep after an outage, a late reply) ends the
        # session at the deadline of the miss that ended it, not when it was noticed.
        lifecycle.session_terminate(
            order_id=order.pk,
            reason=END_REASON_MISSED_REPLIES,
            now=now,
            ended_at=outcome.breaches[-1].deadline,
        )


def _compensate_on_commit(outcome: Outcome) -> None:
    """After commit: enqueue the refunds of breaches noticed outside the watcher. If the
    broker is down the retry pass (`sessions.retry_breach_compensation`) issues them."""
    compensation_enqueue_on_commit([breach.pk for breach in outcome.breaches])


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
    held = _call_holds_clock(order_id=order.pk)
    clock = ReplyClock.objects.create(
        order=order,
        listener_id=order.listener_id,
        opened_by=message,
        opened_at=now,
        window_seconds=order.reply_window_seconds,
        deadline=now + CALL_CLOCK_HOLD
        if held
        else start + timedelta(seconds=order.reply_window_seconds),
    )
    _clock_flag_set(order=order, value=True)
    _announce_clock(order_id=order.pk, deadline=None if held else clock.deadline)
    return clock


def _open_clock_locked(order: Order) -> ReplyClock | None:
    """The order's running clock, row-locked (clock_one_open_per_order: at most one)."""
    return (
        ReplyClock.objects.select_for_update()
        .filter(order=order, status=ReplyClock.Status.OPEN)
        .first()
    )


def clock_close(*, order: Order, message: Message, now: datetime) -> ReplyClock | None:
    """Close the running clock with the listener's message `message`. Deadlines that had
    already passed are recorded as breaches first (a late reply never undoes a breach,
    nor escapes one). The caller holds the order's row lock. Returns the closed clock."""
    clock = _open_clock_locked(order)
    if clock is None:
        return None
    outcome = deadlines_record(clock=clock, order=order, now=now)
    paused = _paused_seconds_between(order_id=order.pk, start=clock.opened_at, end=now)
    elapsed = (now - clock.opened_at).total_seconds() - paused
    clock.status = ReplyClock.Status.ANSWERED
    clock.closed_at = now
    clock.closed_by = message
    clock.latency_ms = max(0, round(elapsed * 1000))
    clock.save(update_fields=["status", "closed_at", "closed_by", "latency_ms"])
    _clock_flag_set(order=order, value=False)
    _announce_clock(order_id=order.pk, deadline=None)
    outcome_apply(order=order, outcome=outcome, now=now)
    _compensate_on_commit(outcome)
    return clock


def step_reply_clock(ctx: MessageContext) -> None:
    """A step of `chat.message_send`: a client message opens a clock, a listener message
    closes it."""
    if ctx.sender_role == "client":
        clock_open(order=ctx.order, message=ctx.message, now=ctx.now)
    else:
        clock_close(order=ctx.order, message=ctx.message, now=ctx.now)


def clocks_catch_up(*, order: Order, now: datetime) -> ReplyClock | None:
    """Record what the running clock missed up to `now` (e.g. before a pause shifts it).
    The caller holds the order's row lock. Returns the (locked) open clock, if any."""
    clock = _open_clock_locked(order)
    if clock is None:
        return None
    outcome = deadlines_record(clock=clock, order=order, now=now)
    outcome_apply(order=order, outcome=outcome, now=now)
    _compensate_on_commit(outcome)
    return clock


def step_stop_clocks(order: Order) -> None:
    """Called by `lifecycle` when the session left ACTIVE: its clock stops. Deadlines that passed
    before the end are still recorded (their outcome does not depend on who noticed)."""
    clock = _open_clock_locked(order)
    if clock is None:
        return
    ended_at = order.ended_at or timezone.now()
    outcome = deadlines_record(clock=clock, order=order, now=ended_at, may_terminate=False)
    _compensate_on_commit(outcome)
    clock.status = ReplyClock.Status.STOPPED
    clock.closed_at = ended_at
    clock.save(update_fields=["status", "closed_at"])
    _announce_clock(order_id=order.pk, deadline=None)
    _clock_flag_set(order=order, value=False)
