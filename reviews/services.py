"""Writes of the reviews area.

Every change that moves a listener's rating (a new review, hiding, unhiding) takes the
listener's profile row lock first and recomputes the rating with one aggregate query in
the same transaction, so concurrent reviews of one listener can never leave stale
figures behind. Locks are always taken in the order listener -> review.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from listeners.models import ListenerProfile
from listeners.services import listener_stats_update
from marketplace.exceptions import NotFound
from marketplace.models import User
from payments.disputes.notifications import Kind, notify_on_commit
from reviews import selectors
from reviews.exceptions import ReviewInvalid, ReviewRefused
from reviews.models import (
    MAX_REASON_LENGTH,
    MAX_REPLY_LENGTH,
    MAX_STARS,
    MAX_TAGS,
    MAX_TEXT_LENGTH,
    MIN_STARS,
    Review,
    ReviewModeration,
    ReviewReport,
    ReviewTag,
)
from reviews.text import mask_pii, normalise


def _clean_stars(stars: object) -> int:
    if (
        isinstance(stars, bool)
        or not isinstance(stars, int)
        or not (MIN_STARS <= stars <= MAX_STARS)
    ):
        raise ReviewInvalid(
            _("Stars must be a whole number from %(min)d to %(max)d.")
            % {"min": MIN_STARS, "max": MAX_STARS},
            code="invalid_stars",
        )
    return stars


def _clean_tags(tags: Sequence[str]) -> list[str]:
    allowed = set(ReviewTag.values)
    unknown = [tag for tag in tags if tag not in allowed]
    if unknown:
        raise ReviewInvalid(
            _("Unknown tag: %(tags)s.") % {"tags": ", ".join(map(str, unknown))},
            code="invalid_tags",
        )
    unique = list(dict.fromkeys(tags))
    if len(unique) > MAX_TAGS:
        raise ReviewInvalid(
            _("Pick at most %(max)d tags.") % {"max": MAX_TAGS}, code="invalid_tags"
        )
    # Stored in the fixed order of the set, so equal choices look equal.
    return [tag for tag in ReviewTag.values if tag in unique]


def _clean_text(text: str, *, limit: int, required: bool = False) -> str:
    cleaned = mask_pii(text or "")
    if required and not cleaned:
        raise ReviewInvalid(_("Please write something."), code="text_required")
    if len(cleaned) > limit:
        raise ReviewInvalid(
            _("Please keep it under %(limit)d characters.") % {"limit": limit},
            code="text_too_long",
        )
    return cleaned


def _clean_reason(reason: str) -> str:
    cleaned = normalise(reason or "")
    if not cleaned:
        raise ReviewInvalid(_("A reason is required."), code="reason_required")
    if len(cleaned) > MAX_REASON_LENGTH:
        raise ReviewInvalid(
            _("Please keep it under %(limit)d characters.") % {"limit": MAX_REASON_LENGTH},
            code="text_too_long",
        )
    return cleaned


def _listener_lock(*, listener_id: int) -> ListenerProfile:
    """Serialises rating changes of one listener until the transaction ends."""
    return ListenerProfile.objects.select_for_update().get(pk=listener_id)


def _rating_refresh(*, listener: ListenerProfile) -> None:
    """Writes the listener's rating figures; call with the listener lock held."""
    summary = selectors.listener_rating(listener_id=listener.pk)
    listener_stats_update(
        listener=listener,
        rating_avg=summary.rating_avg,
        rating_count=summary.rating_count,
        positive_count=summary.positive_count,
    )


@transaction.atomic
def review_create(
    *,
    order_id: int,
    client: User,
    stars: int,
    tags: Sequence[str] = (),
    text: str = "",
    now: datetime | None = None,
) -> Review:
    """The client's one review of an ended order, within the review window.

    Refused, with nothing written: someone else's order (NotFound), a session that has
    not ended, the window closed, a second review, stars outside 1-5, unknown tags, text
    too long.
    """
    now = now or timezone.now()
    order = selectors.access_order_for_review(order_id=order_id, user=client)
    refusal = selectors.review_refusal(order=order, now=now)
    if refusal is not None:
        raise refusal
    stars = _clean_stars(stars)
    tags = _clean_tags(tags)
    text = _clean_text(text, limit=MAX_TEXT_LENGTH)

    listener = _listener_lock(listener_id=order.listener_id)
    already = ReviewRefused(_("You have already reviewed this session."), code="already_reviewed")
    # Under the listener lock a concurrent review of this order has committed or not
    # started; the unique order column is the backstop either way.
    if Review.objects.filter(order_id=order.pk).exists():
        raise already
    try:
        with transaction.atomic():
            review = Review.objects.create(
                order=order,
                listener=listener,
                client=client,
                stars=stars,
                tags=tags,
                text=text,
                created_at=now,
            )
    except IntegrityError as error:
        raise already from error
    _rating_refresh(listener=listener)
    # In-site only (no SMS): the listener sees it under Notifications.
    notify_on_commit(
        user_id=listener.user_id,
        kind=Kind.REVIEW_RECEIVED,
        params={"order": order.pk, "stars": stars},
        url=reverse("reviews:mine"),
        sms=False,
    )
    return review


@transaction.atomic
def review_reply(
    *, review_id: int, listener_user: User, text: str, now: datetime | None = None
) -> Review:
    """The listener's one public reply to a review of them."""
    now = now or timezone.now()
    selectors.access_review_for_listener(review_id=review_id, user=listener_user)
    text = _clean_text(text, limit=MAX_REPLY_LENGTH, required=True)
    review = Review.objects.select_for_update().get(pk=review_id)
    if review.replied_at is not None:
        raise ReviewRefused(_("You have already replied to this review."), code="already_replied")
    review.reply_text = text
    review.replied_at = now
    review.save(update_fields=["reply_text", "replied_at"])
    return review


@transaction.atomic
def review_report(
    *,
    review_id: int,
    reporter: User,
    reason: str,
    note: str = "",
    now: datetime | None = None,
) -> ReviewReport:
    """A signed-in user (the reviewed listener or anyone else) flags a review for staff."""
    review = Review.objects.filter(pk=review_id, is_hidden=False).first()
    if review is None:
        raise NotFound(_("No such review."))
    if review.client_id == reporter.pk:
        raise ReviewInvalid(_("You cannot report your own review."), code="own_review")
    if reason not in ReviewReport.Reason.values:
        raise ReviewInvalid(_("Please pick a reason."), code="invalid_reason")
    note = _clean_text(note, limit=MAX_REASON_LENGTH)
    already = ReviewRefused(_("You have already reported this review."), code="already_reported")
    if ReviewReport.objects.filter(review_id=review.pk, reporter_id=reporter.pk).exists():
        raise already
    try:
        with transaction.atomic():
            return ReviewReport.objects.create(
                review=review,
                reporter=reporter,
                reason=reason,
                note=note,
                created_at=now or timezone.now(),
            )
    except IntegrityError as error:
        raise already from error


def _moderate(
    *, review_id: int, staff: User, reason: str, hide: bool, now: datetime | None
) -> Review:
    if not (staff.is_authenticated and staff.is_staff):
        raise NotFound(_("No such review."))
    reason = _clean_reason(reason)
    listener_id = Review.objects.filter(pk=review_id).values_list("listener_id", flat=True).first()
    if listener_id is None:
        raise NotFound(_("No such review."))
    listener = _listener_lock(listener_id=listener_id)
    review = Review.objects.select_for_update().get(pk=review_id)
    if review.is_hidden == hide:
        if hide:
            raise ReviewRefused(_("This review is already hidden."), code="already_hidden")
        raise ReviewRefused(_("This review is not hidden."), code="not_hidden")
    now = now or timezone.now()
    review.is_hidden = hide
    review.hidden_reason = reason if hide else ""
    review.hidden_at = now if hide else None
    review.save(update_fields=["is_hidden", "hidden_reason", "hidden_at"])
    ReviewModeration.objects.create(
        review=review,
        staff=staff,
        action=ReviewModeration.Action.HIDE if hide else ReviewModeration.Action.UNHIDE,
        reason=reason,
        created_at=now,
    )
    _rating_refresh(listener=listener)
    return review


@transaction.atomic
def review_hide(*, review_id: int, staff: User, reason: str, now: datetime | None = None) -> Review:
    """Staff hide a review from every public list and from the rating, with a reason."""
    return _moderate(review_id=review_id, staff=staff, reason=reason, hide=True, now=now)


@transaction.atomic
def review_unhide(
    *, review_id: int, staff: User, reason: str, now: datetime | None = None
) -> Review:
    """Staff show a hidden review again; it counts towards the rating again."""
    return _moderate(review_id=review_id, staff=staff, reason=reason, hide=False, now=now)
