"""Orders for booking and payment tests. `OrderFactory` is a fresh appointment awaiting
payment, priced by the real quote engine; pay it with `tests.payments.helpers.order_paid`."""

from datetime import timedelta

import factory
from django.conf import settings
from django.utils import timezone

from listeners.pricing import quote_build
from sessions.models import Order
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory


def _next_hour(hours: int) -> "timezone.datetime":
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    return now + timedelta(hours=hours)


class OrderFactory(factory.django.DjangoModelFactory):
    """An appointment 60 minutes long, starting in about two hours, awaiting payment."""

    class Meta:
        model = Order

    class Params:
        package = None

    client = factory.SubFactory(UserFactory)
    listener = factory.SubFactory(ApprovedListenerFactory, tier=False)
    tier = factory.LazyAttribute(lambda o: PricingTierFactory(listener=o.listener))
    kind = Order.Kind.APPOINTMENT
    state = Order.State.PENDING_PAYMENT
    starts_at = factory.LazyFunction(lambda: _next_hour(2))
    minutes = 60
    quote = factory.LazyAttribute(
        lambda o: quote_build(
            tier=o.tier,
            start=o.starts_at,
            minutes=None if o.package else o.minutes,
            package=o.package,
        ).to_json()
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=o.quote["minutes"]))
    price_fen = factory.LazyAttribute(lambda o: o.quote["total_fen"])
    currency = "cny"
    reply_window_seconds = factory.LazyAttribute(lambda o: o.tier.reply_window_seconds)
    breach_refund_percent = factory.LazyAttribute(lambda o: o.tier.breach_refund_percent)
    breach_refund_cap_percent = factory.LazyAttribute(lambda o: o.tier.breach_refund_cap_percent)
    breach_termination_count = factory.LazyAttribute(lambda o: o.tier.breach_termination_count)
    created_at = factory.LazyFunction(timezone.now)
    payment_deadline = factory.LazyAttribute(
        lambda o: o.created_at + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES)
    )


class InstantOrderFactory(OrderFactory):
    """A 30-minute instant order booked just now, awaiting payment."""

    kind = Order.Kind.INSTANT
    starts_at = factory.LazyFunction(timezone.now)
    minutes = 30
