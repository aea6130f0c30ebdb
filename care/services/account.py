"""The client's own data: export it as one JSON document, and close the account.

Closing keeps what the law requires us to keep and erases the rest (docs/care.md, the
privacy note at /care/privacy/):
- kept: orders, payments, refunds, disputes and every ledger row (transaction records),
  safety escalations (a record of a crisis response), all tied to an account that no
  longer names anyone;
- erased: phone number (replaced by a placeholder that cannot receive a code), display
  name, language, the text of every message the client wrote and of their reviews, sign-in
  codes, API tokens, budget and limits, the care profile and muted nudges. The account can
  no longer sign in (inactive, no password, every session ended).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from care.models import CareProfile, Nudge, NudgeMute
from marketplace.exceptions import DomainError
from marketplace.models import SelfExclusion, SmsCode
from payments.disputes.models import Dispute
from payments.models import BudgetCap, ClientLimit, Entry, Payment, Refund
from reviews.models import Review
from sessions.models import Message, Order, ReadMarker

OPEN_ORDER_STATES = (
    Order.State.PENDING_PAYMENT,
    Order.State.PAID,
    Order.State.ACCEPTED,
    Order.State.ACTIVE,
)


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def account_export(*, user) -> dict:
    """Everything we hold about the client: account, orders, messages, payments."""
    orders = list(
        Order.objects.filter(client=user).select_related("listener").order_by("created_at", "id")
    )
    order_ids = [order.pk for order in orders]
    messages = Message.objects.filter(order_id__in=order_ids).order_by("order_id", "seq")
    listener_users = {order.listener.user_id for order in orders}
    profile = CareProfile.objects.filter(client=user).first()
    return {
        "exported_at": _iso(timezone.now()),
        "account": {
            "phone": user.phone,
            "display_name": user.display_name,
            "role": user.role,
            "language": user.language,
            "date_joined": _iso(user.date_joined),
            "monthly_income_fen": profile.monthly_income_fen if profile else None,
        },
        "orders": [
            {
                "id": order.pk,
                "listener": order.listener.display_name,
                "kind": order.kind,
                "state": order.state,
                "starts_at": _iso(order.starts_at),
                "ends_at": _iso(order.ends_at),
                "minutes": order.minutes,
                "price_fen": order.price_fen,
                "currency": order.currency,
                "created_at": _iso(order.created_at),
                "activated_at": _iso(order.activated_at),
                "ended_at": _iso(order.ended_at),
                "end_reason": order.end_reason,
            }
            for order in orders
        ],
        "messages": [
            {
                "order": message.order_id,
                "seq": message.seq,
                "from": "system"
                if message.sender_id is None
                else "me"
                if message.sender_id == user.pk
                else "listener"
                if message.sender_id in listener_users
                else "staff",
                "text": message.text,
                "at": _iso(message.created_at),
            }
            for message in messages.iterator(chunk_size=2000)
        ],
        "payments": [
            {
                "order": payment.order_id,
                "amount_fen": payment.amount_fen,
                "status": payment.status,
                "created_at": _iso(payment.created_at),
            }
            for payment in Payment.objects.filter(order_id__in=order_ids).order_by("id")
        ],
        "ledger": [
            {
                "order": entry.transaction.order_id,
                "kind": entry.transaction.kind,
                "amount_fen": entry.amount_fen,
                "at": _iso(entry.transaction.created_at),
            }
            for entry in Entry.objects.filter(
                account__kind="escrow", transaction__order_id__in=order_ids
            )
            .select_related("transaction")
            .order_by("id")
        ],
        "refunds": [
            {
                "order": refund.order_id,
                "amount_fen": refund.amount_fen,
                "status": refund.status,
                "cause": refund.cause,
                "created_at": _iso(refund.created_at),
            }
            for refund in Refund.objects.filter(order_id__in=order_ids).order_by("id")
        ],
        "pauses": [
            {
                "starts_at": _iso(pause.starts_at),
                "ends_at": _iso(pause.ends_at),
                "end_requested_at": _iso(pause.end_requested_at),
            }
            for pause in SelfExclusion.objects.filter(user=user).order_by("id")
        ],
        "nudges": [
            {
                "rule": nudge.rule,
                "period": nudge.period,
                "seen": nudge.seen,
                "shown_at": _iso(nudge.shown_at),
                "choice": nudge.choice,
            }
            for nudge in Nudge.objects.filter(client=user).order_by("id")
        ],
    }


def account_close_refusal(*, user, now: datetime | None = None) -> str | None:
    """Why the account cannot be closed right now, or None."""
    now = now or timezone.now()
    if user.is_staff or user.role != user.Role.CLIENT:
        return _("Only client accounts can be closed here; please contact support.")
    open_orders = (
        Order.objects.filter(client=user, state__in=OPEN_ORDER_STATES)
        .exclude(state=Order.State.PENDING_PAYMENT, payment_deadline__lte=now)
        .exists()
    )
    if open_orders:
        return _(
            "You have an order that is not finished yet. Cancel it or let the session end, "
            "then close your account."
        )
    if Dispute.objects.filter(order__client=user).exclude(state=Dispute.State.RESOLVED).exists():
        return _("A dispute of yours is still open; it needs your account until it is decided.")
    return None


def account_close(*, user, now: datetime | None = None) -> None:
    """Erase the client's personal data and end the account (see the module docstring)."""
    now = now or timezone.now()
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        refusal = account_close_refusal(user=user, now=now)
        if refusal:
            raise DomainError(refusal, code="close_refused")
        old_phone = user.phone
        user.phone = f"x{user.pk:010d}"[-11:]  # unique, and never a mobile number
        user.display_name = ""
        user.language = ""
        user.is_active = False
        user.set_unusable_password()
        user.session_epoch += 1  # ends every web session and socket
        user.save()
        SmsCode.objects.filter(phone=old_phone).delete()
        Token.objects.filter(user=user).delete()
        Message.objects.filter(sender=user).update(text="", masked=[])
        Review.objects.filter(client=user).update(text="")
        ReadMarker.objects.filter(user=user).delete()
        BudgetCap.objects.filter(client=user).delete()
        ClientLimit.objects.filter(client=user).delete()
        CareProfile.objects.filter(client=user).delete()
        NudgeMute.objects.filter(client=user).delete()
