"""Safety: crisis escalations (with their audit trail), risk and flags on chat messages,
staff labels and the on-call roster.

An `Escalation` opens when a client's message (or conversation) reaches a high risk
level, or when the listener escalates by hand; at most one is open per order (a partial
unique constraint). Its level only rises. While it is open, deadline refunds of the order
are deferred; at imminent level the on-call staff member is paged and must acknowledge;
staff close it with an outcome and a note. Every step is an `EscalationEvent` row (who,
when, what), never updated. A `MessageRisk` keeps a message's risk level and signals (for
staff only); a `MessageFlag` what the scan found besides (a request to move off the
platform); a `MessageLabel` what staff said the level should have been. Only
`sessions.services.safety` writes these rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions.risk import Level

# Risk levels as stored (the integers of `sessions.risk.Level`); staff-facing labels.
LEVEL_CHOICES = [
    (Level.NONE.value, _("none")),
    (Level.CONCERN.value, _("concern")),
    (Level.HIGH.value, _("high")),
    (Level.IMMINENT.value, _("imminent")),
]


class Escalation(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        SCAN = "scan", _("Risk assessment")
        LISTENER = "listener", _("Listener")

    class Outcome(models.TextChoices):
        FALSE_ALARM = "false_alarm", _("False alarm")
        SUPPORT_GIVEN = "support_given", _("Support given")
        EMERGENCY = "emergency", _("Emergency services contacted")
        REFERRED = "referred", _("Referred to professional help")
        OTHER = "other", _("Other")

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
    # The client message that opened it (null: the listener escalated before any).
    message = models.ForeignKey(
        "live_sessions.Message",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message"),
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    # The highest risk level seen while open (it only rises).
    level = models.PositiveSmallIntegerField(
        _("risk level"), choices=LEVEL_CHOICES, default=Level.HIGH.value
    )
    source = models.CharField(
        _("opened by"), max_length=8, choices=Source.choices, default=Source.SCAN
    )
    # The listener who escalated by hand, and their note (labelled data).
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("escalated by"),
    )
    open_note = models.TextField(_("listener's note"), blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    # Imminent risk: who is paged now (the on-call roster, in order), which round of
    # paging this is, when that page's SMS went out and until when it must be acknowledged.
    paged_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("on-call paged"),
    )
    page_round = models.PositiveSmallIntegerField(_("page round"), default=0)
    page_sent_at = models.DateTimeField(_("page sent at"), null=True, blank=True)
    ack_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    outcome = models.CharField(
        _("safety outcome"), max_length=16, choices=Outcome.choices, blank=True
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

    @property
    def risk_level(self) -> Level:
        return Level(self.level)

    def overdue(self, *, now) -> bool:
        """An imminent-risk page nobody acknowledged in time (it stays overdue after the
        page went on to the next on call, until someone acknowledges)."""
        return (
            self.state == self.State.OPEN
            and self.acknowledged_at is None
            and self.ack_due_at is not None
            and (self.ack_due_at <= now or self.page_round > 1)
        )


class EscalationEvent(models.Model):
    """One audited step of an escalation; rows are only ever inserted."""

    class Action(models.TextChoices):
        OPENED = "opened", _("Opened")
        ALERTED = "alerted", _("On-call alerted")
        CRISIS_AGAIN = "crisis_again", _("Further crisis message")
        RAISED = "raised", _("Level raised")
        LISTENER = "listener", _("Listener escalated")
        PAGED = "paged", _("On-call paged")
        PAGE_FAILED = "page_failed", _("On-call page failed")
        NOBODY_ON_CALL = "nobody_on_call", _("Nobody on call")
        ACK_OVERDUE = "ack_overdue", _("Not acknowledged in time")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
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
    """Something found in a stored message: by the safety scan (besides masked data and
    the risk, which is a `MessageRisk`), or by a person: a party reporting a call from its
    transcript entry (`call_report`, with the call, who reported it, why and their note;
    written by `sessions.services.calls.call_report`, once per call and reporter)."""

    class Kind(models.TextChoices):
        OFF_PLATFORM = "off_platform", _("Asked to move off the platform")
        CALL_REPORT = "call_report", _("Call reported")

    class ReportReason(models.TextChoices):
        INAPPROPRIATE = "inappropriate", _("Sexual or inappropriate behaviour")
        ABUSE = "abuse", _("Abuse, threats or harassment")
        OFF_PLATFORM = "off_platform", _("Asked to pay or talk outside the platform")
        UNSAFE = "unsafe", _("I felt unsafe")
        OTHER = "other", _("Something else")

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
    # "client" | "listener": who sent the message; for a call report, who reported it.
    sender_role = models.CharField(max_length=8, verbose_name=_("sender role"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    # A call report: the call (its transcript entry is `message`), who reported it, why.
    call = models.ForeignKey(
        "live_sessions.Call",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("call"),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reason = models.CharField(_("reason"), max_length=16, choices=ReportReason.choices, blank=True)
    note = models.TextField(_("reporter's note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message flag")
        verbose_name_plural = _("message flags")
        indexes = [models.Index(fields=["listener", "kind"], name="message_flag_listener_idx")]
        constraints = [
            # What the scan finds, once per message; a call report once per reporter.
            models.UniqueConstraint(
                fields=["message", "kind"],
                condition=~Q(kind="call_report"),
                name="message_flag_once",
            ),
            models.UniqueConstraint(
                fields=["call", "reported_by"],
                condition=Q(kind="call_report"),
                name="message_flag_call_report_once",
            ),
            models.CheckConstraint(
                condition=~Q(kind="call_report") | Q(call__isnull=False, reported_by__isnull=False),
                name="message_flag_call_report_has_call",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on message {self.message_id}"


class MessageRisk(models.Model):
    """The risk assessment of one stored message (docs/safety.md): its own level and
    signals, and the running level of the sender's conversation when it was written.
    Only for messages with a signal or a level; staff only, never sent to the chat."""

    message = models.OneToOneField(
        "live_sessions.Message",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("message"),
    )
    order = models.ForeignKey(
        "live_sessions.Order", on_delete=models.CASCADE, related_name="+", verbose_name=_("order")
    )
    # "client" | "listener"
    sender_role = models.CharField(max_length=8, verbose_name=_("sender role"))
    level = models.PositiveSmallIntegerField(_("message level"), choices=LEVEL_CHOICES)
    signals = models.JSONField(_("signals"), default=list)
    score = models.FloatField(_("model score"), default=0.0)
    conversation_level = models.PositiveSmallIntegerField(
        _("conversation level"), choices=LEVEL_CHOICES, default=Level.NONE.value
    )
    conversation_signals = models.JSONField(_("conversation signals"), default=list)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message risk")
        verbose_name_plural = _("message risks")

    def __str__(self) -> str:
        return f"risk {self.level}/{self.conversation_level} of message {self.message_id}"

    @property
    def effective_level(self) -> Level:
        return Level(max(self.level, self.conversation_level))


class MessageLabel(models.Model):
    """What staff said of one message's risk, from the transcript: it should have been
    escalated, or it was a false alarm. One per message (the latest word counts); exported
    for the corpus by `manage.py safety_export` after a person reviewed it."""

    class Label(models.TextChoices):
        SHOULD_HAVE_ESCALATED = "should_escalate", _("Should have escalated")
        FALSE_ALARM = "false_alarm", _("False alarm")

    message = models.OneToOneField(
        "live_sessions.Message",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("message"),
    )
    order = models.ForeignKey(
        "live_sessions.Order", on_delete=models.CASCADE, related_name="+", verbose_name=_("order")
    )
    label = models.CharField(_("label"), max_length=16, choices=Label.choices)
    # The level staff think it deserved ("should have escalated"), none for a false alarm.
    level = models.PositiveSmallIntegerField(_("risk level"), choices=LEVEL_CHOICES)
    note = models.TextField(_("note"), blank=True)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    labelled_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-labelled_at", "-id"]
        verbose_name = _("message label")
        verbose_name_plural = _("message labels")

    def __str__(self) -> str:
        return f"{self.label} on message {self.message_id}"


class OnCall(models.Model):
    """The on-call roster: staff members paged (SMS to their phone) for imminent risk, in
    `position` order; one who does not acknowledge in time hands the page to the next."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"is_staff": True},
        verbose_name=_("staff member"),
    )
    position = models.PositiveSmallIntegerField(_("position"), unique=True)
    active = models.BooleanField(_("on call"), default=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("on-call staff member")
        verbose_name_plural = _("on-call roster")

    def __str__(self) -> str:
        return f"on-call #{self.position}: {self.user}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.user_id and not self.user.is_staff:
            raise ValidationError({"user": _("Only staff members can be on call.")})
