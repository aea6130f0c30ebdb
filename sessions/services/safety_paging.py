"""On-call paging for imminent risk (docs/safety.md, "On call").

An escalation that reaches the imminent level pages the first active member of the
on-call roster (`OnCall`, ordered by position): the escalation records who is paged, the
round, and until when the page must be acknowledged (SAFETY_ACK_SECONDS, default 120).
The SMS goes out from a Celery task enqueued after commit (`sessions.safety_page_send`),
never on the chat's thread; the send is claimed on the row, so it goes out once per round.
The beat job `sessions.safety_repage` hands a page nobody acknowledged in time to the next
member (after the last, the first again) and re-sends pages whose SMS never went out (the
broker down at enqueue, the SMS provider failing). Every step is an `EscalationEvent`.

All functions take `now`, so tests drive the clock.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from marketplace.exceptions import DomainError, NotFound
from marketplace.models import User
from sessions.models import Escalation, EscalationEvent, OnCall
from sessions.risk import Level

logger = logging.getLogger(__name__)

PAGE_SMS = gettext_noop(
    "Imminent risk, escalation %(id)s (session %(order)s): acknowledge within %(minutes)s "
    "min at %(url)s"
)


def ack_window() -> timedelta:
    return timedelta(seconds=settings.SAFETY_ACK_SECONDS)


def oncall_next(*, after_user_id: int | None) -> User | None:
    """The active on-call member after `after_user_id` in roster order (the first after
    the last; the first when `after_user_id` is None or not on the roster); None when
    nobody is on call."""
    roster = list(
        OnCall.objects.filter(active=True, user__is_staff=True, user__is_active=True)
        .select_related("user")
        .order_by("position")
    )
    if not roster:
        return None
    positions = [member.user_id for member in roster]
    if after_user_id in positions:
        return roster[(positions.index(after_user_id) + 1) % len(roster)].user
    return roster[0].user


def page_assign(escalation: Escalation, *, user: User | None, now: datetime) -> None:
    """Start a new round of paging of the locked `escalation`, to `user` (None: nobody
    on call, recorded and logged; staff see it on the page). Inside the caller's
    transaction; the SMS task is enqueued after commit."""
    escalation.page_round += 1
    escalation.paged_user = user
    escalation.page_sent_at = None
    escalation.ack_due_at = now + ack_window()
    escalation.save(update_fields=["page_round", "paged_user", "page_sent_at", "ack_due_at"])
    if user is None:
        logger.error("imminent risk, escalation %s: nobody is on call", escalation.pk)
        EscalationEvent.objects.create(
            escalation=escalation, action=EscalationEvent.Action.NOBODY_ON_CALL, at=now
        )
        return
    escalation_id, page_round = escalation.pk, escalation.page_round
    transaction.on_commit(lambda: page_enqueue(escalation_id=escalation_id, page_round=page_round))


def page_start(escalation: Escalation, *, now: datetime) -> None:
    """The escalation has just reached imminent: page the first on call."""
    page_assign(escalation, user=oncall_next(after_user_id=None), now=now)


def page_enqueue(*, escalation_id: int, page_round: int) -> None:
    """Now: the page's SMS as a `sessions.safety_page_send` task. A lost enqueue is
    re-sent by the beat job (`escalations_repage`)."""
    from sessions.tasks import safety_page_send

    try:
        safety_page_send.delay(escalation_id, page_round)
    except Exception as exc:  # noqa: BLE001 - kombu raises many kinds; the beat job re-sends
        logger.warning("page of escalation %s not enqueued: %r", escalation_id, exc)


def _unsent_pages():
    return Escalation.objects.filter(
        state=Escalation.State.OPEN,
        acknowledged_at__isnull=True,
        paged_user__isnull=False,
        page_sent_at__isnull=True,
    )


def page_send(*, escalation_id: int, page_round: int, now: datetime | None = None) -> bool:
    """Text round `page_round` of the escalation's page to the paged staff member, once
    (claimed on the row). Returns True if the SMS went out. Nothing for an escalation
    closed, acknowledged or paged onwards meanwhile."""
    now = now or timezone.now()
    claimed = (
        _unsent_pages().filter(pk=escalation_id, page_round=page_round).update(page_sent_at=now)
    )
    if not claimed:
        return False
    escalation = Escalation.objects.select_related("paged_user").get(pk=escalation_id)
    phone = escalation.paged_user.phone
    with translation.override(settings.LANGUAGE_CODE):
        text = _(PAGE_SMS) % {
            "id": escalation.pk,
            "order": escalation.order_id,
            "minutes": max(1, settings.SAFETY_ACK_SECONDS // 60),
            "url": reverse("sessions:escalation_detail", args=[escalation.pk]),
        }
    from marketplace.sms import sms_send

    try:
        sms_send(phone=phone, text=text)
    except Exception as exc:  # noqa: BLE001 - SMS providers raise anything; the beat job re-sends
        logger.error("page SMS of escalation %s failed: %r", escalation_id, exc)
        Escalation.objects.filter(pk=escalation_id, page_round=page_round).update(page_sent_at=None)
        EscalationEvent.objects.create(
            escalation=escalation,
            action=EscalationEvent.Action.PAGE_FAILED,
            at=now,
            note=f"round {page_round}: {escalation.paged_user}",
        )
        return False
    EscalationEvent.objects.create(
        escalation=escalation,
        action=EscalationEvent.Action.PAGED,
        at=now,
        note=f"round {page_round}: {escalation.paged_user} (…{phone[-4:]})",
    )
    return True


def escalations_repage(*, now: datetime | None = None) -> dict[str, int]:
    """Beat job: every imminent page past its acknowledgement deadline goes to the next
    on call (recorded as overdue); pages whose SMS never went out are enqueued again.
    Idempotent: a page handed on has a new deadline, a re-sent one is claimed."""
    now = now or timezone.now()
    due = list(
        Escalation.objects.filter(
            state=Escalation.State.OPEN,
            level=Level.IMMINENT,
            acknowledged_at__isnull=True,
            ack_due_at__lte=now,
        ).values_list("pk", flat=True)
    )
    repaged: list[int] = []
    for escalation_id in due:
        with transaction.atomic():
            escalation = (
                Escalation.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    pk=escalation_id,
                    state=Escalation.State.OPEN,
                    acknowledged_at__isnull=True,
                    ack_due_at__lte=now,
                )
                .select_related("paged_user")
                .first()
            )
            if escalation is None:  # acknowledged, closed or handled by a concurrent run
                continue
            EscalationEvent.objects.create(
                escalation=escalation,
                action=EscalationEvent.Action.ACK_OVERDUE,
                at=now,
                note=f"round {escalation.page_round}: {escalation.paged_user or '-'}",
            )
            page_assign(
                escalation, user=oncall_next(after_user_id=escalation.paged_user_id), now=now
            )
            repaged.append(escalation_id)
    resent = 0
    # Pages handed on just now have their own task (enqueued on commit).
    unsent = _unsent_pages().exclude(pk__in=repaged).values_list("pk", "page_round")
    for escalation_id, page_round in unsent:
        page_enqueue(escalation_id=escalation_id, page_round=page_round)
        resent += 1
    return {"repaged": len(repaged), "resent": resent}


def escalation_acknowledge(
    *, staff: User, escalation_id: int, now: datetime | None = None
) -> Escalation:
    """A staff member takes the open escalation on: paging stops. Raises NotFound (not
    staff, no such escalation) or DomainError (`already_closed`,
    `already_acknowledged`); then nothing changes."""
    if not (staff.is_authenticated and staff.is_staff):
        raise NotFound(_("No such escalation."))
    now = now or timezone.now()
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().filter(pk=escalation_id).first()
        if escalation is None:
            raise NotFound(_("No such escalation."))
        if escalation.state != Escalation.State.OPEN:
            raise DomainError(_("This escalation is already closed."), code="already_closed")
        if escalation.acknowledged_at is not None:
            raise DomainError(
                _("This escalation was already acknowledged."), code="already_acknowledged"
            )
        escalation.acknowledged_at = now
        escalation.acknowledged_by = staff
        escalation.save(update_fields=["acknowledged_at", "acknowledged_by"])
        EscalationEvent.objects.create(
            escalation=escalation,
            action=EscalationEvent.Action.ACKNOWLEDGED,
            actor=staff,
            at=now,
        )
    return escalation
