"""Hand-over (转单): a listener hands an active session to another listener, with the
client's consent. Each row is also the audit of one proposal: who, to whom, when, and how
it ended."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Handover(models.Model):
    class State(models.TextChoices):
        # Without a team, the listener asked must accept before the client is asked.
        WAITING_LISTENER = "waiting_listener", _("Waiting for the listener asked")
        PROPOSED = "proposed", _("Waiting for the client")
        ACCEPTED = "accepted", _("Handed over")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Not answered in time")

    OPEN_STATES = (State.WAITING_LISTENER, State.PROPOSED)

    order = models.ForeignKey(
        "live_sessions.Order",
        on_delete=models.PROTECT,
        related_name="handovers",
        verbose_name=_("order"),
    )
    from_listener = models.ForeignKey(
        "listeners.ListenerProfile",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("from listener"),
    )
    to_listener = models.ForeignKey(
        "listeners.ListenerProfile",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to listener"),
    )
    within_team = models.BooleanField(_("to a teammate"), default=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    expires_at = models.DateTimeField(_("answer before"))
    listener_answered_at = models.DateTimeField(
        _("listener asked answered at"), null=True, blank=True
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(state__in=["waiting_listener", "proposed"]),
                name="handover_one_open_per_order",
            ),
            models.CheckConstraint(
                condition=~Q(from_listener=models.F("to_listener")),
                name="handover_to_someone_else",
            ),
        ]

    def __str__(self) -> str:
        return f"hand-over {self.pk} of order {self.order_id} ({self.state})"
