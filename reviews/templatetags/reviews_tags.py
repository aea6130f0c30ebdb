"""Template helpers for ratings: star strings and the share of positive reviews."""

from django import template
from django.utils import timezone

from reviews.models import MAX_STARS, ReviewReport
from reviews.selectors import rating_positive_percent, review_for_order, review_refusal

register = template.Library()


@register.filter
def stars_text(stars: int) -> str:
    """5 -> "★★★★★", 3 -> "★★★☆☆"."""
    try:
        full = max(0, min(MAX_STARS, int(stars)))
    except (TypeError, ValueError):
        return ""
    return "★" * full + "☆" * (MAX_STARS - full)


@register.filter
def positive_percent(stats) -> int | None:
    """Share of 4-5 star reviews of anything with rating_count and positive_count
    (ListenerStats, RatingSummary), in whole percent; None without reviews."""
    if stats is None:
        return None
    return rating_positive_percent(
        positive_count=getattr(stats, "positive_count", 0) or 0,
        rating_count=getattr(stats, "rating_count", 0) or 0,
    )


@register.simple_tag
def report_reasons() -> list[tuple[str, str]]:
    """The reasons a review can be reported for, translated."""
    return [(value, str(label)) for value, label in ReviewReport.Reason.choices]


@register.inclusion_tag("reviews/_review_link.html")
def review_link(order) -> dict:
    """The client's link on the order page: write a review while one is possible, or
    see the review once written (the order page lives below reviews, so it asks here)."""
    review = review_for_order(order_id=order.pk)
    can_review = review is None and review_refusal(order=order, now=timezone.now()) is None
    return {"order": order, "review": review, "can_review": can_review}
