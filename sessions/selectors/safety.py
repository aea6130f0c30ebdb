"""Reads of the safety sub-domain: open escalations, an escalation's transcript with risk
and labels, flags per listener (docs/safety.md). Staff only where it says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet

from marketplace.exceptions import NotFound
from marketplace.models import User
from sessions.models import Escalation, Message, MessageFlag, MessageLabel, MessageRisk


def escalation_latest_for_order(*, order_id: int) -> Escalation | None:
    """The order's newest escalation, open or closed (at most one is open, and a new one
    opens only after the last closed, so an open one is always the newest)."""
    return Escalation.objects.filter(order_id=order_id).order_by("-id").first()


def compensation_deferred(*, order_id: int) -> bool:
    """True while a crisis escalation is open for the order: its deadline refunds wait
    until staff close it (one indexed lookup; the clock's `breach_compensate` asks)."""
    return Escalation.objects.filter(order_id=order_id, state=Escalation.State.OPEN).exists()


def escalations_for_staff(*, state: str = Escalation.State.OPEN, limit: int = 100) -> QuerySet:
    """Escalations in `state`, newest first, with what the staff list shows (no N+1)."""
    return (
        Escalation.objects.filter(state=state)
        .select_related("order", "order__client", "listener", "listener__user", "message")
        .select_related("closed_by", "opened_by", "paged_user", "acknowledged_by")
        .order_by("-opened_at", "-id")[:limit]
    )


def access_escalation_for_staff(*, user: User, escalation_id: int) -> Escalation:
    if not (user.is_authenticated and user.is_staff):
        raise NotFound("No such escalation.")
    escalation = (
        Escalation.objects.filter(pk=escalation_id)
        .select_related("order", "order__client", "listener", "message", "opened_by")
        .select_related("closed_by", "paged_user", "acknowledged_by")
        .first()
    )
    if escalation is None:
        raise NotFound("No such escalation.")
    return escalation


@dataclass(frozen=True)
class TranscriptLine:
    """One message of a transcript as staff see it: with its risk and staff label."""

    message: Message
    role: str  # "client" | "listener" | "system"
    risk: MessageRisk | None
    label: MessageLabel | None
    # Call reports made from this entry (a call's last transcript entry), with the call.
    reports: tuple[MessageFlag, ...] = ()


def staff_transcript(*, order_id: int, client_id: int) -> list[TranscriptLine]:
    """The order's whole transcript with each message's risk, label and call reports
    (four queries). Staff only: the callers check."""
    messages = list(Message.objects.filter(order_id=order_id).order_by("seq"))
    risks = {r.message_id: r for r in MessageRisk.objects.filter(order_id=order_id)}
    labels = {
        label.message_id: label
        for label in MessageLabel.objects.filter(order_id=order_id).select_related("labelled_by")
    }
    reports: dict[int, list[MessageFlag]] = {}
    for report in call_reports(order_id=order_id).order_by("created_at", "id"):
        reports.setdefault(report.message_id, []).append(report)
    return [
        TranscriptLine(
            message=m,
            role=(
                "system"
                if m.sender_id is None
                else ("client" if m.sender_id == client_id else "listener")
            ),
            risk=risks.get(m.pk),
            label=labels.get(m.pk),
            reports=tuple(reports.get(m.pk, ())),
        )
        for m in messages
    ]


def call_reports(*, order_id: int | None = None) -> QuerySet:
    """Calls the parties reported (`call_report` flags), newest first, with the call, the
    session and who reported it (no N+1). Staff only: the callers check."""
    reports = MessageFlag.objects.filter(kind=MessageFlag.Kind.CALL_REPORT)
    if order_id is not None:
        reports = reports.filter(order_id=order_id)
    return reports.select_related(
        "call", "order", "order__client", "listener", "reported_by", "message"
    ).order_by("-created_at", "-id")


@dataclass(frozen=True)
class ListenerFlagCount:
    listener_id: int
    listener_name: str
    count: int  # sent by the listener
    client_count: int  # sent by clients in the listener's chats (not the listener's doing)
    last_at: datetime


def off_platform_counts_by_listener(*, limit: int = 50) -> list[ListenerFlagCount]:
    """Off-platform requests in chats per listener, the listener's own apart from their
    clients', most of the listener's own first."""
    by_listener = Q(sender_role="listener")
    rows = (
        MessageFlag.objects.filter(kind=MessageFlag.Kind.OFF_PLATFORM)
        .values("listener_id", "listener__display_name")
        .annotate(
            count=Count("id", filter=by_listener),
            client_count=Count("id", filter=~by_listener),
            last_at=Max("created_at"),
        )
        .order_by("-count", "-client_count", "-last_at")[:limit]
    )
    return [
        ListenerFlagCount(
            listener_id=row["listener_id"],
            listener_name=row["listener__display_name"],
            count=row["count"],
            client_count=row["client_count"],
            last_at=row["last_at"],
        )
        for row in rows
    ]


def message_flags(*, message_id: int) -> list[str]:
    return list(MessageFlag.objects.filter(message_id=message_id).values_list("kind", flat=True))
