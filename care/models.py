"""Client care: what the client told us about themselves (an optional monthly income) and
the nudges shown to them, with their answers.

The limits booking must obey live lower down (`payments.ClientLimit`, the budget's
neighbour; `marketplace.SelfExclusion`), so booking never imports this app.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CareProfile(models.Model):
    """Optional facts the client chose to tell us, only for their own nudges."""

    client = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("client"),
    )
    monthly_income_fen = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("monthly income (fen)")
    )
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("care profile")
        verbose_name_plural = _("care profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_income_fen__isnull=True) | Q(monthly_income_fen__gt=0),
                name="care_income_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"care profile of {self.client_id}"


class Nudge(models.Model):
    """One nudge shown to one client: at most one per rule and period (the unique
    constraint), with the figures that were seen and the choice the client made."""

    class Rule(models.TextChoices):
        INCOME_SHARE = "income_share", _("Spending above a share of income")
        NIGHTS_IN_ROW = "nights_in_row", _("Chats on several nights in a row")
        HOURS_ABOVE_USUAL = "hours_above_usual", _("Hours far above the usual")
        BUDGET_USED = "budget_used", _("Budget mostly used")

    class Place(models.TextChoices):
        BOOKING = "booking", _("Booking page")
        SESSION_END = "session_end", _("End of a session")

    class Choice(models.TextChoices):
        LIMIT = "limit", _("Set a limit")
        BREAK = "break", _("Take a break")
        RESOURCES = "resources", _("Support resources")
        DISMISS = "dismiss", _("Dismissed")
        MUTE = "mute", _("Don't show this again")

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("client"),
    )
    rule = models.CharField(max_length=20, choices=Rule.choices, verbose_name=_("rule"))
    # The rule's period, e.g. "2026-12" (month) or "2026-W49" (ISO week).
    period = models.CharField(max_length=10, verbose_name=_("period"))
    place = models.CharField(max_length=12, choices=Place.choices, verbose_name=_("place"))
    # What was seen, as figures (rendered in plain words when shown).
    seen = models.JSONField(default=dict, verbose_name=_("what was seen"))
    shown_at = models.DateTimeField(default=timezone.now, verbose_name=_("shown at"))
    choice = models.CharField(
        max_length=10, choices=Choice.choices, blank=True, verbose_name=_("choice")
    )
    chosen_at = models.DateTimeField(null=True, blank=True, verbose_name=_("chosen at"))

    class Meta:
        verbose_name = _("nudge")
        verbose_name_plural = _("nudges")
        ordering = ["-shown_at", "-id"]
        indexes = [models.Index(fields=["shown_at", "rule"], name="care_nudge_shown_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "rule", "period"], name="care_nudge_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} nudge of {self.client_id} ({self.period})"


class NudgeMute(models.Model):
    """ "Don't show this again": the rule is never shown to this client again."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("client"),
    )
    rule = models.CharField(max_length=20, choices=Nudge.Rule.choices, verbose_name=_("rule"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("muted nudge")
        verbose_name_plural = _("muted nudges")
        constraints = [
            models.UniqueConstraint(fields=["client", "rule"], name="care_nudge_mute_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} muted by {self.client_id}"
