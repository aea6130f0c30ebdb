"""Factories for the reviews tests.

Orders are built with their state set directly: the order lifecycle belongs to the
sessions services, and a review only cares that a session has ended and when.
"""

from datetime import timedelta

import factory
from django.utils import timezone

from listeners.models import ListenerProfile, PricingTier
from reviews.models import Review, ReviewReport
from sessions.models import Order
from tests.factories import ListenerUserFactory, UserFactory


class ListenerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ListenerProfile

    user = factory.SubFactory(ListenerUserFactory)
    display_name = factory.Sequence(lambda n: f"listener{n}")
    legal_name = "张三"
    id_number = "11010519491231002X"
    id_number_masked = "110***********002X"
    verification = ListenerProfile.Verification.APPROVED


class PricingTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PricingTier

    listener = factory.SubFactory(ListenerProfileFactory)
    reply_window_seconds = 30
    price_per_hour_fen = 6000


class OrderFactory(factory.django.DjangoModelFactory):
    """A completed one-hour session that ended an hour ago."""

    class Meta:
        model = Order

    client = factory.SubFactory(UserFactory)
    tier = factory.SubFactory(PricingTierFactory)
    listener = factory.SelfAttribute("tier.listener")
    kind = Order.Kind.INSTANT
    state = Order.State.COMPLETED
    ended_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    starts_at = factory.LazyAttribute(lambda o: (o.ended_at or timezone.now()) - timedelta(hours=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=o.minutes))
    minutes = 60
    quote = factory.LazyAttribute(lambda o: [{"minutes": o.minutes, "amount_fen": o.price_fen}])
    price_fen = 6000
    reply_window_seconds = 30
    breach_refund_percent = 10
    breach_refund_cap_percent = 50
    breach_termination_count = 3
    created_at = factory.LazyAttribute(lambda o: o.starts_at - timedelta(minutes=5))
    payment_deadline = factory.LazyAttribute(lambda o: o.created_at + timedelta(minutes=15))
    paid_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(minutes=1))
    accepted_at = factory.LazyAttribute(lambda o: o.paid_at)
    activated_at = factory.LazyAttribute(lambda o: o.starts_at)


class ReviewFactory(factory.django.DjangoModelFactory):
    """A stored review (rating figures are not refreshed: use the service for that)."""

    class Meta:
        model = Review

    order = factory.SubFactory(OrderFactory)
    listener = factory.SelfAttribute("order.listener")
    client = factory.SelfAttribute("order.client")
    stars = 5
    tags = factory.LazyFunction(list)
    text = "很耐心"
    created_at = factory.LazyFunction(timezone.now)


class ReviewReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewReport

    review = factory.SubFactory(ReviewFactory)
    reporter = factory.SubFactory(UserFactory)
    reason = ReviewReport.Reason.SPAM
