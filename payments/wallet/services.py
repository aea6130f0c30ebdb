"""The wallet's writes: top-ups through Stripe, withdrawals back to the top-ups' cards.

Top-up: `wallet_topup_start` checks the amount and the monthly budget under the client's
row lock and commits a `TopUp` row; its id gives the PaymentIntent's idempotency key. The
wallet is credited only on Stripe's word (the signed webhook or a retrieve made by the
server), once per intent (ledger key `topup:<intent>`).

Withdrawal: `wallet_withdraw` reserves the amount as pending `TopUpRefund` rows, newest
top-up first, never more than each top-up's remainder (its amount minus its refunds
succeeded or on their way), and never more than the wallet's available balance; each part
is sent to Stripe's Refund API after commit with the key `wallet-refund-<id>` and booked
(wallet -> refunds) when Stripe accepts it.

Lock order (the same as orders'): the client's user row, then top-up rows, then ledger
accounts (the wallet account is locked explicitly before its balance is read, so a minute
charge and a withdrawal decide one after the other).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exclusion import exclusion_check
from payments import stripe_gateway as gateway
from payments.declines import decline_message
from payments.exceptions import InvalidAmount, PaymentError, PaymentUnavailable
from payments.models import Account, LedgerTransaction
from payments.money import yuan
from payments.services import ledger
from payments.services.budget import budget_check
from payments.services.payments import STATUS_FROM_STRIPE, intent_attach
from payments.wallet.exceptions import WalletRefused
from payments.wallet.models import TopUp, TopUpRefund, Withdrawal
from payments.wallet.selectors import topup_remainder_fen, wallet_available_fen

logger = logging.getLogger(__name__)

# The steps the page offers, and the bounds of a free amount (whole yuan).
TOPUP_STEPS_FEN = (2_000, 5_000, 10_000, 20_000)
TOPUP_MIN_FEN = 1_000
TOPUP_MAX_FEN = 200_000
MAX_WALLET_REFUND_ATTEMPTS = 20


def validate_topup_amount(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(_("The amount must be a whole number of fen."))
    if value < TOPUP_MIN_FEN or value > TOPUP_MAX_FEN:
        raise InvalidAmount(
            _("A top-up is between ¥%(min)s and ¥%(max)s.")
            % {"min": yuan(TOPUP_MIN_FEN), "max": yuan(TOPUP_MAX_FEN)}
        )
    if value % 100:
        raise InvalidAmount(_("A top-up is a whole number of yuan."))
    return value


def wallet_lock(*, client_id: int) -> Account:
    """The client's wallet account, locked until the surrounding transaction ends."""
    wallet = ledger.account_wallet(client_id=client_id)
    return Account.objects.select_for_update().get(pk=wallet.pk)


# --- Top-ups -------------------------------------------------------------------------------


def wallet_topup_start(*, client, amount_fen: int, now: datetime | None = None) -> TopUp:
    """Start a top-up of `amount_fen`: refused (nothing written) outside the bounds or past
    the monthly budget. Call outside a transaction: the row commits before Stripe is called.
    """
    now = now or timezone.now()
    validate_topup_amount(amount_fen)
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=client.pk)
        # The checks that may refuse any top-up before anything is written: the client's
        # own pause (self-exclusion), then the monthly budget.
        exclusion_check(user_id=client.pk, now=now)
        budget_check(client=client, amount_fen=amount_fen, now=now)
        topup = TopUp.objects.create(
            client=client,
            amount_fen=amount_fen,
            currency=settings.PLATFORM_CURRENCY,
            created_at=now,
            payment_deadline=now + timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES),
        )
    try:
        return topup_prepare(topup_id=topup.pk, now=now)
    except (PaymentUnavailable, PaymentError):
        # The top-up stands even if Stripe is down; its pay step creates the intent then.
        logger.warning("top-up %s: no PaymentIntent yet", topup.pk)
        return topup


def topup_prepare(*, topup_id: int, now: datetime | None = None) -> TopUp:
    """The top-up with its PaymentIntent, created on first use (refused once paid or past
    its deadline)."""
    now = now or timezone.now()
    topup = TopUp.objects.get(pk=topup_id)
    if topup.status == TopUp.Status.SUCCEEDED:
        raise PaymentError(_("This top-up is already paid."), code="already_paid")
    if topup.payment_deadline <= now or topup.status == TopUp.Status.CANCELED:
        raise PaymentError(
            _("The time to pay for this top-up has passed; start a new one."),
            code="payment_expired",
        )
    if topup.stripe_payment_intent_id:
        return topup
    intent_attach(
        topup,
        lambda: gateway.topup_intent_create(
            topup_id=topup.pk,
            amount_fen=topup.amount_fen,
            currency=topup.currency,
            idempotency_key=topup.idempotency_key,
        ),
    )
    return topup


def topup_confirm(*, topup_id: int, token: str = "", payment_method: str = "") -> TopUp:
    """Confirm the top-up's intent with a card; a declined card leaves it payable with
    another one (each attempt has its own committed idempotency key)."""
    topup = topup_prepare(topup_id=topup_id)
    TopUp.objects.filter(pk=topup.pk).update(confirm_attempts=F("confirm_attempts") + 1)
    topup.refresh_from_db()
    key = f"{topup.idempotency_key}-confirm-{topup.confirm_attempts}"
    try:
        if token:
            payment_method = gateway.payment_method_from_token(token=token)
        if not payment_method:
            raise PaymentError(_("Enter a card."), code="card_missing")
        intent = gateway.payment_intent_confirm(
            intent_id=topup.stripe_payment_intent_id,
            payment_method=payment_method,
            idempotency_key=key,
        )
    except gateway.GatewayUnavailable as exc:
        raise PaymentUnavailable(_("Payments are unavailable, try again shortly.")) from exc
    except gateway.GatewayError as exc:
        TopUp.objects.filter(pk=topup.pk).update(last_error=str(exc)[:300])
        raise PaymentError(
            decline_message(code=exc.code, decline_code=exc.decline_code), code="card_declined"
        ) from exc
    topup_apply_intent(intent=intent, cause=f"confirm:{intent.id}")
    topup.refresh_from_db()
    return topup


def topup_sync(*, topup_id: int) -> TopUp:
    """A verified retrieve: ask Stripe about the top-up's intent and apply it."""
    topup = TopUp.objects.get(pk=topup_id)
    if topup.status == TopUp.Status.SUCCEEDED or not topup.stripe_payment_intent_id:
        return topup
    try:
        intent = gateway.payment_intent_retrieve(intent_id=topup.stripe_payment_intent_id)
    except (gateway.GatewayUnavailable, gateway.GatewayError):
        logger.warning("sync of top-up %s failed", topup_id)
        return topup
    topup_apply_intent(intent=intent, cause=f"retrieve:{intent.id}")
    topup.refresh_from_db()
    return topup


@transaction.atomic
def topup_apply_intent(*, intent: gateway.IntentView, cause: str) -> None:
    """Apply what Stripe said about a top-up's intent; a success credits the wallet once."""
    topup = TopUp.objects.select_for_update().filter(stripe_payment_intent_id=intent.id).first()
    if topup is None:
        logger.warning("payment intent %s matches no top-up", intent.id)
        return
    if intent.status != "succeeded":
        status = STATUS_FROM_STRIPE.get(intent.status)
        if status and topup.status != TopUp.Status.SUCCEEDED:
            TopUp.objects.filter(pk=topup.pk).update(status=status)
        return
    if intent.amount_fen != topup.amount_fen or intent.currency != topup.currency:
        logger.error("payment intent %s does not match top-up %s", intent.id, topup.pk)
        return
    ledger.ledger_post(
        key=f"topup:{intent.id}",
        kind=LedgerTransaction.Kind.TOPUP,
        cause=f"stripe:{intent.id}",
        memo=f"top-up {topup.pk}: {cause}",
        legs=[
            ledger.Leg(ledger.account_stripe_clearing(), -topup.amount_fen),
            ledger.Leg(ledger.account_wallet(client_id=topup.client_id), topup.amount_fen),
        ],
    )
    if topup.status != TopUp.Status.SUCCEEDED:
        topup.status = TopUp.Status.SUCCEEDED
        topup.succeeded_at = timezone.now()
        topup.save(update_fields=["status", "succeeded_at"])


# --- Withdrawals ---------------------------------------------------------------------------


def _validate_withdrawal(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(_("The amount must be a whole number of fen."))
    if value <= 0:
        raise InvalidAmount(_("The amount must be positive."))
    if value > 100_000_000:
        raise InvalidAmount(_("The amount is too large."))
    return value


def wallet_withdraw(*, client, amount_fen: int, now: datetime | None = None) -> Withdrawal:
    """Refund `amount_fen` of the wallet to the cards it came from, newest top-up first.

    Refused (nothing written) when it is more than the available balance. Each part is
    sent to Stripe after commit; a Stripe outage leaves it pending for the reconcile beat.
    """
    now = now or timezone.now()
    _validate_withdrawal(amount_fen)
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=client.pk)
        topups = list(
            TopUp.objects.select_for_update()
            .filter(client=client, status=TopUp.Status.SUCCEEDED)
            .order_by("-succeeded_at", "-id")
        )
        wallet_lock(client_id=client.pk)
        available = wallet_available_fen(client_id=client.pk)
        if amount_fen > available:
            raise WalletRefused(
                _("You can withdraw at most ¥%(left)s.") % {"left": yuan(available)},
                code="withdrawal_exceeds_balance",
            )
        withdrawal = Withdrawal.objects.create(client=client, amount_fen=amount_fen, created_at=now)
        left = amount_fen
        parts = []
        for topup in topups:
            take = min(topup_remainder_fen(topup_id=topup.pk), left)
            if take <= 0:
                continue
            parts.append(
                TopUpRefund.objects.create(
                    withdrawal=withdrawal, topup=topup, amount_fen=take, created_at=now
                )
            )
            left -= take
            if left == 0:
                break
        if left:
            # The wallet holds only what top-ups brought in, so this is a broken ledger.
            raise ledger.LedgerError(f"wallet of {client.pk} holds more than its top-ups")
        for part in parts:
            transaction.on_commit(lambda pk=part.pk: wallet_refund_submit(refund_id=pk))
    return withdrawal


def wallet_refund_submit(*, refund_id: int) -> TopUpRefund:
    """Send a pending part to Stripe with its row's idempotency key."""
    part = TopUpRefund.objects.select_related("topup").get(pk=refund_id)
    if part.status != TopUpRefund.Status.PENDING:
        return part
    TopUpRefund.objects.filter(pk=part.pk).update(attempts=F("attempts") + 1)
    try:
        result = gateway.wallet_refund_create(
            intent_id=part.topup.stripe_payment_intent_id,
            amount_fen=part.amount_fen,
            wallet_refund_id=part.pk,
            idempotency_key=part.idempotency_key,
        )
    except gateway.GatewayUnavailable as exc:
        logger.warning("wallet refund %s left pending: %s", part.pk, exc)
        TopUpRefund.objects.filter(pk=part.pk).update(last_error=str(exc)[:300])
        return TopUpRefund.objects.get(pk=part.pk)
    except gateway.GatewayError as exc:
        # Refused: the reservation is released and the money stays in the wallet.
        logger.error("wallet refund %s refused by Stripe: %s", part.pk, exc)
        TopUpRefund.objects.filter(pk=part.pk, status=TopUpRefund.Status.PENDING).update(
            status=TopUpRefund.Status.FAILED, last_error=str(exc)[:300], settled_at=timezone.now()
        )
        return TopUpRefund.objects.get(pk=part.pk)
    return wallet_refund_settle(refund_id=part.pk, stripe_refund=result)


@transaction.atomic
def wallet_refund_settle(*, refund_id: int, stripe_refund: gateway.RefundView) -> TopUpRefund:
    """Book Stripe's outcome of a part (once): accepted -> wallet to refunds."""
    part = TopUpRefund.objects.select_for_update().get(pk=refund_id)
    if part.status != TopUpRefund.Status.PENDING:
        return part
    if stripe_refund.status in ("succeeded", "pending"):
        ledger.ledger_post(
            key=f"wallet_refund:{part.pk}",
            kind=LedgerTransaction.Kind.WITHDRAWAL,
            cause=f"stripe:{stripe_refund.id}",
            memo=f"withdrawal {part.withdrawal_id} from top-up {part.topup_id}",
            legs=[
                ledger.Leg(ledger.account_wallet(client_id=part.topup.client_id), -part.amount_fen),
                ledger.Leg(ledger.account_refunds(), part.amount_fen),
            ],
        )
        part.status = TopUpRefund.Status.SUCCEEDED
    else:
        part.status = TopUpRefund.Status.FAILED
        part.last_error = f"stripe status {stripe_refund.status}"
    part.stripe_refund_id = stripe_refund.id
    part.settled_at = timezone.now()
    part.save(update_fields=["status", "stripe_refund_id", "settled_at", "last_error"])
    return part


def wallet_refund_reconcile(*, refund_id: int) -> TopUpRefund:
    """Finish a pending part: booked from Stripe's answer if Stripe made it (found by our
    row id), otherwise sent again with the same key."""
    part = TopUpRefund.objects.select_related("topup").get(pk=refund_id)
    if part.status != TopUpRefund.Status.PENDING:
        return part
    try:
        found = [
            r
            for r in gateway.refunds_for_intent(intent_id=part.topup.stripe_payment_intent_id)
            if r.wallet_refund_id == part.pk
        ]
    except (gateway.GatewayUnavailable, gateway.GatewayError) as exc:
        logger.warning("reconcile of wallet refund %s postponed: %s", part.pk, exc)
        return part
    if found:
        return wallet_refund_settle(refund_id=part.pk, stripe_refund=found[0])
    if part.attempts >= MAX_WALLET_REFUND_ATTEMPTS:
        logger.error("wallet refund %s stuck (%s attempts): needs staff", part.pk, part.attempts)
        return part
    return wallet_refund_submit(refund_id=part.pk)


def wallet_refunds_reconcile(*, older_than_seconds: int = 30, now=None, limit: int = 100) -> int:
    """Beat: settle parts left pending for a while. Returns how many were looked at."""
    now = now or timezone.now()
    ids = list(
        TopUpRefund.objects.filter(
            status=TopUpRefund.Status.PENDING,
            created_at__lte=now - timedelta(seconds=older_than_seconds),
            attempts__lt=MAX_WALLET_REFUND_ATTEMPTS,
        )
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for pk in ids:
        wallet_refund_reconcile(refund_id=pk)
    return len(ids)


def wallet_refund_apply_stripe_update(*, stripe_refund: gateway.RefundView) -> bool:
    """A refund webhook for a withdrawal part; False when it is not one of ours."""
    if stripe_refund.wallet_refund_id is None:
        return False
    part = TopUpRefund.objects.filter(pk=stripe_refund.wallet_refund_id).first()
    if part is not None and part.status == TopUpRefund.Status.PENDING:
        wallet_refund_settle(refund_id=part.pk, stripe_refund=stripe_refund)
    return True
