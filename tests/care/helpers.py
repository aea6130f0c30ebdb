"""Sessions that happened: orders that went live and ended, for usage and nudge tests."""

from datetime import datetime, timedelta

from sessions.models import Order
from tests.sessions.factories import OrderFactory


def session_held(client, *, start: datetime, minutes: int, tier=None) -> Order:
    """A completed session of `minutes` that went live at `start` (no money moved)."""
    extra = {"tier": tier, "listener": tier.listener} if tier is not None else {}
    return OrderFactory(
        client=client,
        state=Order.State.COMPLETED,
        starts_at=start,
        minutes=minutes,
        created_at=start - timedelta(hours=1),
        activated_at=start,
        ended_at=start + timedelta(minutes=minutes),
        **extra,
    )
