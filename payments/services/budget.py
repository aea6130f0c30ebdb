"""Clients' monthly budget caps.

Lowering a cap takes effect at once; raising or removing it takes effect
`BUDGET_RAISE_DELAY_HOURS` (24) later, so a decision made in a weak moment can be undone.
Spending is what the client's orders and wallet top-ups of the calendar month
(Asia/Shanghai) cost, minus what was refunded on those orders and withdrawn from those
top-ups; orders and top-ups awaiting payment are not spent but hold the cap (they would be
paid from the same budget) until their payment deadline. Cancelled, declined and expired
orders count for nothing, and neither do their refunds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from payments.exceptions import BudgetExceeded, InvalidAmount
from payments.models import BudgetCap, Refund
from payments.money import yuan
from payments.wallet.selectors import topups_month_fen
from sessions.models import Order

BUDGET_RAISE_DELAY_HOURS = 24
MAX_CAP_FEN = 100_000_000
SPENDING_STATES = (
    Order.State.PENDING_PAYMENT,
    Order.State.PAID,
    Order.State.ACCEPTED,
    Order.State.ACTIVE,
    Order.State.COMPLETED,
    Order.State.TERMINATED,
    Order.State.SETTLED,
)


@dataclass(frozen=True)
class BudgetView:
    cap_fen: int | None
    spent_fen: int  # paid this month, minus refunds
    held_fen: int  # awaiting payment (until each deadline): not spent, but holds the cap
    pending_cap_fen: int | None
    pending_remove: bool
    pending_effective_at: datetime | None

    @property
    def left_fen(self) -> int | None:
        if self.cap_fen is None:
            return None
        return max(self.cap_fen - self.spent_fen - self.held_fen, 0)


def month_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _apply_due(cap: BudgetCap, now: datetime) -> None:
    if cap.pending_effective_at is not None and cap.pending_effective_at <= now:
        cap.monthly_cap_fen = None if cap.pending_remove else cap.pending_cap_fen
        cap.pending_cap_fen = None
        cap.pending_remove = False
        cap.pending_effective_at = None
        cap.save(
            update_fields=[
                "monthly_cap_fen",
                "pending_cap_fen",
                "pending_remove",
                "pending_effective_at",
            ]
        )


def month_spent_fen(*, client, now: datetime) -> int:
    """Spent plus held this month: what the cap is checked against."""
    spent, held = month_figures_fen(client=client, now=now)
    return spent + held


def month_figures_fen(*, client, now: datetime) -> tuple[int, int]:
    """(spent, held) this month. Spent: paid orders and top-ups minus their refunds and
    withdrawals. Held: orders and top-ups awaiting payment, until their payment deadline."""
    start = month_start(now)
    # Per-minute orders and plan days are paid from the wallet, whose top-ups already counted.
    orders = Order.objects.filter(
        client=client, created_at__gte=start, state__in=SPENDING_STATES
    ).exclude(kind__in=Order.WALLET_KINDS)
    held = (
        orders.filter(state=Order.State.PENDING_PAYMENT, payment_deadline__gt=now).aggregate(
            total=Sum("price_fen")
        )["total"]
        or 0
    )
    spent = orders.exclude(state=Order.State.PENDING_PAYMENT).aggregate(total=Sum("price_fen"))[
        "total"
    ]
    # Only refunds of orders counted above give budget back: a cancelled, declined or
    # expired order already counts for nothing, so its refund must not count again.
    refunded = Refund.objects.filter(
        order__client=client,
        order__created_at__gte=start,
        order__state__in=SPENDING_STATES,
        status__in=[Refund.Status.SUCCEEDED, Refund.Status.PENDING],
        payment__isnull=False,  # refunds of per-minute orders go back to the wallet
    ).aggregate(total=Sum("amount_fen"))["total"]
    topups_spent, topups_held = topups_month_fen(client=client, start=start, now=now)
    return (spent or 0) - (refunded or 0) + topups_spent, held + topups_held


def budget_for_client(*, client, now: datetime | None = None) -> BudgetView:
    now = now or timezone.now()
    cap = BudgetCap.objects.filter(client=client).first()
    if cap is not None:
        _apply_due(cap, now)
    spent, held = month_figures_fen(client=client, now=now)
    return BudgetView(
        cap_fen=cap.monthly_cap_fen if cap else None,
        spent_fen=spent,
        held_fen=held,
        pending_cap_fen=cap.pending_cap_fen if cap else None,
        pending_remove=cap.pending_remove if cap else False,
        pending_effective_at=cap.pending_effective_at if cap else None,
    )


def budget_cap_set(*, client, cap_fen: int | None, now: datetime | None = None) -> BudgetCap:
    """Set (or with None remove) the monthly cap. Lower: now. Higher or removed: in 24 h."""
    now = now or timezone.now()
    if cap_fen is not None and (
        isinstance(cap_fen, bool) or not isinstance(cap_fen, int) or cap_fen < 0
    ):
        raise InvalidAmount(_("The budget must be a whole number of fen, zero or more."))
    if cap_fen is not None and cap_fen > MAX_CAP_FEN:
        raise InvalidAmount(_("The budget is too large."))
    cap, _created = BudgetCap.objects.select_for_update().get_or_create(client=client)
    _apply_due(cap, now)
    current = cap.monthly_cap_fen
    lowering = cap_fen is not None and (current is None or cap_fen <= current)
    if lowering:
        cap.monthly_cap_fen = cap_fen
        cap.pending_cap_fen = None
        cap.pending_remove = False
        cap.pending_effective_at = None
    else:
        cap.pending_cap_fen = cap_fen
        cap.pending_remove = cap_fen is None
        cap.pending_effective_at = now + timedelta(hours=BUDGET_RAISE_DELAY_HOURS)
    cap.updated_at = now
    cap.save()
    return cap


def budget_check(*, client, amount_fen: int, now: datetime | None = None) -> None:
    """Refuse an order that would take the client past their cap. Call under a lock of the
    client's row so two bookings cannot both squeeze under the cap."""
    view = budget_for_client(client=client, now=now)
    if view.cap_fen is None:
        return
    if view.spent_fen + view.held_fen + amount_fen > view.cap_fen:
        raise BudgetExceeded(
            _("This order would pass your monthly budget of ¥%(cap)s (¥%(left)s left this month).")
            % {"cap": yuan(view.cap_fen), "left": yuan(view.left_fen or 0)}
        )
