"""Listeners, their tags and pricing tiers.

The catalogue, the quote engine and booking read these; orders copy what they need at
booking time, so editing a tier never changes an order already placed.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Bounds shared by validation, forms and database constraints.
MAX_PRICE_PER_HOUR_FEN = 1_000_000  # ¥10,000 an hour: anything above is a typo
MAX_NIGHT_SURCHARGE_PERCENT = 500
DEFAULT_NIGHT_SURCHARGE_PERCENT = 200  # +200 %: the night price is 3x the day price
MAX_PLAN_DISCOUNT_PERCENT = 50
MIN_REPLY_WINDOW_SECONDS = 5
MAX_REPLY_WINDOW_SECONDS = 600


class Tag(models.Model):
    slug = models.SlugField(_("identifier (slug)"), unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=30)
    name_en = models.CharField(_("English name"), max_length=40)

    class Meta:
        ordering = ["id"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

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

    class Availability(models.TextChoices):
        """What the listener chose: online while any page of ours is open, away (shown
        busy: no bookings for now), or offline whatever is open."""

        ONLINE = "online", _("Online when a page is open")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="listener_profile",
        verbose_name=_("user"),
    )
    display_name = models.CharField(_("display name"), max_length=40)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    bio = models.TextField(_("bio"), max_length=2000, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    tags = models.ManyToManyField(Tag, related_name="listeners", blank=True, verbose_name=_("tags"))

    # Real-name verification. The full ID number is for staff only; everyone else sees
    # `id_number_masked`.
    legal_name = models.CharField(_("legal name"), max_length=40)
    id_number = models.CharField(_("resident ID number"), max_length=18)
    id_number_masked = models.CharField(_("resident ID number (masked)"), max_length=18)
    verification = models.CharField(
        _("verification status"),
        max_length=10,
        choices=Verification.choices,
        default=Verification.PENDING,
        db_index=True,
    )
    rejection_reason = models.CharField(_("rejection reason"), max_length=500, blank=True)
    verified_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    presence = models.CharField(
        _("online status"),
        max_length=10,
        choices=Presence.choices,
        default=Presence.OFFLINE,
        db_index=True,
    )
    availability = models.CharField(
        _("chosen status"),
        max_length=10,
        choices=Availability.choices,
        default=Availability.ONLINE,
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
    # The listener's own workload limits in hours; null means the platform's
    # (LISTENER_MAX_HOURS_*). Never above the platform's (checked by the service, and
    # the platform's wins if it is lowered later).
    max_hours_day = models.PositiveSmallIntegerField(
        _("maximum chat hours per day"), null=True, blank=True
    )
    max_hours_week = models.PositiveSmallIntegerField(
        _("maximum chat hours per week"), null=True, blank=True
    )
    max_night_hours_week = models.PositiveSmallIntegerField(
        _("maximum night chat hours per week"), null=True, blank=True
    )
    # Stripe Connect account that receives payouts (production); set by staff after
    # the listener completes Stripe's onboarding. Empty on the embedded default.
    stripe_account_id = models.CharField(_("Stripe payout account"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("listener profile")
        verbose_name_plural = _("listener profiles")
        indexes = [models.Index(fields=["verification", "presence"], name="listener_catalogue_idx")]
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
        # Sold per minute (calls inside the session, sessions/services/calls.py); booking
        # them by the hour or package is not offered yet.
        VOICE = "voice", _("Voice and text")
        VIDEO = "video", _("Video, voice and text")

    listener = models.ForeignKey(
        ListenerProfile, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("listener")
    )
    medium = models.CharField(
        _("medium"), max_length=10, choices=Medium.choices, default=Medium.TEXT
    )
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
        _("refund per missed reply (percent of the order)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    breach_refund_cap_percent = models.PositiveSmallIntegerField(
        _("cap on missed-reply refunds (percent of the order)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    breach_termination_count = models.PositiveSmallIntegerField(
        _("consecutive misses that end the session"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    # Pay as you go: a price per minute, charged from the client's wallet minute by minute.
    # Left empty, the minute prices derive from the hourly price (docs/payments.md).
    per_minute = models.BooleanField(_("offered per minute"), default=False)
    minute_price_fen = models.PositiveIntegerField(
        _("price per minute, day (fen)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PRICE_PER_HOUR_FEN)],
    )
    night_minute_price_fen = models.PositiveIntegerField(
        _("price per minute, night (fen)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PRICE_PER_HOUR_FEN)],
    )
    # Weekly and monthly plans (包周 / 包月): a daily window for 7 or 30 days, paid up front
    # at this discount. Empty means the plan is not offered (docs/payments.md, "Plans").
    week_plan_discount_percent = models.PositiveSmallIntegerField(
        _("weekly plan discount (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_PLAN_DISCOUNT_PERCENT)],
    )
    month_plan_discount_percent = models.PositiveSmallIntegerField(
        _("monthly plan discount (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_PLAN_DISCOUNT_PERCENT)],
    )
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["price_per_hour_fen", "id"]
        verbose_name = _("pricing tier")
        verbose_name_plural = _("pricing tiers")
        indexes = [
            models.Index(
                fields=["listener", "is_active", "medium", "price_per_hour_fen"],
                name="tier_catalogue_idx",
            )
        ]
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
    def plan_offers(self) -> list[tuple[int, int]]:
        """(days, discount) of each plan the tier offers, weekly first."""
        offers = ((7, self.week_plan_discount_percent), (30, self.month_plan_discount_percent))
        return [(days, discount) for days, discount in offers if discount is not None]

    def plan_discount_percent(self, days: int) -> int | None:
        """The discount of the plan of `days` days, or None when it is not offered."""
        return {7: self.week_plan_discount_percent, 30: self.month_plan_discount_percent}.get(days)

    @property
    def is_bookable(self) -> bool:
        return self.is_active and self.medium == self.Medium.TEXT


class Package(models.Model):
    """A fixed length sold at a discount, e.g. 60 minutes at 10 % off."""

    tier = models.ForeignKey(
        PricingTier,
        on_delete=models.CASCADE,
        related_name="packages",
        verbose_name=_("pricing tier"),
    )
    minutes = models.PositiveIntegerField(_("minutes"), validators=[MinValueValidator(1)])
    discount_percent = models.PositiveSmallIntegerField(
        _("discount (%)"), default=0, validators=[MaxValueValidator(90)]
    )
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["minutes"]
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        constraints = [
            models.UniqueConstraint(fields=["tier", "minutes"], name="package_unique_length"),
            models.CheckConstraint(
                condition=Q(discount_percent__lte=90), name="package_discount_at_most_90"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min -{self.discount_percent}%"


# The order "recommended" puts presences in (online first); stored on the stats row.
PRESENCE_RANK = {"online": 0, "busy": 1, "offline": 2}
LISTED = Q(is_listed=True)
RATING_FIELD = models.DecimalField(max_digits=3, decimal_places=2)


class ListenerStats(models.Model):
    """Everything the catalogue filters and sorts on, on one row per profile, so that one
    partial index per sort serves the filters too and a page reads a few index entries
    instead of joining every approved profile.

    Two kinds of columns:
    - measured figures (ratings, reply speed, breaches): reviews and the reply clocks
      write them through `listeners.services.listener_stats_update`;
    - copies of the profile, its tiers and its tags (`is_listed`, `presence_rank`,
      `takes_night_orders`, `tags_key`, `languages_key`, from-prices): recomputed by
      `listeners.services.listener_catalogue_sync`, which every service that changes
      those sources calls in the same transaction (presence changes go through
      `listener_presence_store`). The profile, tiers and tags stay the truth.

    Null reply figures mean "new": no measured replies yet.
    """

    listener = models.OneToOneField(
        ListenerProfile,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="stats",
        verbose_name=_("listener"),
    )
    rating_avg = models.DecimalField(
        _("average rating"), max_digits=3, decimal_places=2, null=True, blank=True
    )
    rating_count = models.PositiveIntegerField(_("number of reviews"), default=0)
    positive_count = models.PositiveIntegerField(_("positive reviews (4-5 stars)"), default=0)
    reply_count_30d = models.PositiveIntegerField(_("replies measured (30 days)"), default=0)
    reply_p50_ms = models.PositiveIntegerField(_("median reply time (ms)"), null=True, blank=True)
    reply_p95_ms = models.PositiveIntegerField(
        _("95th percentile reply time (ms)"), null=True, blank=True
    )
    reply_within_window_permille = models.PositiveSmallIntegerField(
        _("replies within the window (per mille)"), null=True, blank=True
    )
    breach_count_30d = models.PositiveIntegerField(_("missed windows (30 days)"), default=0)
    # Cheapest active text tier: day price and night price per hour, its reply window.
    from_price_day_fen = models.BigIntegerField(_("lowest day price (fen)"), null=True, blank=True)
    from_price_night_fen = models.BigIntegerField(
        _("lowest night price (fen)"), null=True, blank=True
    )
    min_reply_window_seconds = models.PositiveIntegerField(
        _("shortest reply window (seconds)"), null=True, blank=True
    )
    # 0-1500, derived from the figures above by listener_stats_update ("recommended").
    quality_score = models.IntegerField(_("quality score"), default=0)
    # The profile's languages as ",zh,en," so "speaks X" is a portable `contains` filter.
    languages_key = models.CharField(
        _("languages (search key)"), max_length=100, blank=True, default=""
    )
    # Copies for the catalogue (see the class docstring). Listed = approved and at least
    # one active text tier; the catalogue's indexes cover listed rows only.
    is_listed = models.BooleanField(_("listed in the catalogue"), default=False)
    presence_rank = models.PositiveSmallIntegerField(
        _("online status rank"), default=PRESENCE_RANK["offline"]
    )
    takes_night_orders = models.BooleanField(_("takes night orders"), default=True)
    # The profile's tag ids as ",3,7," (same portable `contains` trick as languages_key).
    tags_key = models.TextField(_("tags (search key)"), blank=True, default="")
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("listener stats")
        verbose_name_plural = _("listener stats")
        # One index per sort, each ending in the primary key (the tie-breaker), so
        # PostgreSQL walks it in order, checks the filters on the same row and stops
        # after a page.
        indexes = [
            models.Index(
                F("presence_rank"),
                F("quality_score").desc(),
                F("listener_id"),
                name="stats_recommended_idx",
                condition=LISTED,
            ),
            models.Index(
                Coalesce(F("rating_avg"), Value(0), output_field=RATING_FIELD).desc(),
                F("rating_count").desc(),
                F("listener_id"),
                name="stats_rating_sort_idx",
                condition=LISTED,
            ),
            models.Index(
                fields=["from_price_day_fen", "listener"],
                name="stats_price_sort_idx",
                condition=LISTED,
            ),
            models.Index(
                fields=["reply_p50_ms", "listener"],
                name="stats_reply_sort_idx",
                condition=LISTED,
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating_avg__isnull=True) | Q(rating_avg__gte=1, rating_avg__lte=5),
                name="stats_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(reply_within_window_permille__lte=1000),
                name="stats_permille_at_most_1000",
            ),
        ]

    def __str__(self) -> str:
        return f"stats of {self.listener_id}"


class ClientInterest(models.Model):
    """A tag a client chose after sign-up; the "recommended" sort ranks by overlap."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="interests",
        verbose_name=_("client"),
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+", verbose_name=_("tag"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("client interest")
        verbose_name_plural = _("client interests")
        constraints = [
            models.UniqueConstraint(fields=["user", "tag"], name="client_interest_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.tag_id}"


class Shift(models.Model):
    """One weekly working period of a listener, Asia/Shanghai wall clock: `weekday`
    (0 Monday) from `start` to `end`; an `end` of 00:00 means midnight (the end of that
    day). Shifts of one listener never overlap (checked by `listener_shifts_set`)."""

    listener = models.ForeignKey(
        ListenerProfile, on_delete=models.CASCADE, related_name="shifts", verbose_name=_("listener")
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MinValueValidator(0), MaxValueValidator(6)]
    )
    start = models.TimeField(_("starts"))
    end = models.TimeField(_("ends"))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="shift_weekday_0_to_6"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"


# A team keeps at most this share of its members' earnings (percent).
MAX_TEAM_COMMISSION_PERCENT = 20


class Team(models.Model):
    """A shop (店铺): an owner who is a listener, members, and the share of the members'
    earnings the team keeps (shown to a listener before they join)."""

    name = models.CharField(_("team name"), max_length=40, unique=True)
    owner = models.OneToOneField(
        ListenerProfile,
        on_delete=models.PROTECT,
        related_name="owned_team",
        verbose_name=_("owner"),
    )
    commission_percent = models.PositiveSmallIntegerField(
        _("team's share of members' earnings (%)"),
        default=0,
        validators=[MaxValueValidator(MAX_TEAM_COMMISSION_PERCENT)],
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.CheckConstraint(
                condition=Q(commission_percent__lte=MAX_TEAM_COMMISSION_PERCENT),
                name="team_commission_bounded",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    """A listener belongs to at most one team (the owner is a member too)."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )
    listener = models.OneToOneField(
        ListenerProfile,
        on_delete=models.CASCADE,
        related_name="team_membership",
        verbose_name=_("listener"),
    )
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self) -> str:
        return f"{self.listener_id} in {self.team_id}"


class TeamInvite(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="invites", verbose_name=_("team")
    )
    listener = models.ForeignKey(
        ListenerProfile,
        on_delete=models.CASCADE,
        related_name="team_invites",
        verbose_name=_("listener"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("team invitation")
        verbose_name_plural = _("team invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "listener"],
                condition=Q(state="pending"),
                name="team_invite_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"invite {self.listener_id} to {self.team_id}"
