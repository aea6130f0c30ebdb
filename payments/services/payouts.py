"""Payouts: staff gather listeners' available balances into a batch, another look approves
it, and each payout goes through the payouts gateway.

A team's payable (its share of its members' earnings) is paid the same way, to the team's
owner: a payout row with the team set and the owner as its listener, posting team payable
-> team paid out.

Gateways: `manual` (the embedded default, which has no Stripe Connect: the payout is
recorded as made by hand, e.g. a bank transfer, with reference "manual-<id>") and
`stripe_connect` (a Stripe transfer to the listener's connected account). Chosen by
settings.PAYOUTS_GATEWAY.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from listeners.models import ListenerProfile, Team
from marketplace.exceptions import DomainError
from payments import stripe_gateway
from payments.models import LedgerTransaction, Payout, PayoutBatch
from payments.selectors import listener_payables, team_payables
from payments.services import ledger

logger = logging.getLogger(__name__)


class PayoutError(DomainError):
    code = "payout_refused"
    status = 409


class ManualPayoutGateway:
    name = "manual"

    def send(self, *, payout: Payout) -> str:
        return f"manual-{payout.pk}"


class StripeConnectPayoutGateway:
    name = "stripe_connect"

    def send(self, *, payout: Payout) -> str:
        destination = payout.listener.stripe_account_id
        if not destination:
            raise PayoutError(_("This listener has no connected payout account."))
        return stripe_gateway.transfer_create(
            destination=destination,
            amount_fen=payout.amount_fen,
            currency=settings.PLATFORM_CURRENCY,
            idempotency_key=payout.idempotency_key,
        )


def payouts_gateway():
    name = settings.PAYOUTS_GATEWAY
    return StripeConnectPayoutGateway() if name == "stripe_connect" else ManualPayoutGateway()


@transaction.atomic
def payout_batch_create(*, created_by) -> PayoutBatch | None:
    """A draft batch with one payout per listener with an available balance (None if none)."""
    if not created_by.is_staff:
        raise PayoutError(_("Only staff create payouts."))
    rows: list[tuple[int, int | None, int]] = []  # (listener, team, amount)
    for listener_id, payable in listener_payables():
        ListenerProfile.objects.select_for_update().get(pk=listener_id)
        if Payout.objects.filter(
            listener_id=listener_id, team__isnull=True, status=Payout.Status.PENDING
        ).exists():
            continue
        if payable > 0:
            rows.append((listener_id, None, payable))
    for team_id, payable in team_payables():
        team = Team.objects.select_for_update().get(pk=team_id)
        if Payout.objects.filter(team_id=team_id, status=Payout.Status.PENDING).exists():
            continue
        if payable > 0:
            rows.append((team.owner_id, team_id, payable))
    if not rows:
        return None
    batch = PayoutBatch.objects.create(created_by=created_by)
    Payout.objects.bulk_create(
        [
            Payout(batch=batch, listener_id=lid, team_id=tid, amount_fen=amount)
            for lid, tid, amount in rows
        ]
    )
    return batch


def payout_batch_approve(*, batch_id: int, approved_by) -> PayoutBatch:
    """Approve and send a draft batch. Each payout posts payable -> paid out once."""
    if not approved_by.is_staff:
        raise PayoutError(_("Only staff approve payouts."))
    gateway = payouts_gateway()
    with transaction.atomic():
        batch = PayoutBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != PayoutBatch.Status.DRAFT:
            raise PayoutError(_("This batch was already handled."))
        batch.status = PayoutBatch.Status.SENT
        batch.approved_by = approved_by
        batch.approved_at = timezone.now()
        batch.gateway = gateway.name
        batch.save(update_fields=["status", "approved_by", "approved_at", "gateway"])
    for payout_id in batch.payouts.order_by("listener_id", "id").values_list("id", flat=True):
        payout_send(payout_id=payout_id, gateway=gateway)
    return batch


def payout_send(*, payout_id: int, gateway=None) -> Payout:
    gateway = gateway or payouts_gateway()
    payout = Payout.objects.select_related("listener").get(pk=payout_id)
    if payout.status != Payout.Status.PENDING:
        return payout
    try:
        reference = gateway.send(payout=payout)
    except (stripe_gateway.GatewayUnavailable, stripe_gateway.GatewayError, PayoutError) as exc:
        logger.error("payout %s failed: %s", payout.pk, exc)
        Payout.objects.filter(pk=payout.pk).update(last_error=str(exc)[:300])
        return Payout.objects.get(pk=payout.pk)
    with transaction.atomic():
        ListenerProfile.objects.select_for_update().get(pk=payout.listener_id)
        payout = Payout.objects.select_for_update().get(pk=payout_id)
        if payout.status != Payout.Status.PENDING:
            return payout
        if payout.team_id is not None:
            source = ledger.account_team_payable(team_id=payout.team_id)
            target = ledger.account_team_paid_out(team_id=payout.team_id)
        else:
            source = ledger.account_listener_payable(listener_id=payout.listener_id)
            target = ledger.account_listener_paid_out(listener_id=payout.listener_id)
        ledger.ledger_post(
            key=f"payout:{payout.pk}",
            kind=LedgerTransaction.Kind.PAYOUT,
            cause=f"payout:{payout.pk}:{reference}",
            memo=f"batch {payout.batch_id} via {gateway.name}"
            + (f" for team {payout.team_id}" if payout.team_id else ""),
            legs=[ledger.Leg(source, -payout.amount_fen), ledger.Leg(target, payout.amount_fen)],
        )
        payout.status = Payout.Status.SENT
        payout.gateway_reference = reference
        payout.sent_at = timezone.now()
        payout.save(update_fields=["status", "gateway_reference", "sent_at"])
    return payout
