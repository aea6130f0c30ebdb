"""Reads of disputes: permission-checked fetches for the two parties and the staff desk,
the desk's queue, and the evidence of one dispute."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import NotFound
from marketplace.models import User
from payments.disputes.models import Dispute, DisputeAuditEntry
from payments.disputes.services import dispute_open_refusal, dispute_window_ends
from payments.models import LedgerTransaction, Refund
from payments.selectors import order_escrow_balance_fen, order_ledger, order_refunds
from payments.services.settlement import order_settlement_frozen
from sessions.models import Message, Order


def access_order_for_dispute(*, user: User, order_id: int) -> tuple[Order, str]:
    """The order and the user's role in it ("client" / "listener"); NotFound for anyone
    else, the same answer as for an order that does not exist."""
    if not user.is_authenticated:
        raise NotFound(_("No such order."))
    order = (
        Order.objects.filter(Q(client_id=user.pk) | Q(listener__user_id=user.pk), pk=order_id)
        .select_related("listener", "listener__user", "client")
        .first()
    )
    if order is None:
        raise NotFound(_("No such order."))
    return order, ("client" if order.client_id == user.pk else "listener")


def dispute_for_order(*, order_id: int) -> Dispute | None:
    return (
        Dispute.objects.filter(order_id=order_id)
        .select_related("refund", "proposed_by", "approved_by")
        .first()
    )


def dispute_refusal(*, order: Order, now: datetime | None = None) -> str | None:
    """Why the client cannot open a dispute now, or None when they can (for the page):
    the message `dispute_open` would refuse with."""
    refusal = dispute_open_refusal(order=order, now=now or timezone.now())
    return refusal.message if refusal is not None else None


def access_dispute_for_staff(*, user: User, dispute_id: int) -> Dispute:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise NotFound(_("No such dispute."))
    dispute = (
        Dispute.objects.filter(pk=dispute_id)
        .select_related(
            "order",
            "order__listener",
            "order__listener__user",
            "order__client",
            "order__tier",
            "client",
            "refund",
            "proposed_by",
            "approved_by",
        )
        .first()
    )
    if dispute is None:
        raise NotFound(_("No such dispute."))
    return dispute


def desk_queue(*, include_resolved: bool = False, limit: int = 200) -> QuerySet[Dispute]:
    """Undecided disputes, oldest first (the longest waiting at the top)."""
    qs = Dispute.objects.select_related("order", "order__listener", "client", "proposed_by")
    if not include_resolved:
        qs = qs.exclude(state=Dispute.State.RESOLVED)
    return qs.order_by("created_at", "id")[:limit]


def desk_recently_resolved(*, limit: int = 20) -> list[Dispute]:
    return list(
        Dispute.objects.filter(state=Dispute.State.RESOLVED)
        .select_related("order", "order__listener", "client")
        .order_by("-resolved_at", "-id")[:limit]
    )


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass
class ClockRow:
    """One reply clock: when the client wrote, when the reply came (or not), and the
    deadlines it missed (each with the refund the contract granted)."""

    message_seq: int
    sent_at: datetime
    deadline: datetime | None
    window_seconds: int
    status: str
    replied_at: datetime | None
    stopped_at: datetime | None
    latency_ms: int | None
    within_window: bool
    breaches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def latency_seconds(self) -> str:
        if self.latency_ms is None:
            return ""
        return f"{self.latency_ms / 1000:.1f}"

    @property
    def breached(self) -> bool:
        return bool(self.breaches)


def reply_timeline(*, order: Order) -> tuple[list[ClockRow], list[dict[str, Any]]] | None:
    """The order's reply clocks with their breaches, and its agreed pauses, from the reply
    clock's own selector. None when reply clocks are not part of this installation."""
    try:
        from sessions.selectors.clocks import order_timeline
    except ImportError:
        return None
    data = order_timeline(order=order)
    rows = [
        ClockRow(
            message_seq=entry["message_seq"],
            sent_at=_dt(entry["sent_at"]),
            deadline=_dt(entry["deadline"]),
            window_seconds=entry["window_seconds"],
            status=entry["status"],
            replied_at=_dt(entry["replied_at"]),
            stopped_at=_dt(entry["stopped_at"]),
            latency_ms=entry["latency_ms"],
            within_window=entry["within_window"],
            breaches=[
                {**breach, "deadline": _dt(breach["deadline"])} for breach in entry["breaches"]
            ],
        )
        for entry in data["entries"]
    ]
    pauses = [
        {**pause, "starts_at": _dt(pause["starts_at"]), "ends_at": _dt(pause["ends_at"])}
        for pause in data["pauses"]
    ]
    return rows, pauses


@dataclass
class Evidence:
    dispute: Dispute
    order: Order
    transcript: list[Message]
    timeline: list[ClockRow] | None
    pauses: list[dict[str, Any]]
    breach_count: int
    refunds: list[Refund]
    automatic_refunds: list[Refund]
    ledger: list[LedgerTransaction]
    escrow_available_fen: int
    frozen: bool
    audit: list[DisputeAuditEntry]
    window_ends: datetime | None


AUTOMATIC_CAUSES = frozenset(
    {Refund.Cause.BREACH, Refund.Cause.TERMINATION, Refund.Cause.ACCEPT_TIMEOUT}
)


def dispute_evidence(*, dispute: Dispute) -> Evidence:
    """Everything the desk shows for one dispute, in a fixed number of queries."""
    order = dispute.order
    transcript = list(
        Message.objects.filter(order_id=order.pk).select_related("sender").order_by("seq")
    )
    clocks = reply_timeline(order=order)
    timeline, pauses = clocks if clocks is not None else (None, [])
    refunds = order_refunds(order=order)
    return Evidence(
        dispute=dispute,
        order=order,
        transcript=transcript,
        timeline=timeline,
        pauses=pauses,
        breach_count=sum(len(row.breaches) for row in timeline or []),
        refunds=refunds,
        automatic_refunds=[r for r in refunds if r.cause in AUTOMATIC_CAUSES],
        ledger=order_ledger(order=order),
        escrow_available_fen=order_escrow_balance_fen(order=order),
        frozen=order_settlement_frozen(order=order),
        audit=list(
            DisputeAuditEntry.objects.filter(dispute=dispute)
            .select_related("actor")
            .order_by("-id")[:100]
        ),
        window_ends=dispute_window_ends(order=order),
    )


def disputes_for_user(*, user: User) -> QuerySet[Dispute]:
    """Disputes where the user is the client or the listener, newest first."""
    return (
        Dispute.objects.filter(Q(client_id=user.pk) | Q(order__listener__user_id=user.pk))
        .select_related("order", "order__listener")
        .order_by("-created_at", "-id")
    )
