"""Per-minute sessions at a chosen time: a client with a paid wallet, a per-minute tier
(¥5 a minute by day, ¥15 by night), the session booked, accepted and started at T0."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sessions.models import Order
from sessions.services import lifecycle, metering
from sessions.services.orders import order_accept
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory
from tests.payments.wallet_helpers import topup_paid

# 20:00 in Beijing: day minutes (the night window starts at 23:00).
T0 = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)
MINUTE_FEN = 500  # ¥5 a minute: ¥15 pays three minutes


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def per_minute_tier(**fields):
    listener = ApprovedListenerFactory(tier=False)
    return PricingTierFactory(
        listener=listener, per_minute=True, minute_price_fen=MINUTE_FEN, **fields
    )


def metered_session(*, balance_fen: int = 1_500, client=None, tier=None) -> Order:
    """A live per-minute session from T0 with `balance_fen` topped up (its first minute
    charged at booking)."""
    client = client or UserFactory()
    tier = tier or per_minute_tier()
    if balance_fen:
        topup_paid(client, balance_fen)
    order = metering.metered_order_create(client=client, tier_id=tier.pk, now=at(0))
    order_accept(order_id=order.pk, listener_user=tier.listener.user, now=at(0))
    lifecycle.session_activate(order_id=order.pk, now=at(0))
    order.refresh_from_db()
    return order
