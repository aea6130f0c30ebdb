"""Disputes, their audit log, and in-site notifications.

Loaded by `payments.models`, so the models belong to the payments app (its migrations).

A dispute moves OPEN -> (AWAITING_APPROVAL ->) RESOLVED, only in
`payments.disputes.services`, each step under the order's and the dispute's row locks.
One dispute per order (a unique constraint): the decision is final, and what is left of the
escrow afterwards is settled.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Dispute(models.Model):
    class Reason(models.TextChoices):
        LISTENER_ABSENT = "listener_absent", _("The listener was absent")
        SLOW_REPLIES = "slow_replies", _("Replies were not instant")
        INAPPROPRIATE = "inappropriate", _("Inappropriate behaviour")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting a second approval")
        RESOLVED = "resolved", _("Resolved")

    class Outcome(models.TextChoices):
        FULL_REFUND = "full_refund", _("Full refund")
        PARTIAL_REFUND = "partial_refund", _("Partial refund")
        REJECT = "reject", _("Rejected")

    order = models.OneToOneField(
        "live_sessions.Order",
        on_delete=models.PROTECT,
        related_name="dispute",
        verbose_name=_("order"),
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="disputes_opened",
        verbose_name=_("client"),
    )
    reason = models.CharField(max_length=20, choices=Reason.choices, verbose_name=_("reason"))
    statement = models.TextField(verbose_name=_("client's statement"))
    # What the client asks back, in fen (None: left to staff). Shown to the listener and
    # staff; the decision may differ.
    requested_fen = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("amount asked for (fen)")
    )
    listener_statement = models.TextField(blank=True, verbose_name=_("listener's statement"))
    listener_answered_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("listener answered at")
    )
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.OPEN, verbose_name=_("state")
    )

    # The decision (proposed, and once approved or not needing approval, executed).
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, blank=True, verbose_name=_("outcome")
    )
    # The refund decided, in fen.
    amount_fen = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("refund amount (fen)")
    )
    decision_reason = models.TextField(blank=True, verbose_name=_("decision reason"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("proposed at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    refund = models.ForeignKey(
        "payments.Refund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refund"),
    )

    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__isnull=True) | Q(amount_fen__gte=0),
                name="dispute_amount_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | ~Q(outcome=""),
                name="dispute_decided_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("proposed_by")),
                name="dispute_second_approver_differs",
            ),
        ]

    def __str__(self) -> str:
        return f"dispute {self.pk} of order {self.order_id} ({self.state})"

    @property
    def hold_source(self) -> str:
        """The settlement hold and the refund's idempotency source of this dispute."""
        return f"dispute:{self.pk}"

    @property
    def is_decided(self) -> bool:
        return self.state == self.State.RESOLVED


class DisputeAuditEntry(models.Model):
    """Who looked at or did what on the desk. Rows are only ever inserted."""

    class Action(models.TextChoices):
        QUEUE_VIEWED = "queue_viewed", _("Viewed the queue")
        VIEWED = "viewed", _("Viewed")
        OPENED = "opened", _("Opened")
        ANSWERED = "answered", _("Listener answered")
        PROPOSED = "proposed", _("Proposed a decision for approval")
        APPROVED = "approved", _("Approved the decision")
        PROPOSAL_DECLINED = "proposal_declined", _("Declined the proposed decision")
        DECIDED = "decided", _("Decided")
        REFUSED = "refused", _("Attempt refused")

    dispute = models.ForeignKey(
        Dispute,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("dispute"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(max_length=20, choices=Action.choices, verbose_name=_("action"))
    detail = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("dispute audit entry")
        verbose_name_plural = _("dispute audit entries")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.action} dispute {self.dispute_id}"

    def save(self, *args, **kwargs):
        # Row-local rule: the audit log is append-only.
        if not self._state.adding:
            raise ValueError("audit entries are never changed")
        super().save(*args, **kwargs)


class Notification(models.Model):
    """An in-site notification. The text is built from `kind` + `params` when shown, so it
    appears in the reader's language."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    kind = models.CharField(max_length=40, verbose_name=_("kind"))
    params = models.JSONField(default=dict, blank=True, verbose_name=_("parameters"))
    url = models.CharField(max_length=200, blank=True, verbose_name=_("link"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
