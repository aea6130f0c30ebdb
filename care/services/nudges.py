"""Nudges: rare, kind notes about what we saw, never a block.

`nudge_for_page` runs when a client opens a booking page or the page of a session that has
ended. It evaluates the rules of `settings.CARE_NUDGES` in a fixed order and shows the first
that fires, unless the client muted that rule or already saw it in this period: the unique
constraint (client, rule, period) makes "at most once per period" hold across web nodes.
The row records what was seen; `nudge_choose` records the answer.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import CareProfile, Nudge, NudgeMute
from care.selectors import session_span
from listeners.pricing import night_window_for
from marketplace.exceptions import DomainError, NotFound
from payments.money import yuan
from payments.services.budget import budget_for_client
from payments.services.limits import week_start
from sessions.selectors.orders import client_sessions_since

Rule = Nudge.Rule


def month_period(now: datetime) -> str:
    return timezone.localtime(now).strftime("%Y-%m")


def week_period(now: datetime) -> str:
    year, week, _day = timezone.localtime(now).isocalendar()
    return f"{year}-W{week:02d}"


def nights_touched(start: datetime, end: datetime) -> set[date]:
    """The nights a span of time touches, each named by the date on which it begins."""
    night_start, night_end = night_window_for(None)
    if night_start == night_end or end <= start:
        return set()
    tz = timezone.get_current_timezone()
    nights: set[date] = set()
    day = timezone.localtime(start, tz).date() - timedelta(days=1)
    while True:
        opens = datetime.combine(day, night_start, tzinfo=tz)
        if opens >= end:
            return nights
        closes_day = day + timedelta(days=1) if night_end <= night_start else day
        if min(end, datetime.combine(closes_day, night_end, tzinfo=tz)) > max(start, opens):
            nights.add(day)
        day += timedelta(days=1)


def _last_night(now: datetime) -> date:
    local = timezone.localtime(now)
    night_start, _end = night_window_for(None)
    return local.date() if local.time() >= night_start else local.date() - timedelta(days=1)


def _minutes(start: datetime, end: datetime) -> int:
    return round((end - start).total_seconds() / 60)


def _rules_seen(*, client, now: datetime) -> list[tuple[str, str, dict]]:
    """Every enabled rule that fires now: (rule, period, figures seen)."""
    config = settings.CARE_NUDGES
    fired: list[tuple[str, str, dict]] = []
    budget = budget_for_client(client=client, now=now)

    rule = config["budget_used"]
    if rule["enabled"] and budget.cap_fen:
        percent = 100 * budget.spent_fen // budget.cap_fen
        if percent >= rule["percent"]:
            fired.append(
                (
                    Rule.BUDGET_USED,
                    month_period(now),
                    {"percent": percent, "cap_fen": budget.cap_fen, "spent_fen": budget.spent_fen},
                )
            )

    rule = config["income_share"]
    profile = CareProfile.objects.filter(client=client).first()
    if rule["enabled"] and profile and profile.monthly_income_fen:
        percent = 100 * budget.spent_fen // profile.monthly_income_fen
        if percent >= rule["percent"]:
            fired.append(
                (
                    Rule.INCOME_SHARE,
                    month_period(now),
                    {
                        "percent": percent,
                        "spent_fen": budget.spent_fen,
                        "income_fen": profile.monthly_income_fen,
                    },
                )
            )

    nights_rule, hours_rule = config["nights_in_row"], config["hours_above_usual"]
    this_week = week_start(now)
    since = min(
        now - timedelta(days=nights_rule["nights"] + 1),
        this_week - timedelta(days=7 * hours_rule["weeks"]),
    )
    spans = [
        session_span(row, now) for row in client_sessions_since(client_id=client.pk, since=since)
    ]

    if nights_rule["enabled"]:
        nights: set[date] = set()
        for start, end in spans:
            nights |= nights_touched(start, end)
        last = _last_night(now)
        wanted = [last - timedelta(days=n) for n in range(nights_rule["nights"])]
        if all(night in nights for night in wanted):
            fired.append((Rule.NIGHTS_IN_ROW, week_period(now), {"nights": len(wanted)}))

    if hours_rule["enabled"]:
        weeks = hours_rule["weeks"]
        week_minutes: dict[datetime, int] = {}
        for start, end in spans:
            key = week_start(start)
            week_minutes[key] = week_minutes.get(key, 0) + _minutes(start, end)
        current = week_minutes.get(this_week, 0)
        before = [
            week_minutes.get(week_start(this_week - timedelta(days=7 * n)), 0)
            for n in range(1, weeks + 1)
        ]
        usual = sum(before) / weeks
        enough_history = sum(1 for minutes in before if minutes) >= max(weeks // 2, 1)
        if (
            enough_history
            and current >= hours_rule["min_hours"] * 60
            and current * 100 >= hours_rule["percent"] * usual
        ):
            fired.append(
                (
                    Rule.HOURS_ABOVE_USUAL,
                    week_period(now),
                    {"minutes": current, "usual_minutes": round(usual)},
                )
            )
    return fired


def nudge_for_page(*, client, place: str, now: datetime | None = None) -> Nudge | None:
    """The nudge to show on this page now, recorded as shown; None most of the time."""
    now = now or timezone.now()
    fired = _rules_seen(client=client, now=now)
    if not fired:
        return None
    muted = set(NudgeMute.objects.filter(client=client).values_list("rule", flat=True))
    shown = set(
        Nudge.objects.filter(
            client=client, period__in={period for _rule, period, _seen in fired}
        ).values_list("rule", "period")
    )
    for rule, period, seen in fired:
        if rule in muted or (rule, period) in shown:
            continue
        try:
            with transaction.atomic():
                return Nudge.objects.create(
                    client=client, rule=rule, period=period, place=place, seen=seen, shown_at=now
                )
        except IntegrityError:
            continue  # another tab showed it a moment ago: once is enough
    return None


def nudge_choose(*, client, nudge_id, choice: str, now: datetime | None = None) -> Nudge:
    """Record what the client chose on a card ("mute": never show this rule again)."""
    now = now or timezone.now()
    if choice not in Nudge.Choice.values:
        raise DomainError(_("Choose one of the options."), code="choice_invalid")
    try:
        nudge_id = int(nudge_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such note.")) from None
    with transaction.atomic():
        nudge = Nudge.objects.select_for_update().filter(pk=nudge_id, client=client).first()
        if nudge is None:
            raise NotFound(_("No such note."))
        nudge.choice = choice
        nudge.chosen_at = now
        nudge.save(update_fields=["choice", "chosen_at"])
        if choice == Nudge.Choice.MUTE:
            NudgeMute.objects.get_or_create(client=client, rule=nudge.rule)
    return nudge


def nudge_text(nudge: Nudge) -> str:
    """What was seen, in plain words (in the active language)."""
    seen = nudge.seen
    if nudge.rule == Rule.BUDGET_USED:
        return _(
            "You have used %(percent)s%% of your monthly budget this month (¥%(spent)s of "
            "¥%(cap)s)."
        ) % {
            "percent": seen["percent"],
            "spent": yuan(seen["spent_fen"]),
            "cap": yuan(seen["cap_fen"]),
        }
    if nudge.rule == Rule.INCOME_SHARE:
        return _(
            "This month you have spent ¥%(spent)s here, about %(percent)s%% of the monthly "
            "income you told us (¥%(income)s)."
        ) % {
            "spent": yuan(seen["spent_fen"]),
            "percent": seen["percent"],
            "income": yuan(seen["income_fen"]),
        }
    if nudge.rule == Rule.NIGHTS_IN_ROW:
        start, end = night_window_for(None)
        return _(
            "You have chatted late at night (%(start)s-%(end)s) on %(nights)s nights in a row."
        ) % {
            "nights": seen["nights"],
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
        }
    return _(
        "You have chatted for %(hours)s hours this week; your usual is about %(usual)s hours "
        "a week."
    ) % {
        "hours": f"{seen['minutes'] / 60:.1f}",
        "usual": f"{seen['usual_minutes'] / 60:.1f}",
    }
