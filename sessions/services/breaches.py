"""The breach rule, once (docs/reply-clock.md): from a clock's deadline, the order's
contract terms and history, the outages and `now`, which breaches are to be recorded.

Pure: no query, no write. `clocks.deadlines_record` (one clock, under its order's lock)
and the watcher's sweep (a batch, set based) both plan with `breaches_plan` and then write
what it planned, each in its own way. The rule: one breach per deadline that passed
before `now` and before the session's end, one window apart; a deadline inside an outage
is excused (no refund, the streak unchanged); each charged miss refunds the tier's percent
of the price within the cap; the miss that brings the streak to the limit ends the
session (unless the session is ending anyway), and nothing is owed after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from marketplace.models import Outage
from marketplace.outages import outage_covering


class ClockTerms(Protocol):
    """What the planner reads of a clock (a ReplyClock, or the watcher's row of one)."""

    @property
    def pk(self) -> int: ...
    @property
    def deadline(self) -> datetime: ...
    @property
    def window_seconds(self) -> int: ...


class OrderTerms(Protocol):
    """What the planner reads of an order (an Order, or the watcher's row of one)."""

    @property
    def pk(self) -> int: ...
    @property
    def listener_id(self) -> int: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def price_fen(self) -> int: ...
    @property
    def breach_refund_percent(self) -> int: ...
    @property
    def breach_refund_cap_percent(self) -> int: ...
    @property
    def breach_termination_count(self) -> int: ...


def breach_refund_next_fen(*, order: OrderTerms, granted: int) -> int:
    """The refund a breach grants when `granted` fen were granted before it: the percent
    of the price, within the cap."""
    per_breach = order.price_fen * order.breach_refund_percent // 100
    cap = order.price_fen * order.breach_refund_cap_percent // 100
    return max(0, min(per_breach, cap - granted))


@dataclass(slots=True)
class PlannedBreach:
    """A breach to record: the fields of a `Breach` row (and its frame). `pk` is set once
    the row is written."""

    clock_id: int
    order_id: int
    listener_id: int
    deadline: datetime
    recorded_at: datetime
    streak: int
    refund_fen: int
    terminated: bool
    excused_by_id: int | None = None  # the outage the deadline fell in (no refund, no count)
    excused_cause: str | None = None
    pk: int | None = None


def breaches_plan(
    *,
    clock: ClockTerms,
    order: OrderTerms,
    now: datetime,
    streak: int,
    granted: int,
    outages: list[Outage],
    may_terminate: bool = True,
) -> list[PlannedBreach]:
    """The breaches of `clock` due by `now`, given the order's consecutive misses so far
    (`streak`) and the refunds granted so far (`granted`). With `may_terminate` false (the
    session is ending anyway) the miss at the limit is recorded without ending it."""
    planned: list[PlannedBreach] = []
    limit = order.breach_termination_count
    deadline = clock.deadline
    window = timedelta(seconds=clock.window_seconds)
    while deadline < now and deadline < order.ends_at:
        outage = outage_covering(deadline, outages)
        if outage is None:
            streak += 1
        if streak > limit:
            break  # the limit was reached: the session ends there, nothing more is owed
        refund = 0 if outage else breach_refund_next_fen(order=order, granted=granted)
        granted += refund
        breach = PlannedBreach(
            clock_id=clock.pk,
            order_id=order.pk,
            listener_id=order.listener_id,
            deadline=deadline,
            recorded_at=now,
            streak=streak,
            refund_fen=refund,
            terminated=outage is None and may_terminate and streak >= limit,
            excused_by_id=outage.pk if outage else None,
            excused_cause=outage.cause if outage else None,
        )
        planned.append(breach)
        if breach.terminated:
            break
        deadline += window
    return planned
