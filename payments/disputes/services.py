"""Writes of disputes: open, answer, decide, approve, and the desk's audit log.

Every step that reads a dispute to change it locks the order row first, then the dispute
row (a fixed order, the same the refund and settlement services use), and decides on what
it read under the lock: two staff deciding the same dispute at once serialise, and the
second finds it no longer open and is refused.

Money goes only through `payments.services`: opening places a settlement hold in the same
transaction; a decision reserves the refund (`refund_reserve`, idempotency source
"dispute:<id>") and lifts the hold in the decision's transaction, then after commit the
refund is sent to Stripe (`refund_submit`) and what is left is settled
(`escrow_release`). A refund left pending by a Stripe outage blocks the release until
`refunds_reconcile` settles it; a decision made before the dispute window ends leaves the
release to `settlement_sweep` at the window's end.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import DomainError, NotFound
from marketplace.models import User
from payments.disputes.exceptions import DisputeInvalid, DisputeRefused
from payments.disputes.models import Dispute, DisputeAuditEntry
from payments.disputes.notifications import Kind, notify_on_commit
from payments.models import Refund
from payments.money import yuan
from payments.services.refunds import (
    escrow_available_fen,
    refund_reserve,
    refund_submit,
    validate_amount_fen,
)
from payments.services.settlement import (
    escrow_release,
    settlement_hold_lift,
    settlement_hold_place,
)
from sessions.models import Order
from sessions.services.transitions import order_lock

logger = logging.getLogger(__name__)

DISPUTABLE_STATES = (Order.State.COMPLETED, Order.State.TERMINATED)
MAX_STATEMENT_LENGTH = 2000
MIN_STATEMENT_LENGTH = 5
MAX_DECISION_REASON_LENGTH = 1000


# --- helpers -------------------------------------------------------------------------------


def _text(value: Any, *, field: str, minimum: int, maximum: int) -> str:
    if not isinstance(value, str):
        raise DisputeInvalid(_("This field must be text."), code=f"{field}_invalid")
    value = value.strip()
    if len(value) < minimum:
        raise DisputeInvalid(
            _("Please write at least %(n)s characters.") % {"n": minimum}, code=f"{field}_short"
        )
    if len(value) > maximum:
        raise DisputeInvalid(
            _("Please write at most %(n)s characters.") % {"n": maximum}, code=f"{field}_long"
        )
    return value


def _require_staff(user: User) -> None:
    """Non-staff are told the desk does not exist."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise NotFound(_("No such dispute."))


def dispute_window_ends(*, order: Order) -> datetime | None:
    if order.ended_at is None:
        return None
    return order.ended_at + timedelta(hours=settings.DISPUTE_WINDOW_HOURS)


def _audit(
    *, dispute: Dispute | None, actor: User, action: str, detail: dict | None = None
) -> DisputeAuditEntry:
    return DisputeAuditEntry.objects.create(
        dispute=dispute, actor=actor, action=action, detail=detail or {}
    )


def _lock(*, dispute_id: int) -> Dispute:
    """Order row, then dispute row, locked until the transaction ends."""
    order_id = Dispute.objects.filter(pk=dispute_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound(_("No such dispute."))
    order_lock(order_id=order_id)
    return Dispute.objects.select_for_update().select_related("order").get(pk=dispute_id)


def _dispute_url(order_id: int) -> str:
    from django.urls import reverse

    return reverse("payments:dispute", args=[order_id])


def _record_refusal(*, dispute_id: int, actor: User, step: str, error: Exception) -> None:
    """A refused desk attempt is audited too, in its own transaction (the step's own
    transaction rolled back)."""
    if not Dispute.objects.filter(pk=dispute_id).exists():
        return
    _audit(
        dispute=Dispute(pk=dispute_id),
        actor=actor,
        action=DisputeAuditEntry.Action.REFUSED,
        detail={"step": step, "code": getattr(error, "code", ""), "detail": str(error)[:300]},
    )


# --- opening and answering -----------------------------------------------------------------


def dispute_open_refusal(*, order: Order, now: datetime) -> DisputeRefused | None:
    """Why the client cannot open a dispute on `order` at `now`, or None. The rules of
    `dispute_open`, written once: it raises this under the order lock, and pages show
    its message in advance (`selectors.dispute_refusal`)."""
    if Dispute.objects.filter(order_id=order.pk).exists():
        return DisputeRefused(_("This order already has a dispute."), code="dispute_exists")
    if order.state not in DISPUTABLE_STATES:
        return DisputeRefused(
            _("Only a completed or terminated session can be disputed."),
            code="dispute_not_allowed",
        )
    ends = dispute_window_ends(order=order)
    if ends is None or now >= ends:
        return DisputeRefused(
            _("The dispute window for this order has closed."), code="dispute_window_closed"
        )
    return None


def dispute_open(
    *,
    order_id: int,
    client: User,
    reason: str,
    statement: str,
    requested_fen: int | None = None,
    now: datetime | None = None,
) -> Dispute:
    """The client disputes a completed or terminated order within the dispute window,
    optionally asking back `requested_fen` (at most what is left of the payment).
    Settlement of the order freezes in the same transaction."""
    now = now or timezone.now()
    if reason not in Dispute.Reason.values:
        raise DisputeInvalid(_("Pick a reason for the dispute."), code="reason_invalid")
    if requested_fen is not None and (
        isinstance(requested_fen, bool) or not isinstance(requested_fen, int) or requested_fen <= 0
    ):
        raise DisputeInvalid(_("The amount must be positive."), code="requested_invalid")
    statement = _text(
        statement, field="statement", minimum=MIN_STATEMENT_LENGTH, maximum=MAX_STATEMENT_LENGTH
    )
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id, client_id=client.pk).first()
        if order is None:
            raise NotFound(_("No such order."))
        refusal = dispute_open_refusal(order=order, now=now)  # on the locked row
        if refusal is not None:
            raise refusal
        left = escrow_available_fen(order_id=order.pk)
        if requested_fen is not None and requested_fen > left:
            raise DisputeInvalid(
                _("You can ask for at most ¥%(left)s, what is left of this order's payment.")
                % {"left": yuan(left)},
                code="requested_too_much",
            )
        try:
            with transaction.atomic():
                dispute = Dispute.objects.create(
                    order=order,
                    client=client,
                    reason=reason,
                    statement=statement,
                    requested_fen=requested_fen,
                    created_at=now,
                )
        except IntegrityError:
            raise DisputeRefused(
                _("This order already has a dispute."), code="dispute_exists"
            ) from None
        settlement_hold_place(
            order_id=order.pk, source=dispute.hold_source, reason=f"dispute {dispute.pk}"
        )
        _audit(
            dispute=dispute,
            actor=client,
            action=DisputeAuditEntry.Action.OPENED,
            detail={"reason": reason},
        )
        params = {"order": order.pk, "dispute": dispute.pk}
        url = _dispute_url(order.pk)
        listener_user_id = order.listener.user_id
        notify_on_commit(user_id=listener_user_id, kind=Kind.DISPUTE_OPENED, params=params, url=url)
        notify_on_commit(user_id=client.pk, kind=Kind.DISPUTE_RECEIVED, params=params, url=url)
    logger.info("dispute %s opened on order %s", dispute.pk, order.pk)
    return dispute


def dispute_answer(*, dispute_id: int, listener_user: User, statement: str) -> Dispute:
    """The listener's one statement, while the dispute is undecided."""
    statement = _text(
        statement, field="statement", minimum=MIN_STATEMENT_LENGTH, maximum=MAX_STATEMENT_LENGTH
    )
    with transaction.atomic():
        exists = Dispute.objects.filter(
            pk=dispute_id, order__listener__user_id=listener_user.pk
        ).exists()
        if not exists:
            raise NotFound(_("No such dispute."))
        dispute = _lock(dispute_id=dispute_id)
        if dispute.state == Dispute.State.RESOLVED:
            raise DisputeRefused(_("This dispute is already decided."), code="dispute_decided")
        if dispute.listener_answered_at is not None:
            raise DisputeRefused(
                _("You have already answered this dispute."), code="already_answered"
            )
        dispute.listener_statement = statement
        dispute.listener_answered_at = timezone.now()
        dispute.save(update_fields=["listener_statement", "listener_answered_at"])
        _audit(dispute=dispute, actor=listener_user, action=DisputeAuditEntry.Action.ANSWERED)
        notify_on_commit(
            user_id=dispute.client_id,
            kind=Kind.DISPUTE_ANSWERED,
            params={"order": dispute.order_id, "dispute": dispute.pk},
            url=_dispute_url(dispute.order_id),
        )
    return dispute


# --- the desk ------------------------------------------------------------------------------


def dispute_desk_viewed(*, staff: User, dispute: Dispute | None = None) -> None:
    """Audit one look at the desk (the queue when `dispute` is None)."""
    _require_staff(staff)
    _audit(
        dispute=dispute,
        actor=staff,
        action=(
            DisputeAuditEntry.Action.VIEWED if dispute else DisputeAuditEntry.Action.QUEUE_VIEWED
        ),
    )


def _refund_amount(*, order_id: int, outcome: str, amount_fen: int | None) -> int:
    """Under the order lock: what the decision refunds now. A full refund is what is left
    in escrow; a partial one is refused when it exceeds that; a rejection refunds nothing."""
    if outcome == Dispute.Outcome.REJECT:
        return 0
    available = escrow_available_fen(order_id=order_id)
    if outcome == Dispute.Outcome.FULL_REFUND:
        return max(available, 0)
    if amount_fen > available:
        raise DisputeRefused(
            _("A refund cannot exceed what is left in escrow (¥%(left)s).")
            % {"left": yuan(available)},
            code="refund_exceeds_escrow",
        )
    return amount_fen


def needs_second_approval(*, amount_fen: int) -> bool:
    return amount_fen > settings.DISPUTE_SECOND_APPROVAL_FEN


def dispute_decide(
    *,
    dispute_id: int,
    staff: User,
    outcome: str,
    reason: str,
    amount_fen: int | None = None,
    now: datetime | None = None,
) -> Dispute:
    """Decide an open dispute: a full refund (what is left in escrow), a partial refund of
    `amount_fen`, or a rejection, with a reason shown to both parties.

    A refund above `DISPUTE_SECOND_APPROVAL_FEN` is only proposed (AWAITING_APPROVAL) and
    runs when another staff member approves it (`dispute_approve`). Anything refused
    raises and changes nothing but the audit log.
    """
    _require_staff(staff)
    try:
        return _decide(
            dispute_id=dispute_id,
            staff=staff,
            outcome=outcome,
            reason=reason,
            amount_fen=amount_fen,
            now=now,
        )
    except DomainError as error:
        _record_refusal(dispute_id=dispute_id, actor=staff, step="decide", error=error)
        raise


def _decide(
    *,
    dispute_id: int,
    staff: User,
    outcome: str,
    reason: str,
    amount_fen: int | None,
    now: datetime | None,
) -> Dispute:
    now = now or timezone.now()
    if outcome not in Dispute.Outcome.values:
        raise DisputeInvalid(_("Pick a decision."), code="outcome_invalid")
    reason = _text(
        reason, field="reason", minimum=MIN_STATEMENT_LENGTH, maximum=MAX_DECISION_REASON_LENGTH
    )
    if outcome == Dispute.Outcome.PARTIAL_REFUND:
        validate_amount_fen(amount_fen)
    elif amount_fen is not None:
        raise DisputeInvalid(
            _("An amount is given only for a partial refund."), code="amount_unexpected"
        )
    with transaction.atomic():
        dispute = _lock(dispute_id=dispute_id)
        if dispute.state != Dispute.State.OPEN:
            raise DisputeRefused(
                _("This dispute is no longer open; someone else has decided it."),
                code="dispute_not_open",
            )
        amount = _refund_amount(order_id=dispute.order_id, outcome=outcome, amount_fen=amount_fen)
        dispute.outcome = outcome
        dispute.amount_fen = amount
        dispute.decision_reason = reason
        dispute.proposed_by = staff
        dispute.proposed_at = now
        if needs_second_approval(amount_fen=amount):
            dispute.state = Dispute.State.AWAITING_APPROVAL
            dispute.save(
                update_fields=[
                    "outcome",
                    "amount_fen",
                    "decision_reason",
                    "proposed_by",
                    "proposed_at",
                    "state",
                ]
            )
            _audit(
                dispute=dispute,
                actor=staff,
                action=DisputeAuditEntry.Action.PROPOSED,
                detail={"outcome": outcome, "amount_fen": amount, "reason": reason},
            )
            return dispute
        refund = _execute(dispute=dispute, staff=staff, now=now)
    return _after_decision(dispute=dispute, refund=refund, now=now)


def dispute_approve(*, dispute_id: int, staff: User, now: datetime | None = None) -> Dispute:
    """A second staff member approves a proposed decision, which then runs."""
    _require_staff(staff)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            dispute = _lock(dispute_id=dispute_id)
            if dispute.state != Dispute.State.AWAITING_APPROVAL:
                raise DisputeRefused(
                    _("This dispute has no decision awaiting approval."), code="nothing_to_approve"
                )
            if dispute.proposed_by_id == staff.pk:
                raise DisputeRefused(
                    _("A different staff member must approve this decision."),
                    code="second_approver_required",
                )
            dispute.amount_fen = _refund_amount(
                order_id=dispute.order_id, outcome=dispute.outcome, amount_fen=dispute.amount_fen
            )
            dispute.approved_by = staff
            _audit(
                dispute=dispute,
                actor=staff,
                action=DisputeAuditEntry.Action.APPROVED,
                detail={"outcome": dispute.outcome, "amount_fen": dispute.amount_fen},
            )
            refund = _execute(dispute=dispute, staff=staff, now=now)
    except DomainError as error:
        _record_refusal(dispute_id=dispute_id, actor=staff, step="approve", error=error)
        raise
    return _after_decision(dispute=dispute, refund=refund, now=now)


def dispute_proposal_decline(*, dispute_id: int, staff: User, note: str = "") -> Dispute:
    """Send a proposed decision back: the dispute is open again for a new decision."""
    _require_staff(staff)
    with transaction.atomic():
        dispute = _lock(dispute_id=dispute_id)
        if dispute.state != Dispute.State.AWAITING_APPROVAL:
            raise DisputeRefused(
                _("This dispute has no decision awaiting approval."), code="nothing_to_approve"
            )
        _audit(
            dispute=dispute,
            actor=staff,
            action=DisputeAuditEntry.Action.PROPOSAL_DECLINED,
            detail={
                "outcome": dispute.outcome,
                "amount_fen": dispute.amount_fen,
                "proposed_by": dispute.proposed_by_id,
                "note": note[:300],
            },
        )
        dispute.state = Dispute.State.OPEN
        dispute.outcome = ""
        dispute.amount_fen = None
        dispute.decision_reason = ""
        dispute.proposed_by = None
        dispute.proposed_at = None
        dispute.save(
            update_fields=[
                "state",
                "outcome",
                "amount_fen",
                "decision_reason",
                "proposed_by",
                "proposed_at",
            ]
        )
    return dispute


def _execute(*, dispute: Dispute, staff: User, now: datetime) -> Refund | None:
    """Inside the decision's transaction, with the order and dispute locked: reserve the
    refund, resolve, lift the hold, audit, notify."""
    refund = None
    if dispute.amount_fen:
        refund = refund_reserve(
            order_id=dispute.order_id,
            amount_fen=dispute.amount_fen,
            reason=dispute.decision_reason[:300],
            cause=Refund.Cause.DISPUTE,
            idempotency_source=dispute.hold_source,
        )
    dispute.refund = refund
    dispute.state = Dispute.State.RESOLVED
    dispute.resolved_at = now
    dispute.save()
    settlement_hold_lift(source=dispute.hold_source)
    _audit(
        dispute=dispute,
        actor=staff,
        action=DisputeAuditEntry.Action.DECIDED,
        detail={
            "outcome": dispute.outcome,
            "amount_fen": dispute.amount_fen,
            "refund": refund.pk if refund else None,
            "proposed_by": dispute.proposed_by_id,
            "approved_by": dispute.approved_by_id,
            "reason": dispute.decision_reason,
        },
    )
    params = {
        "order": dispute.order_id,
        "dispute": dispute.pk,
        "outcome": dispute.outcome,
        "amount_yuan": yuan(dispute.amount_fen or 0),
        "reason": dispute.decision_reason,
    }
    url = _dispute_url(dispute.order_id)
    for user_id in (dispute.client_id, dispute.order.listener.user_id):
        notify_on_commit(user_id=user_id, kind=Kind.DISPUTE_RESOLVED, params=params, url=url)
    return refund


def _after_decision(*, dispute: Dispute, refund: Refund | None, now: datetime) -> Dispute:
    """After the decision committed: the refund goes to Stripe, then the rest is settled.
    Both are retried by the beat jobs if this process dies here."""
    if refund is not None and refund.status == Refund.Status.PENDING:
        refund = refund_submit(refund_id=refund.pk)
        if refund.status == Refund.Status.FAILED:
            logger.error(
                "refund %s of dispute %s failed: %s", refund.pk, dispute.pk, refund.last_error
            )
    release = escrow_release(order_id=dispute.order_id, now=max(now, timezone.now()))
    if release is None:
        logger.info("dispute %s decided; order %s settles later", dispute.pk, dispute.order_id)
    dispute.refresh_from_db()
    return dispute
