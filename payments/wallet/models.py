"""Wallet rows: top-ups (a Stripe PaymentIntent each) and withdrawals (Stripe refunds of
earlier top-ups, newest first).

Loaded by `payments.models`, so the models belong to the payments app (its migrations).
The wallet's balance is never stored: it is the sum of the client's `wallet:<client>`
ledger account, minus withdrawal refunds still on their way (which reserve their amount).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TopUp(models.Model):
    """One top-up of a client's wallet. Committed before the PaymentIntent is created, so
    its id makes the idempotency key ("wallet-topup-<id>-payment-intent")."""

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        REQUIRES_PAYMENT = "requires_payment", _("Awaiting card")
        REQUIRES_ACTION = "requires_action", _("Awaiting authentication")
        PROCESSING = "processing", _("Processing")
        SUCCEEDED = "succeeded", _("Succeeded")
        CANCELED = "canceled", _("Canceled")

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="wallet_topups",
        verbose_name=_("client"),
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
    # Until then an unpaid top-up holds its amount against the monthly budget.
    payment_deadline = models.DateTimeField(verbose_name=_("pay before"))
    succeeded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("succeeded at"))

    class Meta:
        verbose_name = _("wallet top-up")
        verbose_name_plural = _("wallet top-ups")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="topup_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"top-up {self.pk} of {self.client_id} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"wallet-topup-{self.pk}-payment-intent"


class Withdrawal(models.Model):
    """A client's request to take unused balance out; made of refunds of top-ups."""

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="wallet_withdrawals",
        verbose_name=_("client"),
    )
    amount_fen = models.BigIntegerField(verbose_name=_("amount (fen)"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("wallet withdrawal")
        verbose_name_plural = _("wallet withdrawals")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="withdrawal_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"withdrawal {self.pk} of {self.client_id}"


class TopUpRefund(models.Model):
    """The part of a withdrawal refunded to one top-up's card through Stripe.

    Committed (pending) before Stripe is called; its id is the idempotency key. A pending
    one reserves its amount in the wallet and in its top-up's remainder.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    withdrawal = models.ForeignKey(
        Withdrawal, on_delete=models.PROTECT, related_name="parts", verbose_name=_("withdrawal")
    )
    topup = models.ForeignKey(
        TopUp, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("top-up")
    )
    amount_fen = models.BigIntegerField(verbose_name=_("amount (fen)"))
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
        verbose_name = _("top-up refund")
        verbose_name_plural = _("top-up refunds")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="topup_refund_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"refund {self.pk} of top-up {self.topup_id} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"wallet-refund-{self.pk}"
