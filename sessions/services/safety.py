"""Safety after the scan (docs/safety.md): flags on messages, risk, escalations by level,
the listener's escalation, staff outcomes and labels.

`step_safety` is a step of `chat.message_send`: it runs inside the message's transaction, after
the row is written, with the order's row lock held. A message with nothing to report and
no risk signal in its conversation's window costs nothing (no query). Otherwise:

- an off-platform request is a `MessageFlag` and earns the sender a gentle warning frame;
- the message's risk (computed by `sessions.risk` in `message_send`) and, for a client's
  message, the running risk of the client's last messages (one indexed query, skipped when
  neither this message nor any in the window carried a signal) are a `MessageRisk` row,
  for staff only; the message itself is never blocked;
- by level (the higher of the two): concern -> guidance for the listener only; high ->
  the order's escalation opens (one open per order, a partial unique constraint): the
  client's hotline panel, the listener's guidance, the staff page; imminent -> as high,
  and the on-call roster is paged (`sessions.services.safety_paging`). A later message
  that is worse raises the open escalation's level (an event) and adds what the new level
  brings. A socket that resyncs gets what it may have missed (`crisis_frames_for_sync`).

The listener escalates by hand (`escalation_open_by_listener`) at the level they choose.
While an escalation is open, `sessions.services.compensation.breach_compensate` defers the
order's deadline refunds (breaches are still recorded). `escalation_close` (staff, with an
outcome and a note) resumes them: it enqueues the compensation after commit, and the
retry pass (`breaches_compensation_retry`) picks up whatever the queue does not.

Every step of an escalation is an `EscalationEvent` row (who, when, what).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from marketplace.exceptions import DomainError, NotFound
from marketplace.models import User
from sessions import events
from sessions.models import (
    Breach,
    Escalation,
    EscalationEvent,
    Message,
    MessageFlag,
    MessageRisk,
    Order,
)
from sessions.risk import NO_RISK, Assessment, Level, assess_conversation
from sessions.safety import OFF_PLATFORM
from sessions.selectors.chat import role_in_order
from sessions.selectors.safety import escalation_latest_for_order
from sessions.services.compensation import compensation_enqueue
from sessions.services.safety_paging import page_start
from sessions.services.transcript import MessageContext

logger = logging.getLogger(__name__)

MAX_NOTE_CHARS = 2000
# The conversation a client's message is assessed in: their last messages of the order,
# at most this many, written within this window, among the order's last messages.
CONVERSATION_MESSAGES = 10
CONVERSATION_WINDOW = timedelta(hours=1)
CONVERSATION_SCAN = 50  # order messages looked at (both sides): bounds the index scan

CLIENT_TITLE = gettext_noop("You are not alone")
CLIENT_TEXT = gettext_noop(
    "It sounds like you are going through something very hard. Please reach out to people "
    "trained to help, right now if you can. Talking to someone can help."
)
CLIENT_DANGER = gettext_noop("If you are in immediate danger, call %(numbers)s now.")
LISTENER_TITLE = gettext_noop("The client may be in crisis")
CONCERN_TITLE = gettext_noop("The client may be struggling")
GUIDANCE = (
    gettext_noop("Stay with the client and keep listening. Do not end the chat abruptly."),
    gettext_noop("Take what they say seriously. Do not judge, argue or minimise."),
    gettext_noop("Do not promise to keep it secret: their safety comes first."),
)
GUIDANCE_HOTLINES = gettext_noop("Encourage professional help: %(hotlines)s.")
STAFF_NOTIFIED = gettext_noop("Staff have been notified and will follow up.")
LISTENER_NOTE = gettext_noop("Deadline refunds are paused while staff review this session.")
OFF_PLATFORM_TEXT = gettext_noop(
    "For your safety, keep payments and contact on the platform. Payments made elsewhere "
    "are not protected and cannot be refunded."
)
CLOSED_TEXT = gettext_noop("Staff have reviewed this session.")

# Levels a listener can choose, by the name the form and the API use.
LISTENER_LEVELS = {"concern": Level.CONCERN, "high": Level.HIGH, "imminent": Level.IMMINENT}


# --- Hotlines (SAFETY_HOTLINES, per region and language) ---------------------------------


def _in_language(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or texts.get(settings.LANGUAGE_CODE) or next(iter(texts.values()))


def hotlines(*, language: str, region: str | None = None) -> list[dict[str, object]]:
    """The crisis resources of `region` (default SAFETY_REGION) in `language`:
    `[{name, phone, tel, note, emergency}]`; `tel` is the number to dial."""
    entries = settings.SAFETY_HOTLINES.get(region or settings.SAFETY_REGION, [])
    return [
        {
            "name": _in_language(item["name"], language),
            "phone": item["phone"],
            "tel": "".join(ch for ch in item["phone"] if ch.isdigit() or ch == "+"),
            "note": _in_language(item.get("note") or {"": ""}, language),
            "emergency": bool(item.get("emergency")),
        }
        for item in entries
    ]


def client_texts(*, language: str) -> dict[str, object]:
    """What the client's panel says (the frame and the page render the same)."""
    lines = hotlines(language=language)
    numbers = " / ".join(str(line["phone"]) for line in lines if line["emergency"])
    with translation.override(language):
        return {
            "title": _(CLIENT_TITLE),
            "text": _(CLIENT_TEXT),
            "danger": _(CLIENT_DANGER) % {"numbers": numbers} if numbers else "",
            "resources": lines,
        }


def listener_texts(*, language: str, level: Level, escalated: bool) -> dict[str, object]:
    """What the listener's guidance panel says: gentler at concern; that staff were told
    and refunds wait only when an escalation is open. Never a level or a signal."""
    support = [line for line in hotlines(language=language) if not line["emergency"]]
    with translation.override(language):
        separator = "；" if language.startswith("zh") else "; "  # noqa: RUF001
        listed = separator.join(f"{line['name']} {line['phone']}" for line in support)
        guidance = [_(line) for line in GUIDANCE]
        if listed:
            guidance.append(_(GUIDANCE_HOTLINES) % {"hotlines": listed})
        if escalated:
            guidance.append(_(STAFF_NOTIFIED))
        return {
            "title": _(LISTENER_TITLE) if level >= Level.HIGH else _(CONCERN_TITLE),
            "guidance": guidance,
            "note": _(LISTENER_NOTE) if escalated else "",
        }


# --- Frames (translated for the person who receives them) -------------------------------


def _language_of(user: User) -> str:
    supported = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in supported else settings.LANGUAGE_CODE


def client_crisis_frame(escalation: Escalation, *, language: str) -> events.Frame:
    return events.safety_notice_frame(
        order_id=escalation.order_id,
        kind="crisis",
        escalation=escalation.pk,
        role="client",
        **client_texts(language=language),
    )


def listener_crisis_frame(escalation: Escalation, *, language: str) -> events.Frame:
    return events.safety_notice_frame(
        order_id=escalation.order_id,
        kind="crisis",
        escalation=escalation.pk,
        role="listener",
        **listener_texts(language=language, level=escalation.risk_level, escalated=True),
    )


def listener_concern_frame(*, order_id: int, language: str) -> events.Frame:
    """Concern without an open escalation: guidance for the listener only."""
    return events.safety_notice_frame(
        order_id=order_id,
        kind="concern",
        escalation=None,
        role="listener",
        **listener_texts(language=language, level=Level.CONCERN, escalated=False),
    )


def crisis_frame(escalation: Escalation, *, recipient: User, role: str) -> events.Frame:
    """The `crisis` frame for one participant (`role` "client" or "listener"), in their
    language: pushed when the escalation opens (or rises), sent again on a resync."""
    build = client_crisis_frame if role == "client" else listener_crisis_frame
    return build(escalation, language=_language_of(recipient))


def crisis_frames_for_sync(order: Order, user: User) -> list[events.Frame]:
    """For `chat.sync_frames`: what the resyncing socket may have missed of the order's
    newest escalation — while it is open the listener's `crisis` frame, and the client's
    from high level on; the listener's `closed` frame once staff closed it (safety.js then
    hides the panel it still shows, and ignores a `closed` for a panel it does not show)."""
    escalation = escalation_latest_for_order(order_id=order.pk)
    if escalation is None:
        return []
    role = role_in_order(order=order, user_id=user.pk)
    if escalation.state == Escalation.State.OPEN:
        if role == "client" and escalation.risk_level < Level.HIGH:
            return []
        return [crisis_frame(escalation, recipient=user, role=role)]
    if role == "listener":
        return [closed_frame(escalation, language=_language_of(user))]
    return []


def off_platform_frame(*, order_id: int, seq: int, language: str) -> events.Frame:
    with translation.override(language):
        return events.safety_notice_frame(
            order_id=order_id, kind=OFF_PLATFORM, seq=seq, text=_(OFF_PLATFORM_TEXT)
        )


def closed_frame(escalation: Escalation, *, language: str) -> events.Frame:
    with translation.override(language):
        return events.safety_notice_frame(
            order_id=escalation.order_id,
            kind="closed",
            escalation=escalation.pk,
            text=_(CLOSED_TEXT),
        )


# --- The pipeline step --------------------------------------------------------------------


def conversation_risk(ctx: MessageContext) -> Assessment:
    """The running risk of the client's last messages of the order (this one last), from
    one indexed query; NO_RISK without a query when neither this message nor any in the
    window before it carried a signal (`Order.risk_signal_at`)."""
    risk = ctx.risk or NO_RISK
    last_signal = ctx.order.risk_signal_at
    since = ctx.now - CONVERSATION_WINDOW
    if not risk.signals and (last_signal is None or last_signal < since):
        return NO_RISK
    earlier = list(
        Message.objects.filter(
            order_id=ctx.order.pk,
            seq__lt=ctx.message.seq,
            seq__gte=ctx.message.seq - CONVERSATION_SCAN,
            sender_id=ctx.sender.pk,
            created_at__gte=since,
        )
        .order_by("-seq")
        .values_list("text", flat=True)[: CONVERSATION_MESSAGES - 1]
    )
    return assess_conversation([*reversed(earlier), ctx.message.text])


def step_safety(ctx: MessageContext) -> None:
    """A step of `chat.message_send`: record what the scan and the risk assessment found;
    warn, guide, escalate by level. No query when there is nothing to report."""
    result = ctx.scan
    risk = ctx.risk or NO_RISK
    by_client = ctx.sender_role == "client"
    conversation = conversation_risk(ctx) if by_client else NO_RISK
    level = max(risk.level, conversation.level)
    if not result.flags and not risk.signals and level == Level.NONE:
        return
    kinds = [flag for flag in result.flags if flag in MessageFlag.Kind.values]
    if kinds:
        MessageFlag.objects.bulk_create(
            [
                MessageFlag(
                    message=ctx.message,
                    order=ctx.order,
                    listener_id=ctx.order.listener_id,
                    sender_role=ctx.sender_role,
                    kind=kind,
                    created_at=ctx.now,
                )
                for kind in kinds
            ]
        )
    if OFF_PLATFORM in result.flags:
        events.send_on_commit(
            events.user_group(ctx.sender.pk),
            off_platform_frame(
                order_id=ctx.order.pk, seq=ctx.message.seq, language=_language_of(ctx.sender)
            ),
        )
    if risk.signals or level > Level.NONE:
        MessageRisk.objects.create(
            message=ctx.message,
            order=ctx.order,
            sender_role=ctx.sender_role,
            level=risk.level,
            signals=sorted(risk.signals),
            score=risk.score,
            conversation_level=conversation.level,
            conversation_signals=sorted(conversation.signals),
            created_at=ctx.now,
        )
    if by_client and risk.signals:
        Order.objects.filter(pk=ctx.order.pk).update(risk_signal_at=ctx.now)
        ctx.order.risk_signal_at = ctx.now
    if by_client and level > Level.NONE:
        risk_respond(order=ctx.order, message=ctx.message, level=level, now=ctx.now)


def risk_respond(*, order: Order, message: Message, level: Level, now: datetime) -> None:
    """Act on a client message's risk `level` (caller holds the order's row lock):
    concern guides the listener, high and above open (or raise) the escalation."""
    if level >= Level.HIGH or Escalation.objects.filter(order=order, state="open").exists():
        escalation_open(order=order, level=level, message=message, now=now)
        return
    listener_user_id = getattr(order, "listener_user_id", None) or order.listener.user_id
    listener_user = User.objects.only("pk", "language").get(pk=listener_user_id)
    events.send_on_commit(
        events.user_group(listener_user.pk),
        listener_concern_frame(order_id=order.pk, language=_language_of(listener_user)),
    )


# --- Escalations ----------------------------------------------------------------------------


def _message_note(message: Message | None) -> str:
    return f"message #{message.seq}" if message is not None else ""


def _join(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def escalation_open(
    *,
    order: Order,
    level: Level,
    message: Message | None = None,
    source: str = Escalation.Source.SCAN,
    opened_by: User | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Escalation:
    """Open the order's escalation at `level`, or note the message (and raise the level
    if it is worse) on the one already open. The caller holds the order's row lock. After
    commit: the frames and pages the level brings (only what is new)."""
    now = now or timezone.now()
    existing = Escalation.objects.select_for_update().filter(order=order, state="open").first()
    if existing is not None:
        escalation_raise(
            existing, level=level, message=message, actor=opened_by, note=note, now=now
        )
        return existing
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                order=order,
                listener_id=order.listener_id,
                message=message,
                level=level,
                source=source,
                opened_by=opened_by,
                open_note=note,
                opened_at=now,
            )
    except IntegrityError:  # opened meanwhile (only without the order lock): use that one
        return Escalation.objects.get(order=order, state=Escalation.State.OPEN)
    EscalationEvent.objects.create(
        escalation=escalation,
        action=EscalationEvent.Action.OPENED,
        actor=opened_by,
        at=now,
        note=_join(level.label, _message_note(message), note),
    )
    _level_effects(escalation, was=Level.NONE, now=now)
    return escalation


def escalation_raise(
    escalation: Escalation,
    *,
    level: Level,
    message: Message | None,
    actor: User | None = None,
    note: str = "",
    now: datetime,
) -> None:
    """A later message (or the listener) on the open, locked `escalation`: its level rises
    if `level` is worse (an event, and what the new level brings), else the message is
    noted as an event."""
    was = escalation.risk_level
    if level <= was:
        action = EscalationEvent.Action.CRISIS_AGAIN
        if actor is not None:
            action = EscalationEvent.Action.LISTENER
        EscalationEvent.objects.create(
            escalation=escalation,
            action=action,
            actor=actor,
            at=now,
            note=_join(level.label, _message_note(message), note),
        )
        return
    escalation.level = level
    escalation.save(update_fields=["level"])
    EscalationEvent.objects.create(
        escalation=escalation,
        action=EscalationEvent.Action.RAISED,
        actor=actor,
        at=now,
        note=_join(f"{was.label} -> {level.label}", _message_note(message), note),
    )
    _level_effects(escalation, was=was, now=now)


def _level_effects(escalation: Escalation, *, was: Level, now: datetime) -> None:
    """What reaching the escalation's level from `was` brings: the listener's guidance
    (again, with the new level's wording), the client's panel from high on, the on-call
    page at imminent. Frames after commit; the staff page lists every open escalation."""
    level = escalation.risk_level
    order = escalation.order
    listener_user = User.objects.get(pk=order.listener.user_id)
    events.send_on_commit(
        events.user_group(listener_user.pk),
        crisis_frame(escalation, recipient=listener_user, role="listener"),
    )
    if level >= Level.HIGH > was:
        client = User.objects.get(pk=order.client_id)
        events.send_on_commit(
            events.user_group(client.pk), crisis_frame(escalation, recipient=client, role="client")
        )
    if level == Level.IMMINENT > was:
        page_start(escalation, now=now)


def note_clean(note: object, *, required: bool) -> str:
    """A staff or listener note: trimmed, at most MAX_NOTE_CHARS (DomainError otherwise)."""
    note = (note if isinstance(note, str) else "").strip()
    if required and not note:
        raise DomainError(_("Write a note on what was done."), code="note_required")
    if len(note) > MAX_NOTE_CHARS:
        raise DomainError(
            _("A note can be at most %(max)d characters.") % {"max": MAX_NOTE_CHARS},
            code="note_too_long",
        )
    return note


def escalation_open_by_listener(
    *, user: User, order_id: int, level: object, note: object, now: datetime | None = None
) -> Escalation:
    """The listener is worried about the client: open the order's escalation at the level
    they chose ("concern", "high" or "imminent"), with their note; the client's latest
    message is its message. On an open escalation the level rises, or the note is added.
    Raises NotFound (not this order's listener) or DomainError (`level_invalid`,
    `worry_note_required`, `note_too_long`); then nothing changes."""
    chosen = LISTENER_LEVELS.get(level) if isinstance(level, str) else None
    if chosen is None:
        raise DomainError(_("Choose how worried you are."), code="level_invalid")
    if not (isinstance(note, str) and note.strip()):
        raise DomainError(_("Write a few words on what worries you."), code="worry_note_required")
    note = note_clean(note, required=True)
    now = now or timezone.now()
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("listener")
            .filter(pk=order_id)
            .first()
        )
        if order is None or order.listener.user_id != user.pk:
            raise NotFound(_("No such session."))
        message = (
            Message.objects.filter(order=order, sender_id=order.client_id).order_by("-seq").first()
        )
        return escalation_open(
            order=order,
            level=chosen,
            message=message,
            source=Escalation.Source.LISTENER,
            opened_by=user,
            note=note,
            now=now,
        )


def escalation_close(
    *,
    staff: User,
    escalation_id: int,
    outcome: object,
    note: object,
    now: datetime | None = None,
) -> Escalation:
    """Staff close an open escalation with its outcome and a note. The order's deferred
    deadline refunds resume after commit. Raises NotFound (not staff, no such escalation)
    or DomainError (`outcome_required`, `note_required`, `note_too_long`,
    `already_closed`); then nothing changes."""
    if not (staff.is_authenticated and staff.is_staff):
        raise NotFound(_("No such escalation."))
    if outcome not in Escalation.Outcome.values:
        raise DomainError(_("Choose the outcome."), code="outcome_required")
    note = note_clean(note, required=True)
    now = now or timezone.now()
    order_id = (
        Escalation.objects.filter(pk=escalation_id).values_list("order_id", flat=True).first()
    )
    if order_id is None:
        raise NotFound(_("No such escalation."))
    with transaction.atomic():
        # Lock order: the order row, then the escalation (as the message pipeline does).
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("listener")
            .get(pk=order_id)
        )
        escalation = Escalation.objects.select_for_update().get(pk=escalation_id)
        if escalation.state != Escalation.State.OPEN:
            raise DomainError(_("This escalation is already closed."), code="already_closed")
        escalation.state = Escalation.State.CLOSED
        escalation.closed_at = now
        escalation.closed_by = staff
        escalation.outcome = outcome
        escalation.close_note = note
        escalation.save(update_fields=["state", "closed_at", "closed_by", "outcome", "close_note"])
        EscalationEvent.objects.create(
            escalation=escalation,
            action=EscalationEvent.Action.CLOSED,
            actor=staff,
            at=now,
            note=_join(str(outcome), note),
        )
        listener_user = User.objects.get(pk=order.listener.user_id)
        events.send_on_commit(
            events.user_group(listener_user.pk),
            closed_frame(escalation, language=_language_of(listener_user)),
        )
        transaction.on_commit(lambda: compensation_resume(order_id=order_id))
    return escalation


def compensation_resume(*, order_id: int) -> list[int]:
    """After an escalation closed: enqueue the refunds its breaches were waiting for.
    If the broker is down, the retry pass (`sessions.retry_breach_compensation`) issues
    them instead. Returns the breach ids handed over."""
    ids = list(
        Breach.objects.filter(order_id=order_id, compensated_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if ids:
        compensation_enqueue(ids)
    return ids
