"""Reads of the reviews area: public lists, rating aggregates, who may review what."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from marketplace.exceptions import NotFound
from reviews.exceptions import ReviewRefused
from reviews.models import POSITIVE_STARS, Review
from sessions.models import Order

# How long after a session ends its client may review it.
REVIEW_WINDOW = timedelta(days=7)
# Orders whose session has ended. A terminated session (ended early after missed replies)
# is reviewable too: that is where the client's experience matters most. SETTLED orders
# came from one of the two.
REVIEWABLE_STATES = frozenset({Order.State.COMPLETED, Order.State.TERMINATED, Order.State.SETTLED})


@dataclass(frozen=True)
class RatingSummary:
    rating_avg: Decimal | None  # two decimals, as ListenerStats stores it
    rating_count: int
    positive_count: int

    @property
    def positive_percent(self) -> int | None:
        return rating_positive_percent(
            positive_count=self.positive_count, rating_count=self.rating_count
        )


def rating_positive_percent(*, positive_count: int, rating_count: int) -> int | None:
    """Share of 4-5 star reviews in whole percent, rounded down ("98 % positive").

    Rounded down so a single 3-star review among many never shows as "100 %".
    """
    if not rating_count:
        return None
    return positive_count * 100 // rating_count


def listener_rating(*, listener_id: int) -> RatingSummary:
    """Average, count and positive count of a listener's visible reviews: one query."""
    row = Review.objects.filter(listener_id=listener_id, is_hidden=False).aggregate(
        rating_avg=Avg("stars"),
        rating_count=Count("id"),
        positive_count=Count("id", filter=Q(stars__gte=POSITIVE_STARS)),
    )
    avg = row["rating_avg"]
    return RatingSummary(
        rating_avg=None
        if avg is None
        else Decimal(str(avg)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        rating_count=row["rating_count"],
        positive_count=row["positive_count"],
    )


def reviews_for_listener(*, listener_id: int, include_hidden: bool = False) -> QuerySet[Review]:
    """A listener's reviews, newest first, with what a list shows in the same query.

    Public lists leave hidden reviews out; the listener's own page and staff may include
    them.
    """
    reviews = Review.objects.filter(listener_id=listener_id)
    if not include_hidden:
        reviews = reviews.filter(is_hidden=False)
    return reviews.select_related("client").order_by("-created_at", "-id")


def review_deadline(*, order: Order) -> datetime | None:
    return None if order.ended_at is None else order.ended_at + REVIEW_WINDOW


def review_refusal(*, order: Order, now: datetime) -> ReviewRefused | None:
    """Why this order cannot be reviewed now (state and time only), or None."""
    if order.state not in REVIEWABLE_STATES or order.ended_at is None:
        return ReviewRefused(
            _("You can review this session once it has ended."), code="order_not_finished"
        )
    if now > order.ended_at + REVIEW_WINDOW:
        return ReviewRefused(
            _("Reviews are possible for %(days)d days after a session ends; this one is closed.")
            % {"days": REVIEW_WINDOW.days},
            code="review_window_closed",
        )
    return None


def access_order_for_review(*, order_id: int, user) -> Order:
    """The user's own order, or NotFound (someone else's order looks like no order)."""
    order = (
        Order.objects.filter(pk=order_id, client_id=user.pk).select_related("listener").first()
        if user.is_authenticated
        else None
    )
    if order is None:
        raise NotFound(_("No such order."))
    return order


def review_for_order(*, order_id: int) -> Review | None:
    return Review.objects.filter(order_id=order_id).select_related("client").first()


def access_review_for_listener(*, review_id: int, user) -> Review:
    """A review of the user's own listener profile, or NotFound."""
    review = (
        Review.objects.filter(pk=review_id, listener__user_id=user.pk)
        .select_related("client", "listener")
        .first()
        if user.is_authenticated
        else None
    )
    if review is None:
        raise NotFound(_("No such review."))
    return review
