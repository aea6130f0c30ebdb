"""Safety: crisis escalations (with their audit trail) and flags on chat messages.

An `Escalation` opens when a client's message contains crisis language; at most one is
open per order (a partial unique constraint). While it is open, deadline refunds of the
order are deferred; staff close it with a note. Every step is an `EscalationEvent` row
(who, when, what), never updated. A `MessageFlag` records what the scan found in one
message (e.g. a request to move off the platform), so staff can count them per listener.
Only `sessions.services.safety` writes these rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Escalation(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    order = models.ForeignKey(
        "live_sessions.Order", on_delete=models.PROTECT, related_name="+", verbose_name=_("order")
    )
    # Denormalised from the order for the staff list.
    listener = models.ForeignKey(
        "listeners.ListenerProfile",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("listener"),
    )
    # The client message whose crisis language opened it.
    message = models.ForeignKey(
        "live_sessions.Message",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("message"),
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    # When the on-call SMS went out (null: no on-call number configured, or not yet).
    alerted_at = models.DateTimeField(_("on-call alerted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    close_note = models.TextField(_("closing note"), blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("safety escalation")
        verbose_name_plural = _("safety escalations")
        indexes = [models.Index(fields=["state", "opened_at"], name="escalation_state_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(state="open"), name="escalation_one_open_per_order"
            ),
            models.CheckConstraint(
                condition=Q(state="open", closed_at__isnull=True)
                | Q(state="closed", closed_at__isnull=False, closed_by__isnull=False),
                name="escalation_closed_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"escalation {self.pk} of order {self.order_id} ({self.state})"


class EscalationEvent(models.Model):
    """One audited step of an escalation; rows are only ever inserted."""

    class Action(models.TextChoices):
        OPENED = "opened", _("Opened")
        ALERTED = "alerted", _("On-call alerted")
        CRISIS_AGAIN = "crisis_again", _("Further crisis message")
        CLOSED = "closed", _("Closed")

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    # Null: the platform did it (the scan, the alert).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["escalation", "at", "id"]
        verbose_name = _("escalation event")
        verbose_name_plural = _("escalation events")

    def __str__(self) -> str:
        return f"{self.action} of escalation {self.escalation_id}"


class MessageFlag(models.Model):
    """Something the safety scan found in a stored message (besides masked data)."""

    class Kind(models.TextChoices):
        OFF_PLATFORM = "off_platform", _("Asked to move off the platform")
        CRISIS = "crisis", _("Crisis language")

    message = models.ForeignKey(
        "live_sessions.Message",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("message"),
    )
    order = models.ForeignKey(
        "live_sessions.Order", on_delete=models.CASCADE, related_name="+", verbose_name=_("order")
    )
    # The order's listener (so staff count flags per listener with one indexed query) and
    # who sent the message (the listener or the client).
    listener = models.ForeignKey(
        "listeners.ListenerProfile",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("listener"),
    )
    # "client" | "listener"
    sender_role = models.CharField(max_length=8, verbose_name=_("sender role"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message flag")
        verbose_name_plural = _("message flags")
        indexes = [models.Index(fields=["listener", "kind"], name="message_flag_listener_idx")]
        constraints = [
            models.UniqueConstraint(fields=["message", "kind"], name="message_flag_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on message {self.message_id}"
