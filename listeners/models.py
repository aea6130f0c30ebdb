"""Listeners, their tags and pricing tiers.

The catalogue, the quote engine and booking read these; orders copy what they need at
booking time, so editing a tier never changes an order already placed.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Bounds shared by validation, forms and database constraints.
MAX_PRICE_PER_HOUR_FEN = 1_000_000  # ¥10,000 an hour: anything above is a typo
MAX_NIGHT_SURCHARGE_PERCENT = 500
DEFAULT_NIGHT_SURCHARGE_PERCENT = 200  # +200 %: the night price is 3x the day price
MIN_REPLY_WINDOW_SECONDS = 5
MAX_REPLY_WINDOW_SECONDS = 600


class Tag(models.Model):
    slug = models.SlugField(unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=30)
    name_en = models.CharField(_("English name"), max_length=40)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class ListenerProfile(models.Model):
    class Verification(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Presence(models.TextChoices):
        ONLINE = "online", _("Online")
        BUSY = "busy", _("Busy")
        OFFLINE = "offline", _("Offline")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="listener_profile"
    )
    display_name = models.CharField(_("display name"), max_length=40)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    bio = models.TextField(_("bio"), max_length=2000, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    tags = models.ManyToManyField(Tag, related_name="listeners", blank=True)

    # Real-name verification. The full ID number is for staff only; everyone else sees
    # `id_number_masked`.
    legal_name = models.CharField(_("legal name"), max_length=40)
    id_number = models.CharField(_("resident ID number"), max_length=18)
    id_number_masked = models.CharField(max_length=18)
    verification = models.CharField(
        max_length=10, choices=Verification.choices, default=Verification.PENDING, db_index=True
    )
    rejection_reason = models.CharField(_("rejection reason"), max_length=500, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    presence = models.CharField(
        max_length=10, choices=Presence.choices, default=Presence.OFFLINE, db_index=True
    )
    max_concurrent_chats = models.PositiveSmallIntegerField(
        _("maximum concurrent chats"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    takes_night_orders = models.BooleanField(_("takes night orders"), default=True)
    # Null means the platform's night window (settings.NIGHT_WINDOW).
    night_start = models.TimeField(_("night starts"), null=True, blank=True)
    night_end = models.TimeField(_("night ends"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(max_concurrent_chats__gte=1, max_concurrent_chats__lte=10),
                name="listener_max_chats_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_approved(self) -> bool:
        return self.verification == self.Verification.APPROVED


class PricingTier(models.Model):
    """What a listener sells: a medium, a reply window and a price, plus contract terms
    for missed replies that are copied onto each order at booking."""

    class Medium(models.TextChoices):
        TEXT = "text", _("Text chat")
        VOICE = "voice", _("Voice (coming soon)")
        VIDEO = "video", _("Video (coming soon)")

    listener = models.ForeignKey(ListenerProfile, on_delete=models.CASCADE, related_name="tiers")
    medium = models.CharField(max_length=10, choices=Medium.choices, default=Medium.TEXT)
    reply_window_seconds = models.PositiveIntegerField(
        _("reply window (seconds)"),
        validators=[
            MinValueValidator(MIN_REPLY_WINDOW_SECONDS),
            MaxValueValidator(MAX_REPLY_WINDOW_SECONDS),
        ],
    )
    price_per_hour_fen = models.BigIntegerField(
        _("price per hour (fen)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PRICE_PER_HOUR_FEN)],
    )
    night_surcharge_percent = models.PositiveSmallIntegerField(
        _("night surcharge (%)"),
        default=DEFAULT_NIGHT_SURCHARGE_PERCENT,
        validators=[MaxValueValidator(MAX_NIGHT_SURCHARGE_PERCENT)],
    )
    min_minutes = models.PositiveSmallIntegerField(
        _("minimum minutes"), default=15, validators=[MinValueValidator(1)]
    )
    # Contract terms for missed replies (see the reply-window contract).
    breach_refund_percent = models.PositiveSmallIntegerField(
        _("refund per missed reply (% of the order)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    breach_refund_cap_percent = models.PositiveSmallIntegerField(
        _("cap on missed-reply refunds (% of the order)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    breach_termination_count = models.PositiveSmallIntegerField(
        _("consecutive misses that end the session"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["price_per_hour_fen", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    price_per_hour_fen__gte=1, price_per_hour_fen__lte=MAX_PRICE_PER_HOUR_FEN
                ),
                name="tier_price_in_range",
            ),
            models.CheckConstraint(
                condition=Q(night_surcharge_percent__lte=MAX_NIGHT_SURCHARGE_PERCENT),
                name="tier_night_surcharge_in_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    reply_window_seconds__gte=MIN_REPLY_WINDOW_SECONDS,
                    reply_window_seconds__lte=MAX_REPLY_WINDOW_SECONDS,
                ),
                name="tier_reply_window_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listener} · {self.get_medium_display()} · {self.reply_window_seconds}s"

    @property
    def is_bookable(self) -> bool:
        return self.is_active and self.medium == self.Medium.TEXT


class Package(models.Model):
    """A fixed length sold at a discount, e.g. 60 minutes at 10 % off."""

    tier = models.ForeignKey(PricingTier, on_delete=models.CASCADE, related_name="packages")
    minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    discount_percent = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(90)]
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["minutes"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "minutes"], name="package_unique_length"),
            models.CheckConstraint(
                condition=Q(discount_percent__lte=90), name="package_discount_at_most_90"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min -{self.discount_percent}%"
