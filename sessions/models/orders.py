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
        # One day of a weekly or monthly plan (`plan`), paid up front from the wallet.
        PLAN = "plan", _("Plan day")

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
    # Kinds paid from the client's wallet: no card payment, refunds go back to the wallet.
    WALLET_KINDS = frozenset({Kind.METERED, Kind.PLAN})
    # States in which the chat is open for messages.
    LIVE_STATES = frozenset({State.ACTIVE})

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("client"),
    )
    listener = models.ForeignKey(
        "listeners.ListenerProfile",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("listener"),
    )
    tier = models.ForeignKey(
        "listeners.PricingTier",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("pricing tier"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    plan = models.ForeignKey(
        "live_sessions.Plan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="day_orders",
        verbose_name=_("plan"),
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=State.choices,
        default=State.PENDING_PAYMENT,
        db_index=True,
    )

    # The time window bought. `ends_at` moves later only by agreed pauses.
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    minutes = models.PositiveIntegerField(_("minutes"))

    # The quote, frozen at booking: line items as produced by the quote engine.
    quote = models.JSONField(_("quote"))
    price_fen = models.BigIntegerField(_("price (fen)"))
    currency = models.CharField(_("currency"), max_length=3, default="cny")

    # Contract terms copied from the tier at booking.
    reply_window_seconds = models.PositiveIntegerField(_("reply window (seconds)"))
    breach_refund_percent = models.PositiveSmallIntegerField(_("refund per missed reply (%)"))
    breach_refund_cap_percent = models.PositiveSmallIntegerField(
        _("cap on missed-reply refunds (%)")
    )
    breach_termination_count = models.PositiveSmallIntegerField(
        _("missed replies in a row that end the session")
    )
    # True while the order has an open reply clock (`ReplyClock.status == "open"`). Kept
    # by `sessions.services.clocks` under the order's row lock, in the same transaction
    # as the clock row, so a client message that finds a clock running costs no query.
    reply_clock_open = models.BooleanField(_("reply clock running"), default=False)
    # When a client message of this order last carried a crisis risk signal. Kept by
    # `sessions.services.safety` under the order's row lock, so a message without a signal
    # and none in the conversation window before it costs no query (docs/safety.md).
    risk_signal_at = models.DateTimeField(_("last risk signal at"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    payment_deadline = models.DateTimeField(_("pay before"))
    accept_deadline = models.DateTimeField(_("accept before"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    # Per-minute sessions: `ends_at` is the end of the minutes charged so far; the session
    # pauses (sending off, reply clock stopped) when the wallet cannot pay the next one.
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    low_balance_warned_at = models.DateTimeField(_("low balance warned at"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
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
        # Staff read this in the admin, in their language (not "order 2 (terminated)").
        return _("order %(id)s (%(state)s)") % {"id": self.pk, "state": self.get_state_display()}

    def can_move_to(self, state: str) -> bool:
        return state in self.TRANSITIONS[self.state]

    @property
    def is_live(self) -> bool:
        return self.state in self.LIVE_STATES
