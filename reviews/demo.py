# ruff: noqa: RUF001  (Chinese chat lines use full-width punctuation)
"""Demo reviews: each ended demo session (sessions/demo.py) gets its client's review
through the review service, so ratings and review counts come from real rows."""

from __future__ import annotations

from datetime import timedelta

from reviews.models import Review
from reviews.services import review_create
from sessions.models import Order

# (stars, tags, text), taken in turn.
REVIEWS = [
    (5, ["warm", "replies_fast"], "回复很快，也很耐心，聊完轻松多了。"),
    (4, ["good_advice"], "Good practice partner, one slow reply but a good session."),
    (5, ["warm"], "像朋友一样，谢谢你陪我聊天。"),
]


def seed(users) -> None:
    ended = Order.objects.filter(
        state=Order.State.COMPLETED, client__phone__startswith="1380000"
    ).order_by("pk")
    reviewed = set(Review.objects.filter(order__in=ended).values_list("order_id", flat=True))
    for n, order in enumerate(ended):
        if order.pk in reviewed:
            continue
        stars, tags, text = REVIEWS[n % len(REVIEWS)]
        review_create(
            order_id=order.pk,
            client=order.client,
            stars=stars,
            tags=tags,
            text=text,
            now=order.ended_at + timedelta(minutes=2),
        )
