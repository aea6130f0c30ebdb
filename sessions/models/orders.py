"""The order: what a client bought from a listener, with its frozen quote and terms.

State changes happen only in `sessions.services.orders`, each under a row lock; this
module holds the data and the table of allowed transitions.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Order(models.Model):
    class Kind(models.TextChoices):
        INSTANT = "instant", _("Now")
        APPOINTMENT = "appointment", _("Appointment")
        # Pay as you go: one minute at a time from the client's wallet (metering).
        METERED = "metered", _("Per minute")

    class State(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
        PAID = "paid", _("Paid, awaiting the listener")
        ACCEPTED = "accepted", _("Accepted")
        ACTIVE = "active", _("In progress")
        COMPLETED = "completed", _("Completed")
        SETTLED = "settled", _("Settled")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        DECLINED = "declined", _("Declined")
        TERMINATED = "terminated", _("Terminated")

    # state -> states it may move to. Everything else is refused by the services.
    TRANSITIONS: dict[str, set[str]] = {
        State.PENDING_PAYMENT: {State.PAID, State.EXPIRED, State.CANCELLED},
        State.PAID: {State.ACCEPTED, State.DECLINED, State.CANCELLED, State.EXPIRED},
        State.ACCEPTED: {State.ACTIVE, State.CANCELLED},
        State.ACTIVE: {State.COMPLETED, State.TERMINATED},
        State.COMPLETED: {State.SETTLED},
        State.TERMINATED: {State.SETTLED},
        State.SETTLED: set(),
        State.CANCELLED: set(),
        State.EXPIRED: set(),
        State.DECLINED: set(),
    }
    # Kinds booked for now, accepted within INSTANT_ACCEPT_SECONDS (the listener's queue).
    NOW_KINDS = frozenset({Kind.INSTANT, Kind.METERED})
    # States in which the chat is open for messages.
    LIVE_STATES = frozenset({State.ACTIVE})

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    listener = models.ForeignKey(
        "listeners.ListenerProfile", on_delete=models.PROTECT, related_name="orders"
    )
    tier = models.ForeignKey("listeners.PricingTier", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.PENDING_PAYMENT, db_index=True
    )

    # The time window bought. `ends_at` moves later only by agreed pauses.
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    minutes = models.PositiveIntegerField()

    # The quote, frozen at booking: line items as produced by the quote engine.
    quote = models.JSONField()
    price_fen = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="cny")

    # Contract terms copied from the tier at booking.
    reply_window_seconds = models.PositiveIntegerField()
    breach_refund_percent = models.PositiveSmallIntegerField()
    breach_refund_cap_percent = models.PositiveSmallIntegerField()
    breach_termination_count = models.PositiveSmallIntegerField()
    # True while the order has an open reply clock (`ReplyClock.status == "open"`). Kept
    # by `sessions.services.clocks` under the order's row lock, in the same transaction
    # as the clock row, so a client message that finds a clock running costs no query.
    reply_clock_open = models.BooleanField(default=False)

    created_at = models.DateTimeField(default=timezone.now)
    payment_deadline = models.DateTimeField()
    accept_deadline = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    # Per-minute sessions: `ends_at` is the end of the minutes charged so far; the session
    # pauses (sending off, reply clock stopped) when the wallet cannot pay the next one.
    paused_at = models.DateTimeField(null=True, blank=True)
    low_balance_warned_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["listener", "state"]),
            models.Index(fields=["client", "state"]),
            models.Index(fields=["state", "ends_at"]),
            # The metering pass: live per-minute sessions whose minute is due.
            models.Index(
                fields=["ends_at"],
                condition=Q(kind="metered", state="active"),
                name="order_metered_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="order_price_positive"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="order_window_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.pk} ({self.state})"

    def can_move_to(self, state: str) -> bool:
        return state in self.TRANSITIONS[self.state]

    @property
    def is_live(self) -> bool:
        return self.state in self.LIVE_STATES
