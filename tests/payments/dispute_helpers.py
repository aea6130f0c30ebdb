"""Helpers for dispute tests: genuinely paid, finished orders and snapshots of what a
refused step must leave unchanged."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from payments.disputes.models import Dispute, DisputeAuditEntry, Notification
from payments.models import Entry, LedgerTransaction, Refund, SettlementHold
from sessions.models import Order
from sessions.services.transitions import order_transition
from tests.payments.helpers import order_paid
from tests.sessions.factories import OrderFactory


def finished_order(
    *, hours_ago: float = 1, to: str = Order.State.COMPLETED, **factory_kwargs
) -> Order:
    """A paid order that ran and ended `hours_ago` (price held in escrow)."""
    order = order_paid(OrderFactory(**factory_kwargs))
    order_transition(order_id=order.pk, to=Order.State.ACCEPTED)
    order_transition(order_id=order.pk, to=Order.State.ACTIVE)
    order_transition(order_id=order.pk, to=to, now=timezone.now() - timedelta(hours=hours_ago))
    order.refresh_from_db()
    return order


def money_snapshot() -> dict:
    """Everything a refused dispute step must not change."""
    return {
        "transactions": LedgerTransaction.objects.count(),
        "entries": Entry.objects.count(),
        "refunds": list(Refund.objects.values_list("id", "status", "amount_fen")),
        "holds": list(SettlementHold.objects.values_list("id", "lifted_at")),
        "disputes": list(
            Dispute.objects.values_list("id", "state", "outcome", "amount_fen", "refund_id")
        ),
        "orders": list(Order.objects.values_list("id", "state")),
        "notifications": Notification.objects.count(),
    }


def audit_actions(dispute: Dispute) -> list[str]:
    return list(
        DisputeAuditEntry.objects.filter(dispute=dispute)
        .order_by("id")
        .values_list("action", flat=True)
    )
