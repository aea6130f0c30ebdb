"""What people taught the platform about risk, as lines of the training corpus
(docs/safety.md, "Export"): staff labels on messages, closed escalations' outcomes and
listeners' escalations. `manage.py safety_export` writes them; a person reviews them before
they join the corpus (never automatically). Texts pass the scan's masking (no phone
numbers, ID or card numbers, handles); nothing says who wrote them."""

from __future__ import annotations

from datetime import datetime

from sessions.models import Escalation, MessageLabel, MessageRisk
from sessions.risk import Level
from sessions.safety import scan


def _lang(text: str) -> str:
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"


def _export_line(text: str, *, level: Level, signals: list[str], source: str) -> dict:
    """One corpus line; the text through the scan's masking (no phone numbers, ids,
    cards or handles), nothing about who wrote it."""
    masked = scan(text).text
    return {
        "text": masked,
        "lang": _lang(masked),
        "level": level.label,
        "signals": sorted(signals),
        "source": source,
    }


def safety_export_lines(*, since: datetime | None = None) -> list[dict]:
    """What people taught the platform, as corpus lines (docs/safety.md, Export), one per
    message, the most considered word first: a staff label, else a closed escalation's
    outcome, else a listener's escalation. Reviewed by a person before it joins the
    corpus; never added automatically."""
    labels = MessageLabel.objects.select_related("message").order_by("labelled_at", "pk")
    escalations = Escalation.objects.filter(message__isnull=False).select_related("message")
    if since is not None:
        labels = labels.filter(labelled_at__gte=since)
        escalations = escalations.filter(opened_at__gte=since)
    risks = {
        risk.message_id: risk
        for risk in MessageRisk.objects.filter(message_id__in=[e.message_id for e in escalations])
    }
    seen: set[int] = set()
    lines: list[dict] = []
    for item in labels:
        seen.add(item.message_id)
        lines.append(
            _export_line(
                item.message.text,
                level=Level(item.level),
                signals=[],
                source=f"staff_label:{item.label}",
            )
        )
    closed = [e for e in escalations.order_by("closed_at", "pk") if e.state == "closed"]
    by_listener = [e for e in escalations.order_by("opened_at", "pk") if e.source == "listener"]
    for escalation in [*closed, *by_listener]:
        if escalation.message_id in seen:
            continue
        seen.add(escalation.message_id)
        risk = risks.get(escalation.message_id)
        if escalation.state == "closed":
            false_alarm = escalation.outcome == Escalation.Outcome.FALSE_ALARM
            level = Level.NONE if false_alarm else escalation.risk_level
            signals = [] if false_alarm or risk is None else list(risk.signals)
            source = f"outcome:{escalation.outcome or 'other'}"
        else:
            level, signals, source = escalation.risk_level, [], "listener"
        lines.append(
            _export_line(escalation.message.text, level=level, signals=signals, source=source)
        )
    return lines
