"""Notifications to users: an in-site row and an SMS, both sent after commit.

`notify_on_commit(user_id=..., kind=..., params=..., url=...)` is the one entry point
(Zulip's `send_event_on_commit`): nothing is written or sent if the surrounding transaction
rolls back. The text is built from `kind` + `params` by `notification_text`, in the
reader's language on the site and in the platform's default language for the SMS.
Failing SMS backends are logged and never undo what was decided (`robust=True`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.models import User
from marketplace.sms import sms_send
from payments.disputes.models import Notification

logger = logging.getLogger(__name__)


class Kind:
    DISPUTE_OPENED = "dispute_opened"  # to the listener
    DISPUTE_RECEIVED = "dispute_received"  # to the client
    DISPUTE_ANSWERED = "dispute_answered"  # to the client
    DISPUTE_RESOLVED = "dispute_resolved"  # to both
    REVIEW_RECEIVED = "review_received"  # to the listener
    REQUEST_CLAIMED = "request_claimed"  # to the client (the open request pool)
    REQUEST_EXPIRED = "request_expired"  # to the client


def notification_text(*, kind: str, params: dict[str, Any]) -> str:
    """The human text of a notification, in the active language."""
    order = params.get("order", "")
    if kind == Kind.DISPUTE_OPENED:
        return _(
            "The client opened a dispute on order #%(order)s. Settlement is on hold; "
            "you can answer with your statement."
        ) % {"order": order}
    if kind == Kind.DISPUTE_RECEIVED:
        return _(
            "We received your dispute on order #%(order)s. Our team will review the "
            "evidence and decide."
        ) % {"order": order}
    if kind == Kind.DISPUTE_ANSWERED:
        return _("The listener answered your dispute on order #%(order)s.") % {"order": order}
    if kind == Kind.DISPUTE_RESOLVED:
        outcome = params.get("outcome")
        if outcome == "reject":
            text = _("Your dispute on order #%(order)s was decided: no refund.")
        else:
            text = _(
                "Your dispute on order #%(order)s was decided: ¥%(amount)s is refunded "
                "to the client."
            )
        reason = params.get("reason", "")
        text = text % {"order": order, "amount": params.get("amount_yuan", "")}
        return f"{text} {_('Reason:')} {reason}" if reason else text
    if kind == Kind.REVIEW_RECEIVED:
        return _("You received a %(stars)s-star review for order #%(order)s.") % {
            "stars": params.get("stars", ""),
            "order": order,
        }
    if kind == Kind.REQUEST_CLAIMED:
        return _("%(listener)s took your request: pay order #%(order)s to start.") % {
            "listener": params.get("listener", ""),
            "order": order,
        }
    if kind == Kind.REQUEST_EXPIRED:
        return _("No listener took your request in time; post it again or pick a listener.")
    return kind


def _deliver(*, user_id: int, kind: str, params: dict[str, Any], url: str, sms: bool) -> None:
    Notification.objects.create(user_id=user_id, kind=kind, params=params, url=url)
    if not sms:
        return
    phone = User.objects.filter(pk=user_id).values_list("phone", flat=True).first()
    if not phone:
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = notification_text(kind=kind, params=params)
    sms_send(phone=phone, text=text)


def notify_on_commit(
    *, user_id: int, kind: str, params: dict[str, Any], url: str = "", sms: bool = True
) -> None:
    """Write the in-site notification and send the SMS once the transaction commits."""
    transaction.on_commit(
        lambda: _deliver(user_id=user_id, kind=kind, params=params, url=url, sms=sms),
        robust=True,
    )


def notifications_for_user(*, user: User, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("-created_at", "-id")[:limit])


def notifications_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_mark_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
