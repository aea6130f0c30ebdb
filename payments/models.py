"""Money: the double-entry ledger, Stripe payments and refunds, webhooks, settlement holds,
payouts and budget caps.

The ledger (Account / LedgerTransaction / Entry) is append-only: rows are inserted, never
updated or deleted. PostgreSQL triggers (migration 0002) refuse UPDATE and DELETE and check,
at commit, that each transaction's legs sum to zero and that accounts which must not go
negative (escrow, listener and team payables, wallets) do not. The models below refuse the
same at the Django level too, so the mistake shows up where it is made, before the
database is asked.

Sign convention: a leg's amount is signed; money moves *from* the account with the negative
leg *to* the account with the positive leg. Escrow and payable balances are positive while
they hold money; the Stripe clearing account goes negative by what Stripe collected.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a journal row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("ledger rows are never updated; post a reversing entry")

    def delete(self):
        raise AppendOnlyError("ledger rows are never deleted; post a reversing entry")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # A row-local rule, not business logic: journal rows are written exactly once.
        if not self._state.adding:
            raise AppendOnlyError("ledger rows are never updated; post a reversing entry")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("ledger rows are never deleted; post a reversing entry")


class Account(models.Model):
    """A ledger account. Its balance is the sum of its entries (never stored)."""

    class Kind(models.TextChoices):
        STRIPE_CLEARING = "stripe_clearing", _("Stripe clearing")
        ESCROW = "escrow", _("Order escrow")
        LISTENER_PAYABLE = "listener_payable", _("Listener payable")
        LISTENER_PAID_OUT = "listener_paid_out", _("Listener paid out")
        PLATFORM_COMMISSION = "platform_commission", _("Platform commission")
        REFUNDS = "refunds", _("Refunds to clients")
        CLIENT_WALLET = "client_wallet", _("Client wallet")
        TEAM_PAYABLE = "team_payable", _("Team payable")
        TEAM_PAID_OUT = "team_paid_out", _("Team paid out")

    # Kinds whose balance must never be negative.
    NON_NEGATIVE = frozenset(
        {Kind.ESCROW, Kind.LISTENER_PAYABLE, Kind.CLIENT_WALLET, Kind.TEAM_PAYABLE}
    )

    code = models.CharField(max_length=64, unique=True, verbose_name=_("code"))
    kind = models.CharField(max_length=24, choices=Kind.choices, verbose_name=_("kind"))
    order = models.ForeignKey(
        "live_sessions.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    listener = models.ForeignKey(
        "listeners.ListenerProfile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("listener"),
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("client"),
    )
    team = models.ForeignKey(
        "listeners.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    non_negative = models.BooleanField(default=False, verbose_name=_("must not go negative"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="escrow") | Q(order__isnull=False, non_negative=True),
                name="account_escrow_has_order",
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind="escrow"), name="account_one_escrow_per_order"
            ),
            models.CheckConstraint(
                condition=~Q(kind="client_wallet") | Q(client__isnull=False, non_negative=True),
                name="account_wallet_has_client",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(kind="client_wallet"),
                name="account_one_wallet_per_client",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class LedgerTransaction(AppendOnlyModel):
    """One movement of money. `key` makes each cause post at most once."""

    class Kind(models.TextChoices):
        CAPTURE = "capture", _("Payment captured into escrow")
        REFUND = "refund", _("Refund from escrow")
        RELEASE = "release", _("Escrow released")
        PAYOUT = "payout", _("Payout to listener")
        REVERSAL = "reversal", _("Reversal")
        TOPUP = "topup", _("Wallet top-up")
        CHARGE = "charge", _("Wallet charged into escrow")
        WITHDRAWAL = "withdrawal", _("Wallet withdrawal")
        RETURN = "return", _("Escrow returned to the wallet")

    key = models.CharField(max_length=100, unique=True, verbose_name=_("key"))
    kind = models.CharField(max_length=12, choices=Kind.choices, verbose_name=_("kind"))
    order = models.ForeignKey(
        "live_sessions.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_transactions",
        verbose_name=_("order"),
    )
    # What caused it: a Stripe object id, "refund:<id>", "settlement", "payout:<id>",
    # "admin:<user id>" ... never blank.
    cause = models.CharField(max_length=120, verbose_name=_("cause"))
    memo = models.CharField(max_length=200, blank=True, verbose_name=_("memo"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(cause=""), name="ledger_txn_names_cause"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Entry(AppendOnlyModel):
    """One leg of a transaction."""

    transaction = models.ForeignKey(
        LedgerTransaction,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("transaction"),
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", verbose_name=_("account")
    )
    amount_fen = models.BigIntegerField(verbose_name=_("amount (fen)"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="entry_amount_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_fen:+d}"


class Payment(models.Model):
    """The Stripe PaymentIntent of an order (one per order).

    The row is committed before the PaymentIntent is created, so the idempotency key
    ("order-<id>-payment-intent") exists before any call is made.
    """

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        REQUIRES_PAYMENT = "requires_payment", _("Awaiting card")
        REQUIRES_ACTION = "requires_action", _("Awaiting authentication")
        PROCESSING = "processing", _("Processing")
        SUCCEEDED = "succeeded", _("Succeeded")
        CANCELED = "canceled", _("Canceled")

    order = models.OneToOneField(
        "live_sessions.Order",
        on_delete=models.PROTECT,
        related_name="payment",
        verbose_name=_("order"),
    )
    amount_fen = models.BigIntegerField(verbose_name=_("amount (fen)"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    stripe_payment_intent_id = models.CharField(
        max_length=64, unique=True, null=True, blank=True, verbose_name=_("Stripe PaymentIntent ID")
    )
    client_secret = models.CharField(max_length=200, blank=True, verbose_name=_("client secret"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.CREATED, verbose_name=_("status")
    )
    confirm_attempts = models.PositiveIntegerField(
        default=0, verbose_name=_("confirmation attempts")
    )
    last_error = models.CharField(max_length=300, blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    succeeded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("succeeded at"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"payment of order {self.order_id} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"order-{self.order_id}-payment-intent"


class Refund(models.Model):
    """A refund from an order's escrow through the Stripe Refund API.

    Committed (status pending) before Stripe is called; its id is the idempotency key.
    A pending refund reserves its amount, so what is left never goes below zero even
    while Stripe is slow. `idempotency_source` names the cause ("breach:<id>",
    "dispute:<id>", "cancel:<order>") and is unique: one cause refunds at most once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    class Cause(models.TextChoices):
        CANCELLATION = "cancellation", _("Cancelled before the start")
        DECLINED = "declined", _("Declined by the listener")
        ACCEPT_TIMEOUT = "accept_timeout", _("The listener did not accept in time")
        LATE_PAYMENT = "late_payment", _("Payment arrived after the order closed")
        BREACH = "breach", _("Missed reply window")
        TERMINATION = "termination", _("Session terminated")
        DISPUTE = "dispute", _("Dispute decision")
        EARLY_END = "early_end", _("Ended early: time not used")
        PLAN_DAY_MISSED = "plan_day_missed", _("A plan day the listener missed")
        ADMIN = "admin", _("Staff decision")

    order = models.ForeignKey(
        "live_sessions.Order",
        on_delete=models.PROTECT,
        related_name="refunds",
        verbose_name=_("order"),
    )
    # None for a per-minute order paid from the wallet: its refunds go back to the wallet.
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("payment"),
    )
    amount_fen = models.BigIntegerField(verbose_name=_("amount (fen)"))
    cause = models.CharField(max_length=20, choices=Cause.choices, verbose_name=_("cause"))
    reason = models.CharField(max_length=300, verbose_name=_("reason"))
    idempotency_source = models.CharField(
        max_length=100, unique=True, verbose_name=_("idempotency source")
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
        verbose_name=_("status"),
    )
    stripe_refund_id = models.CharField(
        max_length=64, unique=True, null=True, blank=True, verbose_name=_("Stripe refund ID")
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.CharField(max_length=300, blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    settled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("settled at"))

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"refund {self.pk} of order {self.order_id} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"refund-{self.pk}"


class StripeEvent(models.Model):
    """A verified webhook event, stored by its id before it is processed (once)."""

    event_id = models.CharField(max_length=100, unique=True, verbose_name=_("event ID"))
    type = models.CharField(max_length=100, verbose_name=_("event type"))
    payload = models.JSONField(verbose_name=_("payload"))
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received at"))
    deliveries = models.PositiveIntegerField(default=1, verbose_name=_("deliveries"))
    processed_at = models.DateTimeField(
        null=True, blank=True, db_index=True, verbose_name=_("processed at")
    )
    error = models.CharField(max_length=300, blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class SettlementHold(models.Model):
    """Freezes an order's settlement while open (e.g. a dispute). `source` is unique, so
    one cause holds at most once ("dispute:<id>")."""

    order = models.ForeignKey(
        "live_sessions.Order",
        on_delete=models.PROTECT,
        related_name="settlement_holds",
        verbose_name=_("order"),
    )
    source = models.CharField(max_length=100, unique=True, verbose_name=_("source"))
    reason = models.CharField(max_length=300, verbose_name=_("reason"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    lifted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("lifted at"))

    class Meta:
        verbose_name = _("settlement hold")
        verbose_name_plural = _("settlement holds")

    def __str__(self) -> str:
        return f"hold {self.source} on order {self.order_id}"


class OrderPayee(models.Model):
    """Who earns an order's listener share, and from when: one row per listener who served
    it (the first from the start, the next from a hand-over), each with the team share in
    force for them then. Settlement splits the listener share by the time each served.
    Written by the order's side (payments does not ask why the payee changed)."""

    order = models.ForeignKey(
        "live_sessions.Order",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("order"),
    )
    listener = models.ForeignKey(
        "listeners.ListenerProfile",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("listener"),
    )
    since = models.DateTimeField(verbose_name=_("earns from"))
    team = models.ForeignKey(
        "listeners.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    team_percent = models.PositiveSmallIntegerField(default=0, verbose_name=_("team's share (%)"))

    class Meta:
        verbose_name = _("order payee")
        verbose_name_plural = _("order payees")
        ordering = ["order", "since", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "since"], name="payee_one_per_moment"),
            models.CheckConstraint(
                condition=Q(team_percent__lte=100) & (Q(team__isnull=False) | Q(team_percent=0)),
                name="payee_team_percent_bounded",
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id} pays listener {self.listener_id} from {self.since}"


class PayoutBatch(models.Model):
    """Payouts to listeners, approved by staff as one batch."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Awaiting approval")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, verbose_name=_("status")
    )
    gateway = models.CharField(max_length=20, blank=True, verbose_name=_("gateway"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved at"))

    class Meta:
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"payout batch {self.pk} ({self.status})"


class Payout(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    batch = models.ForeignKey(
        PayoutBatch, on_delete=models.PROTECT, related_name="payouts", verbose_name=_("batch")
    )
    listener = models.ForeignKey(
        "listeners.ListenerProfile",
        on_delete=models.PROTECT,
        related_name="payouts",
        verbose_name=_("listener"),
    )
    # A team's payout: its payable paid to the team's owner (`listener` is the owner).
    team = models.ForeignKey(
        "listeners.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payouts",
        verbose_name=_("team"),
    )
    amount_fen = models.BigIntegerField(verbose_name=_("amount (fen)"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    gateway_reference = models.CharField(
        max_length=100, blank=True, verbose_name=_("gateway reference")
    )
    last_error = models.CharField(max_length=300, blank=True, verbose_name=_("last error"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payout_amount_positive"),
            models.UniqueConstraint(
                fields=["listener"],
                condition=Q(status="pending", team__isnull=True),
                name="payout_one_pending_per_listener",
            ),
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(status="pending", team__isnull=False),
                name="payout_one_pending_per_team",
            ),
        ]

    def __str__(self) -> str:
        return f"payout {self.pk} to {self.listener_id}"

    @property
    def idempotency_key(self) -> str:
        return f"payout-{self.pk}"


class BudgetCap(models.Model):
    """A client's monthly spending cap. Lowering applies at once; raising (or removing)
    applies `BUDGET_RAISE_DELAY_HOURS` later, through `pending_*`."""

    client = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="budget_cap",
        verbose_name=_("client"),
    )
    # null: no cap
    monthly_cap_fen = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("monthly cap (fen)")
    )
    pending_cap_fen = models.BigIntegerField(
        null=True, blank=True, verbose_name=_("pending cap (fen)")
    )
    pending_remove = models.BooleanField(default=False, verbose_name=_("cap removal pending"))
    pending_effective_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("pending change takes effect at")
    )
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("budget cap")
        verbose_name_plural = _("budget caps")
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_cap_fen__isnull=True) | Q(monthly_cap_fen__gte=0),
                name="budget_cap_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"budget of {self.client_id}"


class ClientLimit(models.Model):
    """One of a client's self-set time limits (beside the money cap of `BudgetCap`). Same
    rule as the budget: lowering applies at once; raising or removing it applies
    `LIMIT_RAISE_DELAY_HOURS` later, through `pending_*`. Minutes; null means no limit."""

    class Kind(models.TextChoices):
        WEEKLY_MINUTES = "weekly_minutes", _("hours per week")
        NIGHT_MINUTES = "night_minutes", _("night hours per week")
        SESSION_MINUTES = "session_minutes", _("longest session")

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("client"),
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    minutes = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("limit (minutes)"))
    pending_minutes = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("pending limit (minutes)")
    )
    pending_remove = models.BooleanField(default=False, verbose_name=_("limit removal pending"))
    pending_effective_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("pending change takes effect at")
    )
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("client limit")
        verbose_name_plural = _("client limits")
        constraints = [
            models.UniqueConstraint(fields=["client", "kind"], name="client_limit_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} limit of {self.client_id}"


# Disputes live in their own sub-package; importing them here makes them payments models.
from payments.disputes.models import Dispute, DisputeAuditEntry, Notification  # noqa: E402, F401
from payments.wallet.models import TopUp, TopUpRefund, Withdrawal  # noqa: E402, F401
