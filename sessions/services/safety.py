"""Safety after the scan (docs/safety.md): flags on messages, crisis escalations, alerts.

`step_safety` is a MESSAGE_STEPS step: it runs inside the message's transaction, after
the row is written, with the order's row lock held. A message with nothing to report
costs nothing (no query). Otherwise:

- each finding is a `MessageFlag` row (counted per listener for staff);
- an off-platform request earns the sender a gentle `safety` warning frame;
- crisis language in a *client's* message opens the order's escalation (one open per
  order, a partial unique constraint); after commit the client gets a `safety` frame with
  hotline resources, the listener one with a guidance panel, and the on-call phone
  (SAFETY_ONCALL_PHONE) an SMS. The message itself is never blocked. A socket that
  resyncs gets what it may have missed (SYNC_RECIPIENT_FRAMES): its user's frame while the
  escalation is open, the listener's `closed` frame after staff closed it; one that was
  away when they were pushed would otherwise show the wrong panel until a reload.

While an escalation is open, `sessions.services.compensation.breach_compensate` defers the
order's deadline refunds (breaches are still recorded). `escalation_close` (staff, with
a note) resumes them: it enqueues the compensation after commit, and the watcher's
retry pass (`breaches_compensation_retry`) picks up whatever the queue does not.

Every step of an escalation is an `EscalationEvent` row (who, when, what).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from marketplace.exceptions import DomainError, NotFound
from marketplace.models import User
from sessions import events
from sessions.models import Breach, Escalation, EscalationEvent, MessageFlag, Order
from sessions.safety import OFF_PLATFORM
from sessions.selectors.chat import SYNC_RECIPIENT_FRAMES, role_in_order
from sessions.selectors.safety import escalation_latest_for_order
from sessions.services.chat import MESSAGE_STEPS, MessageContext
from sessions.services.compensation import compensation_enqueue

logger = logging.getLogger(__name__)

MAX_NOTE_CHARS = 2000

# Mainland crisis resources shown to the client (names translated when shown).
HOTLINES = (
    {
        "name": gettext_noop("Hope 24 crisis hotline"),
        "phone": "400-161-9995",
        "note": gettext_noop("24 hours, free and confidential"),
    },
    {
        "name": gettext_noop("Beijing Psychological Crisis Research and Intervention Center"),
        "phone": "010-82951332",
        "note": gettext_noop("24 hours"),
    },
    {
        "name": gettext_noop("Ambulance"),
        "phone": "120",
        "note": gettext_noop("if you are in immediate danger"),
    },
    {
        "name": gettext_noop("Police"),
        "phone": "110",
        "note": gettext_noop("if you are in immediate danger"),
    },
)
CLIENT_TITLE = gettext_noop("You are not alone")
CLIENT_TEXT = gettext_noop(
    "It sounds like you are going through something very hard. Please reach out to people "
    "trained to help, right now if you can. Talking to someone can help."
)
CLIENT_DANGER = gettext_noop("If you are in immediate danger, call 120 or 110 now.")
LISTENER_TITLE = gettext_noop("The client may be in crisis")
GUIDANCE = (
    gettext_noop("Stay with the client and keep listening. Do not end the chat abruptly."),
    gettext_noop("Take what they say seriously. Do not judge, argue or minimise."),
    gettext_noop("Do not promise to keep it secret: their safety comes first."),
    gettext_noop(
        "Encourage professional help: Hope 24 hotline 400-161-9995, Beijing crisis "
        "center 010-82951332; in immediate danger 120 or 110."
    ),
    gettext_noop("Staff have been notified and will follow up."),
)
LISTENER_NOTE = gettext_noop("Deadline refunds are paused while staff review this session.")
OFF_PLATFORM_TEXT = gettext_noop(
    "For your safety, keep payments and contact on the platform. Payments made elsewhere "
    "are not protected and cannot be refunded."
)
CLOSED_TEXT = gettext_noop("Staff have reviewed this session.")
ONCALL_SMS = gettext_noop(
    "Safety escalation %(id)s: crisis language in session %(order)s. Open %(url)s"
)


# --- Frames (translated for the person who receives them) -------------------------------


def _language_of(user: User) -> str:
    supported = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in supported else settings.LANGUAGE_CODE


def client_crisis_frame(escalation: Escalation, *, language: str) -> events.Frame:
    with translation.override(language):
        return events.safety_notice_frame(
            order_id=escalation.order_id,
            kind="crisis",
            escalation=escalation.pk,
            role="client",
            title=_(CLIENT_TITLE),
            text=_(CLIENT_TEXT),
            danger=_(CLIENT_DANGER),
            resources=[
                {"name": _(item["name"]), "phone": item["phone"], "note": _(item["note"])}
                for item in HOTLINES
            ],
        )


def listener_crisis_frame(escalation: Escalation, *, language: str) -> events.Frame:
    with translation.override(language):
        return events.safety_notice_frame(
            order_id=escalation.order_id,
            kind="crisis",
            escalation=escalation.pk,
            role="listener",
            title=_(LISTENER_TITLE),
            guidance=[_(line) for line in GUIDANCE],
            note=_(LISTENER_NOTE),
        )


def crisis_frame(escalation: Escalation, *, recipient: User, role: str) -> events.Frame:
    """The `crisis` frame for one participant (`role` "client" or "listener"), in their
    language: pushed when the escalation opens, sent again on a resync while it is open."""
    build = client_crisis_frame if role == "client" else listener_crisis_frame
    return build(escalation, language=_language_of(recipient))


def crisis_frames_for_sync(order: Order, user: User) -> list[events.Frame]:
    """SYNC_RECIPIENT_FRAMES: what the resyncing socket may have missed of the order's
    newest escalation — its user's `crisis` frame while it is open, the listener's
    `closed` frame once staff closed it (safety.js then hides the panel it still shows,
    and ignores a `closed` for a panel it does not show)."""
    escalation = escalation_latest_for_order(order_id=order.pk)
    if escalation is None:
        return []
    role = role_in_order(order=order, user_id=user.pk)
    if escalation.state == Escalation.State.OPEN:
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


def step_safety(ctx: MessageContext) -> None:
    """MESSAGE_STEPS: record what the scan found; warn, escalate. No query when the scan
    found nothing to report."""
    result = ctx.scan
    if not result.flags and not result.crisis:
        return
    kinds = [flag for flag in result.flags if flag in MessageFlag.Kind.values]
    if result.crisis:
        kinds.append(MessageFlag.Kind.CRISIS)
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
    if result.crisis and ctx.sender_role == "client":
        escalation_open(order=ctx.order, message=ctx.message, now=ctx.now)


# --- Escalations ----------------------------------------------------------------------------


def escalation_open(*, order: Order, message, now: datetime | None = None) -> Escalation:
    """Open the order's escalation for the crisis message `message`, or note the message
    on the one already open. The caller holds the order's row lock. After commit: the
    client's and the listener's `safety` frames and the on-call alert (new ones only)."""
    now = now or timezone.now()
    existing = Escalation.objects.filter(order=order, state=Escalation.State.OPEN).first()
    if existing is not None:
        EscalationEvent.objects.create(
            escalation=existing,
            action=EscalationEvent.Action.CRISIS_AGAIN,
            at=now,
            note=f"message #{message.seq}",
        )
        return existing
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                order=order, listener_id=order.listener_id, message=message, opened_at=now
            )
    except IntegrityError:  # opened meanwhile (only without the order lock): use that one
        return Escalation.objects.get(order=order, state=Escalation.State.OPEN)
    EscalationEvent.objects.create(
        escalation=escalation,
        action=EscalationEvent.Action.OPENED,
        at=now,
        note=f"message #{message.seq}",
    )
    client = User.objects.get(pk=order.client_id)
    listener_user = User.objects.get(pk=order.listener.user_id)
    events.send_on_commit(
        events.user_group(client.pk),
        crisis_frame(escalation, recipient=client, role="client"),
    )
    events.send_on_commit(
        events.user_group(listener_user.pk),
        crisis_frame(escalation, recipient=listener_user, role="listener"),
    )
    escalation_id = escalation.pk
    transaction.on_commit(lambda: escalation_alert(escalation_id=escalation_id))
    return escalation


def escalation_alert(*, escalation_id: int, now: datetime | None = None) -> bool:
    """Text the on-call phone (SAFETY_ONCALL_PHONE) about an open escalation, once.
    Runs after commit. Returns True if a text went out."""
    phone = settings.SAFETY_ONCALL_PHONE
    if not phone:
        return False
    claimed = Escalation.objects.filter(
        pk=escalation_id, state=Escalation.State.OPEN, alerted_at__isnull=True
    ).update(alerted_at=now or timezone.now())
    if not claimed:
        return False
    escalation = Escalation.objects.get(pk=escalation_id)
    from marketplace.sms import sms_send

    with translation.override(settings.LANGUAGE_CODE):
        text = _(ONCALL_SMS) % {
            "id": escalation.pk,
            "order": escalation.order_id,
            "url": reverse("sessions:escalations"),
        }
    try:
        sms_send(phone=phone, text=text)
    except Exception as exc:  # noqa: BLE001 - SMS providers raise anything; staff page still lists it
        logger.error("on-call SMS for escalation %s failed: %r", escalation_id, exc)
        Escalation.objects.filter(pk=escalation_id).update(alerted_at=None)
        return False
    EscalationEvent.objects.create(
        escalation=escalation,
        action=EscalationEvent.Action.ALERTED,
        at=escalation.alerted_at,
        note=phone[-4:],
    )
    return True


def escalation_close(
    *, staff: User, escalation_id: int, note: str, now: datetime | None = None
) -> Escalation:
    """Staff close an open escalation with a note. The order's deferred deadline refunds
    resume after commit. Raises NotFound (not staff, no such escalation) or DomainError
    (`note_required`, `already_closed`); then nothing changes."""
    if not (staff.is_authenticated and staff.is_staff):
        raise NotFound(_("No such escalation."))
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Write a note on what was done."), code="note_required")
    if len(note) > MAX_NOTE_CHARS:
        raise DomainError(
            _("A note can be at most %(max)d characters.") % {"max": MAX_NOTE_CHARS},
            code="note_too_long",
        )
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
        escalation.close_note = note
        escalation.save(update_fields=["state", "closed_at", "closed_by", "close_note"])
        EscalationEvent.objects.create(
            escalation=escalation,
            action=EscalationEvent.Action.CLOSED,
            actor=staff,
            at=now,
            note=note,
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


# --- Registration ----------------------------------------------------------------------------


def register() -> None:
    """Plug the safety step into the message pipeline (once), after the reply clock's, and
    the crisis frame into resync."""
    if step_safety not in MESSAGE_STEPS:
        MESSAGE_STEPS.append(step_safety)
    if crisis_frames_for_sync not in SYNC_RECIPIENT_FRAMES:
        SYNC_RECIPIENT_FRAMES.append(crisis_frames_for_sync)


register()
