"""Who earns an order's listener share: the order's payees and the split at settlement.

An order has one payee per listener who served it, each from a moment on (`OrderPayee`):
the first from the session's start, the next from when the order's side hands the chat
to them. Each row carries the team share in force for that listener then (a team id and
a percent). Payments takes these ids, moments and percents as given; it does not know why
the payee changed.

At release the listener share (what is left after the platform's commission) is split by
the time each payee served, to the second: payee i from max(since_i, start) to the next
payee's `since` (the last one to the session's end). Shares round down; the rounding
remainder goes to the payee who served last with any time, so the parts always add up.
Of each payee's part, the team's percent (rounded down) goes to the team's payable.
An order without payee rows pays its listener, with the team share of the team they are
in at release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from listeners.models import TeamMembership
from payments.models import OrderPayee


@dataclass(frozen=True)
class Payee:
    listener_id: int
    since: datetime
    team_id: int | None = None
    team_percent: int = 0


@dataclass(frozen=True)
class PayeeShare:
    listener_id: int
    team_id: int | None
    seconds: int
    listener_fen: int
    team_fen: int


def order_payee_add(
    *,
    order_id: int,
    listener_id: int,
    since: datetime,
    team_id: int | None = None,
    team_percent: int = 0,
) -> OrderPayee:
    """Record that `listener_id` earns the order's listener share from `since` on. The
    caller holds the order's row lock. Recording the same moment twice returns the row."""
    if team_id is None:
        team_percent = 0
    if not 0 <= team_percent <= 100:
        raise ValueError("team_percent is a percent")
    try:
        with transaction.atomic():
            return OrderPayee.objects.create(
                order_id=order_id,
                listener_id=listener_id,
                since=since,
                team_id=team_id,
                team_percent=team_percent,
            )
    except IntegrityError:
        return OrderPayee.objects.get(order_id=order_id, since=since)


def listener_team_terms(*, listener_id: int) -> tuple[int | None, int]:
    """(team id, team percent) of the team the listener is in now, else (None, 0)."""
    row = (
        TeamMembership.objects.filter(listener_id=listener_id)
        .values_list("team_id", "team__commission_percent")
        .first()
    )
    return (row[0], row[1]) if row else (None, 0)


def order_payees(*, order_id: int, listener_id: int, start: datetime) -> list[Payee]:
    """The order's payees in order of `since` (or its listener alone, if none recorded)."""
    rows = [
        Payee(r.listener_id, r.since, r.team_id, r.team_percent)
        for r in OrderPayee.objects.filter(order_id=order_id).order_by("since", "id")
    ]
    if rows:
        return rows
    team_id, percent = listener_team_terms(listener_id=listener_id)
    return [Payee(listener_id, start, team_id, percent)]


def payees_split(
    *, share_fen: int, payees: list[Payee], start: datetime, end: datetime
) -> list[PayeeShare]:
    """Split `share_fen` between `payees` by the seconds each served in [start, end]."""
    if not payees:
        raise ValueError("an order has at least one payee")
    served = []
    for index, payee in enumerate(payees):
        since = max(payee.since, start)
        until = payees[index + 1].since if index + 1 < len(payees) else end
        until = min(until, end)
        served.append(max(int((until - since).total_seconds()), 0))
    total = sum(served)
    if total == 0:  # nothing measurable served: whoever held the order at the end
        served = [0] * (len(payees) - 1) + [1]
        total = 1
    parts = [share_fen * seconds // total for seconds in served]
    last = max(i for i, seconds in enumerate(served) if seconds > 0)
    parts[last] += share_fen - sum(parts)
    shares = []
    for payee, seconds, part in zip(payees, served, parts, strict=True):
        team_fen = part * payee.team_percent // 100 if payee.team_id else 0
        shares.append(
            PayeeShare(payee.listener_id, payee.team_id, seconds, part - team_fen, team_fen)
        )
    return shares
