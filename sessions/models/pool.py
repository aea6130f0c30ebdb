"""The open request pool (派单): a client posts what they need instead of picking a
listener; online eligible listeners see it and the first to claim it gets the order.

A request is for now (`starts_at` empty) or for a later time. It is `open` until it is
claimed (an order exists for it, booked for the client as an instant order or, for a
later time, an appointment, which the client then pays), cancelled by the client, or
expires at `expires_at`. Only `sessions.services.pool` writes these rows; the claim is one
conditional UPDATE, so exactly one listener wins.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OpenRequest(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Waiting for a listener")
        CLAIMED = "claimed", _("Taken by a listener")
        EXPIRED = "expired", _("No listener in time")
        CANCELLED = "cancelled", _("Cancelled")

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="open_requests",
        verbose_name=_("client"),
    )
    tags = models.ManyToManyField(
        "listeners.Tag", related_name="+", blank=True, verbose_name=_("tags")
    )
    minutes = models.PositiveIntegerField(_("minutes"))
    budget_fen = models.PositiveIntegerField(_("budget (fen)"))
    reply_window_seconds = models.PositiveIntegerField(_("longest reply window (seconds)"))
    starts_at = models.DateTimeField(_("starts at (empty: now)"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    claimed_by = models.ForeignKey(
        "listeners.ListenerProfile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("claimed by"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    order = models.OneToOneField(
        "live_sessions.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="open_request",
        verbose_name=_("order"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("open request")
        verbose_name_plural = _("open requests")
        indexes = [models.Index(fields=["state", "expires_at"], name="open_request_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="claimed") | Q(claimed_by__isnull=False),
                name="open_request_claimed_has_listener",
            ),
        ]

    def __str__(self) -> str:
        return f"request {self.pk} ({self.state})"
