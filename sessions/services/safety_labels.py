"""Labelled data (docs/safety.md): staff labels on messages from the transcript, and what
people taught the platform about risk as lines of the training corpus ("Export"): staff
labels, closed escalations' outcomes and listeners' escalations. `manage.py
safety_export` writes them; a person reviews them before they join the corpus (never
automatically). Texts pass the scan's masking (no phone numbers, ID or card numbers,
handles); nothing says who wrote them."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import DomainError, NotFound
from marketplace.models import User
from sessions.models import Escalation, Message, MessageLabel, MessageRisk
from sessions.risk import Level
from sessions.safety import scan
from sessions.services.safety import note_clean

LABEL_LEVELS = {"concern": Level.CONCERN, "high": Level.HIGH, "imminent": Level.IMMINENT}


def message_label(
    *,
    staff: User,
    message_id: int,
    order_id: int | None = None,
    label: object,
    level: object = "high",
    note: object = "",
    now: datetime | None = None,
) -> MessageLabel:
    """Staff mark a chat message (of order `order_id`, if given) from the transcript:
    "should have escalated" (at `level`) or "false alarm" (level none). The latest word
    replaces an earlier one.
    Raises NotFound (not staff, no such chat message) or DomainError (`label_invalid`,
    `level_invalid`, `note_too_long`); then nothing changes."""
    if not (staff.is_authenticated and staff.is_staff):
        raise NotFound(_("No such message."))
    if label not in MessageLabel.Label.values:
        raise DomainError(_("Choose a label."), code="label_invalid")
    if label == MessageLabel.Label.FALSE_ALARM:
        chosen = Level.NONE
    else:
        chosen = LABEL_LEVELS.get(level) if isinstance(level, str) else None
        if chosen is None:
            raise DomainError(_("Choose the level it deserved."), code="level_invalid")
    note = note_clean(note, required=False)
    found = Message.objects.filter(pk=message_id, sender__isnull=False)
    if order_id is not None:
        found = found.filter(order_id=order_id)
    message = found.first()
    if message is None:
        raise NotFound(_("No such message."))
    labelled, _created = MessageLabel.objects.update_or_create(
        message=message,
        defaults={
            "order_id": message.order_id,
            "label": label,
            "level": chosen,
            "note": note,
            "labelled_by": staff,
            "labelled_at": now or timezone.now(),
        },
    )
    return labelled


# --- Export for the corpus (manage.py safety_export) -------------------------------------


def _lang(text: str) -> str:
    """The corpus's language tag: "zh" with Chinese characters, "mixed" when a Latin word
    stands beside them, "en" otherwise (the rule the corpus loader infers it by)."""
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in text)
    latin_word = any(word.isascii() and word.isalpha() for word in text.split())
    if cjk and latin_word:
        return "mixed"
    return "zh" if cjk else "en"


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
