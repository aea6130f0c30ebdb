"""Turns usage figures into what the pages show: ¥ amounts, hours, SVG charts."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from care.charts import Bar, bar_chart_svg
from care.selectors import Usage
from listeners.pricing import night_window_for
from payments.models import ClientLimit
from payments.money import yuan
from payments.services.limits import LimitView, week_start


def hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}"


def _charts(buckets, *, label_format: str, current: datetime, what: str) -> dict:
    spend = [
        Bar(
            b.start.strftime(label_format), b.spend_fen, f"¥{yuan(b.spend_fen)}", b.start == current
        )
        for b in buckets
    ]
    time = [
        Bar(
            b.start.strftime(label_format),
            b.minutes,
            _("%(h)s h") % {"h": hours(b.minutes)},
            b.start == current,
        )
        for b in buckets
    ]
    return {
        "spend_svg": bar_chart_svg(
            bars=spend, title=_("Spend per %(what)s") % {"what": what}, css_class="spend"
        ),
        "hours_svg": bar_chart_svg(
            bars=time, title=_("Chat hours per %(what)s") % {"what": what}, css_class="hours"
        ),
    }


def night_window_text() -> str:
    """The platform's night window as shown, e.g. "23:00-07:00"."""
    start, end = night_window_for(None)
    return f"{start:%H:%M}-{end:%H:%M}"


def usage_context(usage: Usage, *, now: datetime) -> dict:
    local_now = timezone.localtime(now)
    this_month = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    budget = usage.budget
    return {
        "usage": usage,
        "night_window": night_window_text(),
        "months": [
            {
                "start": b.start,
                "spend": yuan(b.spend_fen),
                "hours": hours(b.minutes),
                "night_hours": hours(b.night_minutes),
            }
            for b in usage.months
        ],
        "month_charts": _charts(
            usage.months, label_format="%Y-%m", current=this_month, what=_("month")
        ),
        "week_charts": _charts(
            usage.weeks, label_format="%m/%d", current=week_start(now), what=_("week")
        ),
        "total_spend": yuan(usage.spend_fen),
        "total_hours": hours(usage.minutes),
        "night_hours": hours(usage.night_minutes),
        "listeners": [(use, hours(use.minutes)) for use in usage.listeners],
        "budget_cap": None if budget.cap_fen is None else yuan(budget.cap_fen),
        "budget_spent": yuan(budget.spent_fen),
        "budget_left": None if budget.left_fen is None else yuan(budget.left_fen),
    }


def usage_json(usage: Usage) -> dict:
    def bucket(b) -> dict:
        return {
            "start": b.start.isoformat(),
            "spend_fen": b.spend_fen,
            "minutes": b.minutes,
            "night_minutes": b.night_minutes,
        }

    return {
        "since": usage.since.isoformat(),
        "months": [bucket(b) for b in usage.months],
        "weeks": [bucket(b) for b in usage.weeks],
        "spend_fen": usage.spend_fen,
        "minutes": usage.minutes,
        "night_minutes": usage.night_minutes,
        "night_percent": usage.night_percent,
        "listeners": [
            {
                "listener": u.listener_id,
                "name": u.name,
                "sessions": u.sessions,
                "minutes": u.minutes,
            }
            for u in usage.listeners
        ],
        "budget": {
            "cap_fen": usage.budget.cap_fen,
            "spent_fen": usage.budget.spent_fen,
            "left_fen": usage.budget.left_fen,
            "percent": usage.budget_percent,
        },
    }


def _limit_text(kind: str, minutes: int | None) -> str:
    if minutes is None:
        return _("No limit")
    if kind == ClientLimit.Kind.SESSION_MINUTES:
        return _("%(m)s minutes") % {"m": minutes}
    return _("%(h)s hours") % {"h": f"{minutes / 60:g}"}


def limit_rows(limits: dict[str, LimitView]) -> list[dict]:
    labels = dict(ClientLimit.Kind.choices)
    rows = []
    for kind in ClientLimit.Kind.values:
        view = limits[kind]
        value = view.minutes
        rows.append(
            {
                "kind": kind,
                "label": labels[kind],
                "current": _limit_text(kind, value),
                "input": ""
                if value is None
                else str(value)
                if kind == ClientLimit.Kind.SESSION_MINUTES
                else f"{value / 60:g}",
                "pending": None
                if not view.has_pending
                else _limit_text(kind, None if view.pending_remove else view.pending_minutes),
                "pending_at": view.pending_effective_at,
                "unit": _("minutes") if kind == ClientLimit.Kind.SESSION_MINUTES else _("hours"),
            }
        )
    return rows


def limits_json(limits: dict[str, LimitView]) -> dict:
    return {
        kind: {
            "minutes": view.minutes,
            "pending_minutes": view.pending_minutes,
            "pending_remove": view.pending_remove,
            "pending_effective_at": view.pending_effective_at.isoformat()
            if view.pending_effective_at
            else None,
        }
        for kind, view in limits.items()
    }
