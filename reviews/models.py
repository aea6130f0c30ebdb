"""Reviews of finished sessions, the listener's reply, reports and staff moderation.

One review per order is enforced by the database (a one-to-one on the order), star
bounds by a check constraint; who may review, when, and what happens to the listener's
rating are rules of `reviews.services`.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MIN_STARS = 1
MAX_STARS = 5
# Reviews with at least this many stars count as "positive" ("98 % positive").
POSITIVE_STARS = 4
MAX_TEXT_LENGTH = 1000
MAX_REPLY_LENGTH = 1000
MAX_REASON_LENGTH = 500
MAX_TAGS = 6


class ReviewTag(models.TextChoices):
    """The fixed set of praise a client can pick; stored by slug, shown translated."""

    PATIENT = "patient", _("patient")
    REPLIES_FAST = "replies_fast", _("replies fast")
    GOOD_ADVICE = "good_advice", _("good advice")
    WARM = "warm", _("warm")
    GOOD_LISTENER = "good_listener", _("good listener")
    PROFESSIONAL = "professional", _("professional")
    FUNNY = "funny", _("funny")
    NON_JUDGEMENTAL = "non_judgemental", _("non-judgemental")


class Review(models.Model):
    order = models.OneToOneField(
        "live_sessions.Order",
        on_delete=models.PROTECT,
        related_name="review",
        verbose_name=_("order"),
    )
    # Copied from the order so listing and aggregating never join through orders.
    listener = models.ForeignKey(
        "listeners.ListenerProfile",
        on_delete=models.PROTECT,
        related_name="reviews",
        verbose_name=_("listener"),
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reviews_written",
        verbose_name=_("client"),
    )
    stars = models.PositiveSmallIntegerField(
        _("stars"), validators=[MinValueValidator(MIN_STARS), MaxValueValidator(MAX_STARS)]
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # Stored after PII masking; the raw text is never kept.
    text = models.TextField(_("review"), max_length=MAX_TEXT_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    reply_text = models.TextField(_("reply"), max_length=MAX_REPLY_LENGTH, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(
        _("reason for hiding"), max_length=MAX_REASON_LENGTH, blank=True
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [
            # The profile list and the aggregate: visible reviews of one listener, newest first.
            models.Index(
                fields=["listener", "is_hidden", "-created_at"], name="review_listener_visible"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=MIN_STARS, stars__lte=MAX_STARS), name="review_stars_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(replied_at__isnull=True) | ~Q(reply_text=""),
                name="review_reply_has_text",
            ),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} of order {self.order_id} ({self.stars}★)"

    @property
    def has_reply(self) -> bool:
        return self.replied_at is not None

    @property
    def tag_items(self) -> list[tuple[str, str]]:
        """(slug, translated label) of each tag, in the set's order."""
        labels = dict(ReviewTag.choices)
        return [(slug, str(labels[slug])) for slug in self.tags if slug in labels]

    @property
    def author_label(self) -> str:
        """What the public sees of the author: a masked name, never the phone number."""
        name = self.client.display_name or ""
        return f"{name[:1]}***" if name else "***"


class ReviewReport(models.Model):
    class Reason(models.TextChoices):
        ABUSIVE = "abusive", _("Abusive or hateful")
        FALSE = "false", _("False or misleading")
        PERSONAL_INFO = "personal_info", _("Contains personal information")
        SPAM = "spam", _("Spam or advertising")
        OTHER = "other", _("Something else")

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="reports", verbose_name=_("review")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="review_reports",
        verbose_name=_("reporter"),
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("details"), max_length=MAX_REASON_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")
        constraints = [
            models.UniqueConstraint(fields=["review", "reporter"], name="review_report_once"),
        ]

    def __str__(self) -> str:
        return f"report on review {self.review_id}: {self.reason}"


class ReviewModeration(models.Model):
    """Append-only log of staff hiding and unhiding reviews, with their reasons."""

    class Action(models.TextChoices):
        HIDE = "hide", _("Hidden")
        UNHIDE = "unhide", _("Shown again")

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="moderations", verbose_name=_("review")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="review_moderations",
        verbose_name=_("staff member"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    reason = models.CharField(_("reason"), max_length=MAX_REASON_LENGTH)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("moderation")
        verbose_name_plural = _("moderations")

    def __str__(self) -> str:
        return f"{self.action} review {self.review_id}"
