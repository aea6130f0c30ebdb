"""Weekly and monthly plans (包周 / 包月): one daily window for 7 or 30 days, paid up front.

Each day is its own order (kind `plan`), with its own reply clock, escrow and settlement,
so a day the listener missed is refunded on its own. The plan holds only what the days
share; what happened to each day is read from its order (docs/payments.md, "Plans").
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Plan(models.Model):
    DAYS_CHOICES = ((7, _("7 days")), (30, _("30 days")))

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("client"),
    )
    listener = models.ForeignKey(
        "listeners.ListenerProfile",
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("listener"),
    )
    tier = models.ForeignKey(
        "listeners.PricingTier",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("pricing tier"),
    )
    days = models.PositiveSmallIntegerField(_("days"), choices=DAYS_CHOICES)
    # The daily window, in Beijing wall-clock time (as night pricing and shifts).
    first_day = models.DateField(_("first day"))
    daily_start = models.TimeField(_("daily start"))
    daily_minutes = models.PositiveSmallIntegerField(_("minutes a day"))
    discount_percent = models.PositiveSmallIntegerField(_("discount (%)"))
    price_fen = models.BigIntegerField(_("price (fen)"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price_fen__gt=0), name="plan_price_positive"),
            models.CheckConstraint(condition=models.Q(days__in=[7, 30]), name="plan_days_7_or_30"),
        ]

    def __str__(self) -> str:
        return _("plan %(id)s (%(days)s days)") % {"id": self.pk, "days": self.days}
