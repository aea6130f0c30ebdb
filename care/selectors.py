"""Reads of client care: the client's usage (spend from the ledger, hours from the sessions,
never from stored counters), and the staff's aggregate view.

`usage_for_client` costs a constant number of queries whatever the history: one grouped
ledger query, one sessions query and the budget's own reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from care.models import Nudge
from marketplace.models import SelfExclusion, User
from payments.models import Dispute
from payments.selectors import client_spend_by_day
from payments.services.budget import BudgetView, budget_for_client, month_start
from payments.services.limits import night_minutes_between, week_start
from sessions.models import Escalation
from sessions.selectors.orders import client_sessions_since

USAGE_MONTHS = 6


@dataclass(frozen=True)
class Bucket:
    start: datetime  # local start of the week or month
    spend_fen: int
    minutes: int
    night_minutes: int


@dataclass(frozen=True)
class ListenerUse:
    listener_id: int
    name: str
    sessions: int
    minutes: int


@dataclass(frozen=True)
class Usage:
    since: datetime
    weeks: list[Bucket]
    months: list[Bucket]
    listeners: list[ListenerUse]
    budget: BudgetView

    @property
    def spend_fen(self) -> int:
        return sum(b.spend_fen for b in self.months)

    @property
    def minutes(self) -> int:
        return sum(b.minutes for b in self.months)

    @property
    def night_minutes(self) -> int:
        return sum(b.night_minutes for b in self.months)

    @property
    def night_percent(self) -> int | None:
        return round(100 * self.night_minutes / self.minutes) if self.minutes else None

    @property
    def budget_percent(self) -> int | None:
        cap = self.budget.cap_fen
        if not cap:
            return None
        return round(100 * self.budget.spent_fen / cap)


def _months_back(start: datetime, count: int) -> datetime:
    year, month = start.year, start.month - count
    while month < 1:
        year, month = year - 1, month + 12
    return start.replace(year=year, month=month)


def _next_month(start: datetime) -> datetime:
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


def session_span(row: dict, now: datetime) -> tuple[datetime, datetime]:
    """When a session was live: from activation to its end (or now / its planned end)."""
    start = row["activated_at"]
    end = row["ended_at"] or min(now, row["ends_at"])
    return start, max(end, start)


def _minutes(start: datetime, end: datetime) -> int:
    return round((end - start).total_seconds() / 60)


def usage_for_client(*, client, now: datetime | None = None) -> Usage:
    now = now or timezone.now()
    this_month = month_start(now)
    since = _months_back(this_month, USAGE_MONTHS - 1)
    spend_by_day: dict[date, int] = client_spend_by_day(client_id=client.pk, since=since)
    sessions = client_sessions_since(client_id=client.pk, since=since)

    month_starts = [_months_back(this_month, n) for n in range(USAGE_MONTHS - 1, -1, -1)]
    first_week = week_start(since)
    week_starts = []
    cursor = first_week
    while cursor <= now:
        week_starts.append(cursor)
        cursor = timezone.localtime(cursor + timedelta(days=7))

    def month_key(moment: datetime) -> datetime:
        return month_start(moment)

    spend_m = dict.fromkeys(month_starts, 0)
    spend_w = dict.fromkeys(week_starts, 0)
    tz = timezone.get_current_timezone()
    for day, total in spend_by_day.items():
        moment = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        spend_m[month_key(moment)] = spend_m.get(month_key(moment), 0) + total
        spend_w[week_start(moment)] = spend_w.get(week_start(moment), 0) + total

    mins_m = dict.fromkeys(month_starts, 0)
    night_m = dict.fromkeys(month_starts, 0)
    mins_w = dict.fromkeys(week_starts, 0)
    night_w = dict.fromkeys(week_starts, 0)
    per_listener: dict[int, list] = {}
    for row in sessions:
        start, end = session_span(row, now)
        minutes, night = _minutes(start, end), night_minutes_between(start, end)
        m, w = month_key(start), week_start(start)
        mins_m[m] = mins_m.get(m, 0) + minutes
        night_m[m] = night_m.get(m, 0) + night
        mins_w[w] = mins_w.get(w, 0) + minutes
        night_w[w] = night_w.get(w, 0) + night
        entry = per_listener.setdefault(row["listener_id"], [row["listener__display_name"], 0, 0])
        entry[1] += 1
        entry[2] += minutes

    return Usage(
        since=since,
        months=[Bucket(m, spend_m[m], mins_m[m], night_m[m]) for m in month_starts],
        weeks=[Bucket(w, spend_w[w], mins_w[w], night_w[w]) for w in week_starts],
        listeners=sorted(
            (
                ListenerUse(pk, name, count, minutes)
                for pk, (name, count, minutes) in per_listener.items()
            ),
            key=lambda use: (-use.minutes, use.name),
        ),
        budget=budget_for_client(client=client, now=now),
    )


# --- The client's own nudge history ---------------------------------------------------------


def nudges_for_client(*, client_id: int, limit: int = 50) -> list[Nudge]:
    return list(Nudge.objects.filter(client_id=client_id)[:limit])


# --- Staff: aggregates first; one client's summary only with a reason ------------------------


@dataclass(frozen=True)
class RuleCount:
    rule: str
    label: str
    clients: int
    choices: dict[str, int]

    @property
    def counts(self) -> list[int]:
        """Shown per choice, in `Nudge.Choice` order, then those not answered."""
        return [self.choices.get(choice, 0) for choice in [*Nudge.Choice.values, "none"]]


def staff_rule_counts(*, now: datetime | None = None) -> tuple[datetime, list[RuleCount]]:
    """How many clients crossed each nudge rule this week, and what was chosen: counts only,
    never who."""
    now = now or timezone.now()
    since = week_start(now)
    rows = (
        Nudge.objects.filter(shown_at__gte=since)
        .values("rule", "choice")
        .annotate(clients=Count("client_id", distinct=True), shown=Count("id"))
        .order_by()
    )
    clients: dict[str, int] = {}
    choices: dict[str, dict[str, int]] = {}
    for row in rows:
        clients[row["rule"]] = clients.get(row["rule"], 0) + row["clients"]
        choice = row["choice"] or "none"
        choices.setdefault(row["rule"], {})[choice] = row["shown"]
    return since, [
        RuleCount(rule, label, clients.get(rule, 0), choices.get(rule, {}))
        for rule, label in Nudge.Rule.choices
    ]


def staff_paused_count(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return (
        SelfExclusion.objects.filter(starts_at__lte=now, ends_at__gt=now)
        .values("user_id")
        .distinct()
        .count()
    )


def clients_with_reason(*, limit: int = 100) -> list[dict]:
    """Clients whose usage summary staff may open: an open safety escalation or an open
    dispute on one of their orders. Id and masked phone only."""
    reason = Q(
        pk__in=Escalation.objects.filter(state=Escalation.State.OPEN).values("order__client_id")
    ) | Q(pk__in=Dispute.objects.exclude(state=Dispute.State.RESOLVED).values("order__client_id"))
    return [
        {"id": user.pk, "name": str(user)}
        for user in User.objects.filter(reason).order_by("pk")[:limit]
    ]


def access_client_usage_for_staff(*, staff_user, client_id) -> object | None:
    """The client if `staff_user` is staff and the client has an open escalation or dispute;
    None otherwise (the edge answers 404)."""
    if not staff_user.is_staff:
        return None
    try:
        client_id = int(client_id)
    except (TypeError, ValueError):
        return None
    has_reason = (
        Escalation.objects.filter(order__client_id=client_id, state=Escalation.State.OPEN).exists()
        or Dispute.objects.filter(order__client_id=client_id)
        .exclude(state=Dispute.State.RESOLVED)
        .exists()
    )
    if not has_reason:
        return None
    return User.objects.filter(pk=client_id).first()
