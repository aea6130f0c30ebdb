"""Reads of weekly and monthly plans: each day's status, for the plan's calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from listeners.pricing import WALL_CLOCK
from sessions.models import Message, Order, Plan

# `end_reason` of a day the listener missed (written by `lifecycle.session_complete`).
PLAN_DAY_MISSED_REASON = "plan day missed: the listener did not write"

DAY_STATUS_LABELS = {
    "awaiting": _("Awaiting the listener"),
    "to_come": _("To come"),
    "live": _("Live now"),
    "delivered": _("Delivered"),
    "ended_early": _("Ended early"),
    "missed": _("Missed, refunded"),
    "not_accepted": _("Not accepted, refunded"),
    "cancelled": _("Cancelled, refunded"),
}


@dataclass(frozen=True)
class PlanDay:
    day: date
    order: Order
    status: str

    @property
    def label(self) -> str:
        return str(DAY_STATUS_LABELS[self.status])


def plan_day_missed(*, order: Order) -> bool:
    """True when a plan day's listener wrote nothing in its chat: the day was not delivered."""
    return (
        order.kind == Order.Kind.PLAN
        and not Message.objects.filter(order_id=order.pk, sender_id=order.listener.user_id).exists()
    )


# An order's state -> its day's status (a missed day is read from its end reason).
_STATUS_OF_STATE: dict[str, str] = {
    Order.State.PAID: "awaiting",
    Order.State.ACCEPTED: "to_come",
    Order.State.ACTIVE: "live",
    Order.State.COMPLETED: "delivered",
    Order.State.SETTLED: "delivered",
    Order.State.TERMINATED: "ended_early",
    Order.State.DECLINED: "not_accepted",
    Order.State.EXPIRED: "not_accepted",
    Order.State.CANCELLED: "cancelled",
}


def _status(order: Order) -> str:
    if order.end_reason == PLAN_DAY_MISSED_REASON:
        return "missed"
    return _STATUS_OF_STATE[order.state]


def plan_calendar(*, plan: Plan) -> list[PlanDay]:
    """Every day of the plan with what became of it, first day first (one query)."""
    return [
        PlanDay(
            day=order.starts_at.astimezone(WALL_CLOCK).date(), order=order, status=_status(order)
        )
        for order in plan.day_orders.order_by("starts_at")
    ]


def plans_for_user(*, user) -> list[Plan]:
    """The user's plans as client or as listener, newest first."""
    return list(
        Plan.objects.filter(Q(client=user) | Q(listener__user=user))
        .select_related("listener", "client", "tier")
        .order_by("-created_at", "-id")[:50]
    )
