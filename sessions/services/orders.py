"""Booking and the order's life before and after the chat: create, mark paid, accept,
decline, cancel, expire, accept-timeout, reminders, settled hand-off.

Every state change goes through `order_transition` (row lock + transition table). Money
moves only through `payments.services`; refunds caused by a transition are reserved in the
same database transaction (a pending refund row) and sent to Stripe after commit.
Lock order: the client's user row, then the listener's profile row, then the order row.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from listeners.models import ListenerProfile, Package, PricingTier
from listeners.pricing import quote_build
from marketplace.exceptions import DomainError, NotFound
from marketplace.sms import sms_send
from payments.models import Refund
from payments.services.budget import budget_check
from payments.services.refunds import order_refund_full, refund_submit_on_commit
from sessions.models import Order
from sessions.services import lifecycle
from sessions.services.booking_guards import booking_guards_check
from sessions.services.chat import instant_order_announce
from sessions.services.transitions import order_lock, order_transition
from sessions.services.workload import workload_booking_check

logger = logging.getLogger(__name__)

# An appointment starts at least this far ahead and at most this far.
APPOINTMENT_MIN_LEAD = timedelta(minutes=10)
APPOINTMENT_MAX_LEAD = timedelta(days=60)
# Reminders go out this long before an accepted appointment starts.
REMINDER_BEFORE = timedelta(minutes=30)
# States in which an order occupies the listener's time.
BUSY_STATES = (
    Order.State.PENDING_PAYMENT,
    Order.State.PAID,
    Order.State.ACCEPTED,
    Order.State.ACTIVE,
)


class BookingError(DomainError):
    code = "booking_refused"
    status = 409


def _occupying(*, listener_id: int, now: datetime):
    """The listener's orders that hold time (unpaid ones only until their deadline)."""
    return Order.objects.filter(listener_id=listener_id, state__in=BUSY_STATES).exclude(
        state=Order.State.PENDING_PAYMENT, payment_deadline__lte=now
    )


def chat_slots_taken(*, listener_id, now: datetime):
    """The listener's orders that take one of their `max_concurrent_chats` slots: live
    sessions, and orders for now still waiting to start (`listener_id` may be an
    OuterRef, for a subquery over many listeners)."""
    return _occupying(listener_id=listener_id, now=now).filter(
        Q(state=Order.State.ACTIVE) | Q(kind__in=Order.NOW_KINDS)
    )


def contract_terms(tier: PricingTier) -> dict:
    """What an order copies from its tier at booking: the reply-window contract and the
    currency (later edits of the tier do not change orders already placed)."""
    return {
        "reply_window_seconds": tier.reply_window_seconds,
        "breach_refund_percent": tier.breach_refund_percent,
        "breach_refund_cap_percent": tier.breach_refund_cap_percent,
        "breach_termination_count": tier.breach_termination_count,
        "currency": settings.PLATFORM_CURRENCY,
    }


def order_create(
    *,
    client,
    tier_id: int,
    kind: str,
    start: datetime | None = None,
    minutes: int | None = None,
    package_id: int | None = None,
    now: datetime | None = None,
) -> Order:
    """Book `tier` for now (instant) or for `start` (appointment). The order awaits payment
    for PAYMENT_TIMEOUT_MINUTES."""
    now = now or timezone.now()
    if kind not in (Order.Kind.INSTANT, Order.Kind.APPOINTMENT):
        raise BookingError(_("Choose to book now or an appointment."), code="kind_invalid")
    tier = PricingTier.objects.select_related("listener").filter(pk=tier_id, is_active=True).first()
    if tier is None:
        raise NotFound(_("This pricing tier does not exist."))
    package = None
    if package_id is not None:
        package = Package.objects.filter(pk=package_id, tier=tier, is_active=True).first()
        if package is None:
            raise NotFound(_("This package does not exist."))
    if tier.listener.user_id == client.pk:
        raise BookingError(_("You cannot book yourself."), code="own_listener")
    if kind == Order.Kind.INSTANT:
        start = now
    elif start is None or start.tzinfo is None:
        raise BookingError(_("Choose when the appointment starts."), code="start_missing")
    elif start < now + APPOINTMENT_MIN_LEAD:
        raise BookingError(
            _("An appointment starts at least 10 minutes from now."), code="start_too_soon"
        )
    elif start > now + APPOINTMENT_MAX_LEAD:
        raise BookingError(
            _("An appointment starts at most 60 days from now."), code="start_too_late"
        )
    quote = quote_build(tier=tier, start=start, minutes=minutes, package=package)

    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=client.pk)
        booking_guards_check(
            client_id=client.pk, starts_at=quote.starts_at, minutes=quote.minutes, now=now
        )
        listener = ListenerProfile.objects.select_for_update().get(pk=tier.listener_id)
        if not listener.is_approved:
            raise BookingError(_("This listener is not verified yet."), code="listener_unverified")
        busy = _occupying(listener_id=listener.pk, now=now)
        if kind == Order.Kind.INSTANT:
            if listener.presence != ListenerProfile.Presence.ONLINE:
                raise BookingError(_("This listener is not online now."), code="listener_offline")
            chats = chat_slots_taken(listener_id=listener.pk, now=now).count()
            if chats >= listener.max_concurrent_chats:
                raise BookingError(
                    _("This listener is busy with other chats; try again soon."),
                    code="listener_full",
                )
        else:
            overlapping = busy.filter(starts_at__lt=quote.ends_at, ends_at__gt=quote.starts_at)
            if overlapping.exists():
                raise BookingError(
                    _("This listener is already booked at that time."), code="slot_taken"
                )
        # Shifts, workload limits and the cool-down protect the listener.
        workload_booking_check(
            listener=listener,
            instant=kind == Order.Kind.INSTANT,
            starts_at=quote.starts_at,
            ends_at=quote.ends_at,
            now=now,
        )
        budget_check(client=client, amount_fen=quote.total_fen, now=now)
        order = Order.objects.create(
            client=client,
            listener=listener,
            tier=tier,
            kind=kind,
            starts_at=quote.starts_at,
            ends_at=quote.ends_at,
            minutes=quote.minutes,
            quote=quote.to_json(),
            price_fen=quote.total_fen,
            **contract_terms(tier),
            created_at=now,
            payment_deadline=now + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES),
        )
    logger.info("order %s booked by %s (%s fen)", order.pk, client.pk, order.price_fen)
    return order


def order_mark_paid(*, order_id: int, now: datetime | None = None) -> Order:
    """Called by the payments area once the money is in escrow (never by a browser)."""
    now = now or timezone.now()
    order = Order.objects.get(pk=order_id)
    if order.kind in Order.NOW_KINDS:
        deadline = now + timedelta(seconds=settings.INSTANT_ACCEPT_SECONDS)
    else:
        deadline = order.starts_at
    order = order_transition(
        order_id=order_id, to=Order.State.PAID, now=now, accept_deadline=deadline
    )
    instant_order_announce(order=order)  # after commit, to the listener's dashboard
    return order


def _listener_order(*, order_id: int, listener_user) -> Order:
    order = order_lock(order_id=order_id)
    if order.listener.user_id != listener_user.pk:
        raise NotFound(_("No such order."))
    return order


def order_accept(*, order_id: int, listener_user, now: datetime | None = None) -> Order:
    """The listener takes the order. An instant order's paid time starts now: its window
    (as long as bought) moves from the booking to the acceptance, so minutes spent paying
    and waiting are not lost. The price stays the one quoted at booking."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _listener_order(order_id=order_id, listener_user=listener_user)
        if order.accept_deadline and order.accept_deadline <= now:
            raise BookingError(_("The time to accept this order has passed."), code="too_late")
        window = {}
        if order.kind == Order.Kind.INSTANT:
            window = {"starts_at": now, "ends_at": now + (order.ends_at - order.starts_at)}
        return order_transition(order_id=order_id, to=Order.State.ACCEPTED, now=now, **window)


def order_accept_and_start(*, order_id: int, listener_user, now: datetime | None = None) -> Order:
    """The listener accepts, and an order whose time has come (an instant one) starts at
    once, in the same transaction: no moment where it is accepted but not started."""
    now = now or timezone.now()
    with transaction.atomic():
        order = order_accept(order_id=order_id, listener_user=listener_user, now=now)
        if order.starts_at <= now:
            order = lifecycle.session_activate(order_id=order.pk, now=now)
    return order


def _close_with_refund(*, order: Order, to: str, cause: str, reason: str, now) -> Order:
    """Inside a transaction holding the order lock: move to `to` and reserve a full refund
    of what is left, sent to Stripe after commit."""
    order = order_transition(order_id=order.pk, to=to, now=now, end_reason=reason[:200])
    refund = order_refund_full(order=order, cause=cause, reason=reason)
    if refund is not None and refund.status == Refund.Status.PENDING:
        refund_submit_on_commit(refund_id=refund.pk)
    return order


def order_decline(*, order_id: int, listener_user, now: datetime | None = None) -> Order:
    now = now or timezone.now()
    with transaction.atomic():
        order = _listener_order(order_id=order_id, listener_user=listener_user)
        return _close_with_refund(
            order=order,
            to=Order.State.DECLINED,
            cause=Refund.Cause.DECLINED,
            reason="declined by the listener",
            now=now,
        )


def order_cancel(*, order_id: int, client, now: datetime | None = None) -> Order:
    """The client cancels: unpaid at any time; paid before the start with a full refund."""
    now = now or timezone.now()
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.client_id != client.pk:
            raise NotFound(_("No such order."))
        if order.state == Order.State.PENDING_PAYMENT:
            order = order_transition(
                order_id=order_id, to=Order.State.CANCELLED, now=now, end_reason="cancelled unpaid"
            )
            _cancel_intent_on_commit(order_id=order_id)
            return order
        started = order.starts_at <= now and not (
            order.kind in Order.NOW_KINDS and order.state == Order.State.PAID
        )
        if order.state in (Order.State.PAID, Order.State.ACCEPTED) and started:
            raise BookingError(
                _("The session has started; it can no longer be cancelled."), code="started"
            )
        return _close_with_refund(
            order=order,
            to=Order.State.CANCELLED,
            cause=Refund.Cause.CANCELLATION,
            reason="cancelled by the client before the start",
            now=now,
        )


def _cancel_intent_on_commit(*, order_id: int) -> None:
    def cancel():
        from payments.models import Payment
        from payments.stripe_gateway import GatewayUnavailable, payment_intent_cancel

        payment = Payment.objects.filter(order_id=order_id).first()
        if payment and payment.stripe_payment_intent_id:
            try:
                payment_intent_cancel(intent_id=payment.stripe_payment_intent_id)
            except GatewayUnavailable:
                # If it still succeeds, the late payment is refunded when it arrives.
                logger.warning("could not cancel the intent of order %s", order_id)

    transaction.on_commit(cancel)


def orders_expire_unpaid(*, now: datetime | None = None, limit: int = 500) -> int:
    """Beat: unpaid orders past their payment deadline expire."""
    now = now or timezone.now()
    ids = list(
        Order.objects.filter(state=Order.State.PENDING_PAYMENT, payment_deadline__lte=now)
        .order_by("payment_deadline")
        .values_list("id", flat=True)[:limit]
    )
    done = 0
    for order_id in ids:
        with transaction.atomic():
            order = order_lock(order_id=order_id)
            if order.state != Order.State.PENDING_PAYMENT or order.payment_deadline > now:
                continue
            order_transition(
                order_id=order_id, to=Order.State.EXPIRED, now=now, end_reason="not paid in time"
            )
            _cancel_intent_on_commit(order_id=order_id)
            done += 1
    return done


def orders_accept_timeout(*, now: datetime | None = None, limit: int = 500) -> int:
    """Beat: paid orders the listener did not accept in time are closed with a full refund
    (instant orders are cancelled, appointments expire)."""
    now = now or timezone.now()
    ids = list(
        Order.objects.filter(state=Order.State.PAID, accept_deadline__lte=now)
        .order_by("accept_deadline")
        .values_list("id", flat=True)[:limit]
    )
    done = 0
    for order_id in ids:
        with transaction.atomic():
            order = order_lock(order_id=order_id)
            if order.state != Order.State.PAID or order.accept_deadline > now:
                continue
            to = Order.State.CANCELLED if order.kind in Order.NOW_KINDS else Order.State.EXPIRED
            _close_with_refund(
                order=order,
                to=to,
                cause=Refund.Cause.ACCEPT_TIMEOUT,
                reason="the listener did not accept in time",
                now=now,
            )
            done += 1
    return done


def order_settle(*, order_id: int, now: datetime | None = None) -> Order:
    """Completed/terminated -> settled; called by `payments.services.settlement` after the
    release is posted, in the same transaction."""
    return order_transition(order_id=order_id, to=Order.State.SETTLED, now=now)


def appointment_reminders_send(*, now: datetime | None = None) -> int:
    """Beat: an SMS to both sides of each accepted appointment starting soon, once.

    "Once" is a Redis `add` (shared by every node) kept past the start; a lost Redis at
    worst repeats a reminder.
    """
    now = now or timezone.now()
    orders = Order.objects.filter(
        kind=Order.Kind.APPOINTMENT,
        state=Order.State.ACCEPTED,
        starts_at__gt=now,
        starts_at__lte=now + REMINDER_BEFORE,
    ).select_related("client", "listener__user")
    sent = 0
    for order in orders:
        if not cache.add(
            f"payments:reminder:{order.pk}", 1, timeout=int(REMINDER_BEFORE.total_seconds()) * 4
        ):
            continue
        local = timezone.localtime(order.starts_at).strftime("%H:%M")
        with translation.override(settings.LANGUAGE_CODE):
            text = _("Reminder: your session (order %(order)s) starts at %(time)s.") % {
                "order": order.pk,
                "time": local,
            }
        sms_send(phone=order.client.phone, text=text)
        sms_send(phone=order.listener.user.phone, text=text)
        sent += 1
    return sent
