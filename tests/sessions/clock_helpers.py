"""Helpers for the reply-clock tests: sessions running at a chosen time, messages sent at
a chosen server time, and orders paid for real (local Stripe) so refunds reach the ledger."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from payments.models import Refund
from sessions.models import Breach, Message, Order, ReplyClock
from sessions.services import chat, lifecycle
from sessions.services.transitions import order_transition
from tests.sessions.chat_factories import ChatOrderFactory
from tests.sessions.factories import InstantOrderFactory

_ids = itertools.count(1)
T0 = datetime(2030, 1, 15, 12, 0, tzinfo=timezone.get_fixed_timezone(0))


def at(seconds: float) -> datetime:
    """A point on the test clock, `seconds` after T0."""
    return T0 + timedelta(seconds=seconds)


def active_order(*, window: int = 10, minutes: int = 60, **terms) -> Order:
    """An active session from T0 for `minutes`, with a `window`-second reply window."""
    return ChatOrderFactory(
        starts_at=T0,
        minutes=minutes,
        reply_window_seconds=window,
        activated_at=T0,
        **terms,
    )


def paid_active_order(*, window: int = 10, minutes: int = 30, **terms) -> Order:
    """An instant order paid for real through the local Stripe server, accepted and
    active from T0 (its price is held in escrow)."""
    from tests.payments.helpers import order_paid

    order = InstantOrderFactory(minutes=minutes, **terms)
    order = order_paid(order)
    order_transition(order_id=order.pk, to=Order.State.ACCEPTED, now=T0)
    length = order.ends_at - order.starts_at
    Order.objects.filter(pk=order.pk).update(
        starts_at=T0, ends_at=T0 + length, reply_window_seconds=window
    )
    lifecycle.session_activate(order_id=order.pk, now=T0)
    order.refresh_from_db()
    return order


def send(order: Order, who: str, seconds: float, text: str = "hello") -> Message:
    """`who` ("client" or "listener") sends a message at T0 + seconds."""
    user = order.client if who == "client" else order.listener.user
    result = chat.message_send(
        user=user, order_id=order.pk, client_id=f"m{next(_ids)}", text=text, now=at(seconds)
    )
    return result.message


def clocks(order: Order) -> list[ReplyClock]:
    return list(ReplyClock.objects.filter(order=order).order_by("pk"))


def breaches(order: Order) -> list[Breach]:
    return list(Breach.objects.filter(order=order).order_by("pk"))


def refunds(order: Order) -> list[tuple[str, str, int, str]]:
    return list(
        Refund.objects.filter(order=order)
        .order_by("pk")
        .values_list("cause", "idempotency_source", "amount_fen", "status")
    )
