"""Orders ready to chat, built directly in ACCEPTED or ACTIVE state (the booking and
payment flow has its own factories and tests)."""

from datetime import timedelta

import factory
from django.utils import timezone

from listeners.pricing import quote_build
from sessions.models import Message, Order
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory


class ChatOrderFactory(factory.django.DjangoModelFactory):
    """An active 60-minute text session that started a minute ago."""

    class Meta:
        model = Order

    client = factory.SubFactory(UserFactory)
    listener = factory.SubFactory(ApprovedListenerFactory, tier=False)
    tier = factory.LazyAttribute(lambda o: PricingTierFactory(listener=o.listener))
    kind = Order.Kind.INSTANT
    state = Order.State.ACTIVE
    minutes = 60
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=o.minutes))
    quote = factory.LazyAttribute(
        lambda o: quote_build(tier=o.tier, start=o.starts_at, minutes=o.minutes).to_json()
    )
    price_fen = factory.LazyAttribute(lambda o: o.quote["total_fen"])
    reply_window_seconds = factory.LazyAttribute(lambda o: o.tier.reply_window_seconds)
    breach_refund_percent = 10
    breach_refund_cap_percent = 50
    breach_termination_count = 3
    payment_deadline = factory.LazyAttribute(lambda o: o.starts_at)
    paid_at = factory.LazyAttribute(lambda o: o.starts_at - timedelta(minutes=1))
    accepted_at = factory.LazyAttribute(lambda o: o.starts_at - timedelta(seconds=30))
    activated_at = factory.LazyAttribute(
        lambda o: o.starts_at if o.state == Order.State.ACTIVE else None
    )


class AcceptedOrderFactory(ChatOrderFactory):
    """Accepted, starting in five minutes."""

    state = Order.State.ACCEPTED
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=5))


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    order = factory.SubFactory(ChatOrderFactory)
    seq = factory.Sequence(lambda n: n + 1)
    sender = factory.LazyAttribute(lambda o: o.order.client)
    text = factory.Sequence(lambda n: f"message {n}")
    client_id = factory.Sequence(lambda n: f"c{n}")


def session_cookie(user) -> str:
    """A signed-in web session for `user`, as its cookie value (what a browser sends)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def socket_headers(cookie: str | None, *, origin: str = "http://localhost") -> list:
    headers = [(b"origin", origin.encode()), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return headers
