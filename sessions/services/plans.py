"""Weekly and monthly plans (包周 / 包月): buy, answer (listener), cancel (client).

A plan is one daily window (Beijing time) for 7 or 30 days at the tier's plan discount,
paid up front from the wallet: each day becomes its own order (kind `plan`) whose escrow
gets that day's price, so each day has its own reply clock, is settled on its own after
the dispute window, and a missed day is refunded on its own (`lifecycle.session_complete`
asks `plan_day_missed`). The listener accepts or declines the whole plan; unanswered by
the deadline, every day expires and is refunded (the accept-timeout beat, as for any
order). Cancelling refunds the days to come; a day under way carries on. Refunds of plan
days go back to the wallet. Rules in docs/payments.md, "Plans".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from listeners.exceptions import QuoteError
from listeners.models import ListenerProfile, PricingTier
from listeners.pricing import WALL_CLOCK, Quote, quote_build
from marketplace.exceptions import NotFound
from marketplace.models import User
from payments.models import LedgerTransaction, Refund
from payments.money import yuan
from payments.services import ledger
from payments.services.budget import budget_check
from payments.wallet.selectors import wallet_available_fen
from payments.wallet.services import wallet_lock
from sessions.models import Order, Plan
from sessions.services.booking_guards import booking_guards_check
from sessions.services.orders import (
    APPOINTMENT_MAX_LEAD,
    APPOINTMENT_MIN_LEAD,
    BookingError,
    _close_with_refund,
    _occupying,
    contract_terms,
    order_accept,
    order_decline,
)
from sessions.services.transitions import order_lock, order_transition
from sessions.services.workload import workload_booking_check

logger = logging.getLogger(__name__)

PLAN_DAYS = (7, 30)
MAX_DAILY_MINUTES = 180
# The listener answers within this long, and before the first window starts.
ANSWER_WITHIN = timedelta(hours=24)


class PlanError(BookingError):
    code = "plan_refused"


@dataclass(frozen=True)
class PlanQuote:
    days: int
    discount_percent: int
    day_quotes: tuple[Quote, ...]

    @property
    def total_fen(self) -> int:
        return sum(quote.total_fen for quote in self.day_quotes)


def _whole(value: object, *, code: str, message: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanError(message, code=code)
    return value


def plan_quote(
    *, tier: PricingTier, days: object, first_day: date, daily_start: time, daily_minutes: object
) -> PlanQuote:
    """Price every day of the plan (day and night minutes as any booking, less the plan's
    discount). Refused with a PlanError when the tier does not offer it or a day cannot
    be booked."""
    days = _whole(days, code="days_invalid", message=_("A plan lasts 7 or 30 days."))
    if days not in PLAN_DAYS:
        raise PlanError(_("A plan lasts 7 or 30 days."), code="days_invalid")
    discount = tier.plan_discount_percent(days)
    if discount is None:
        raise PlanError(_("This listener does not offer this plan."), code="plan_not_offered")
    minutes = _whole(
        daily_minutes, code="minutes_invalid", message=_("Minutes must be a whole number.")
    )
    if not tier.min_minutes <= minutes <= MAX_DAILY_MINUTES:
        raise PlanError(
            _("A plan's daily window lasts %(min)d to %(max)d minutes.")
            % {"min": tier.min_minutes, "max": MAX_DAILY_MINUTES},
            code="minutes_out_of_range",
        )
    quotes = []
    for offset in range(days):
        start = datetime.combine(first_day + timedelta(days=offset), daily_start, WALL_CLOCK)
        try:
            quotes.append(
                quote_build(tier=tier, start=start, minutes=minutes, plan_discount_percent=discount)
            )
        except QuoteError as exc:
            raise PlanError(exc.message, code=exc.code) from exc
    return PlanQuote(days=days, discount_percent=discount, day_quotes=tuple(quotes))


def _bookable_tier(*, tier_id: int) -> PricingTier:
    tier = PricingTier.objects.select_related("listener").filter(pk=tier_id, is_active=True).first()
    if tier is None:
        raise NotFound(_("This pricing tier does not exist."))
    return tier


def _day_order(*, plan: Plan, quote: Quote, now: datetime) -> Order:
    return Order.objects.create(
        client=plan.client,
        listener=plan.listener,
        tier=plan.tier,
        kind=Order.Kind.PLAN,
        plan=plan,
        starts_at=quote.starts_at,
        ends_at=quote.ends_at,
        minutes=quote.minutes,
        quote=quote.to_json(),
        price_fen=quote.total_fen,
        **contract_terms(plan.tier),
        created_at=now,
        payment_deadline=now,
    )


def plan_buy(
    *,
    client: User,
    tier_id: int,
    days: object,
    first_day: date,
    daily_start: time,
    daily_minutes: object,
    now: datetime | None = None,
) -> Plan:
    """Buy a plan from the wallet: every day's order is booked, checked as an appointment
    (the client's limits, the listener's free time, shifts and workload) and funded from
    the wallet in one transaction; then the listener is asked. Nothing is written when
    any day is refused or the balance does not cover the whole plan."""
    now = now or timezone.now()
    tier = _bookable_tier(tier_id=tier_id)
    if tier.listener.user_id == client.pk:
        raise PlanError(_("You cannot book yourself."), code="own_listener")
    quote = plan_quote(
        tier=tier,
        days=days,
        first_day=first_day,
        daily_start=daily_start,
        daily_minutes=daily_minutes,
    )
    first_start = quote.day_quotes[0].starts_at
    if first_start < now + APPOINTMENT_MIN_LEAD:
        raise PlanError(
            _("A plan's first window starts at least 10 minutes from now."), code="start_too_soon"
        )
    if first_start > now + APPOINTMENT_MAX_LEAD:
        raise PlanError(_("A plan starts at most 60 days from now."), code="start_too_late")

    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=client.pk)
        listener = ListenerProfile.objects.select_for_update().get(pk=tier.listener_id)
        if not listener.is_approved:
            raise PlanError(_("This listener is not verified yet."), code="listener_unverified")
        budget_check(client=client, amount_fen=0, now=now)  # the top-ups already counted
        wallet = wallet_lock(client_id=client.pk)
        available = wallet_available_fen(client_id=client.pk)
        if available < quote.total_fen:
            raise PlanError(
                _("The plan costs ¥%(price)s and your balance is ¥%(balance)s; top up first.")
                % {"price": yuan(quote.total_fen), "balance": yuan(max(available, 0))},
                code="balance_too_low",
            )
        plan = Plan.objects.create(
            client=client,
            listener=listener,
            tier=tier,
            days=quote.days,
            first_day=first_day,
            daily_start=daily_start,
            daily_minutes=quote.day_quotes[0].minutes,
            discount_percent=quote.discount_percent,
            price_fen=quote.total_fen,
            created_at=now,
        )
        orders = []
        for day in quote.day_quotes:
            # Each day is checked with the days before it already booked, so the client's
            # weekly limits and the listener's free time see the whole plan.
            booking_guards_check(
                client_id=client.pk, starts_at=day.starts_at, minutes=day.minutes, now=now
            )
            if (
                _occupying(listener_id=listener.pk, now=now)
                .filter(starts_at__lt=day.ends_at, ends_at__gt=day.starts_at)
                .exists()
            ):
                raise PlanError(
                    _("This listener is already booked on %(day)s at that time.")
                    % {"day": day.starts_at.astimezone(WALL_CLOCK).strftime("%Y-%m-%d")},
                    code="slot_taken",
                )
            workload_booking_check(
                listener=listener,
                instant=False,
                starts_at=day.starts_at,
                ends_at=day.ends_at,
                now=now,
            )
            orders.append(_day_order(plan=plan, quote=day, now=now))
        ledger.ledger_post_many(
            [
                ledger.Posting(
                    key=f"plan:{plan.pk}:order:{order.pk}",
                    kind=LedgerTransaction.Kind.CHARGE,
                    cause=f"plan:{plan.pk}",
                    order_id=order.pk,
                    memo=f"plan {plan.pk}, {order.starts_at.astimezone(WALL_CLOCK):%Y-%m-%d}",
                    legs=(
                        ledger.Leg(wallet, -order.price_fen),
                        ledger.Leg(ledger.account_escrow(order_id=order.pk), order.price_fen),
                    ),
                )
                for order in orders
            ]
        )
        deadline = min(first_start, now + ANSWER_WITHIN)
        for order in orders:
            order_transition(
                order_id=order.pk, to=Order.State.PAID, now=now, accept_deadline=deadline
            )
    logger.info("plan %s bought by %s (%s fen)", plan.pk, client.pk, plan.price_fen)
    return plan


def _plan_for(*, plan_id: object, user: User, as_listener: bool) -> Plan:
    """The plan if `user` is its listener (or its client); anyone else gets NotFound."""
    if not str(plan_id).isdigit():
        raise NotFound(_("No such plan."))
    plan = Plan.objects.select_related("listener").filter(pk=int(str(plan_id))).first()
    if plan is not None:
        owner_id = plan.listener.user_id if as_listener else plan.client_id
        if owner_id == user.pk:
            return plan
    raise NotFound(_("No such plan."))


def plan_answer(
    *, plan_id: object, listener_user: User, accept: bool, now: datetime | None = None
) -> Plan:
    """The listener accepts or declines every day of the plan at once (declined days are
    refunded to the wallet)."""
    now = now or timezone.now()
    plan = _plan_for(plan_id=plan_id, user=listener_user, as_listener=True)
    with transaction.atomic():
        waiting = [
            order_lock(order_id=pk)
            for pk in plan.day_orders.order_by("pk").values_list("pk", flat=True)
        ]
        waiting = [order for order in waiting if order.state == Order.State.PAID]
        if not waiting:
            raise PlanError(_("This plan has already been answered."), code="answered")
        for order in waiting:
            if accept:
                order_accept(order_id=order.pk, listener_user=listener_user, now=now)
            else:
                order_decline(order_id=order.pk, listener_user=listener_user, now=now)
    return plan


def plan_cancel(*, plan_id: object, client: User, now: datetime | None = None) -> Plan:
    """The client cancels the plan: every day not started yet is cancelled and refunded
    to the wallet in full; a day under way carries on and is settled as usual."""
    now = now or timezone.now()
    plan = _plan_for(plan_id=plan_id, user=client, as_listener=False)
    with transaction.atomic():
        locked = [
            order_lock(order_id=pk)
            for pk in plan.day_orders.order_by("pk").values_list("pk", flat=True)
        ]
        to_come = [
            order
            for order in locked
            if order.state in (Order.State.PAID, Order.State.ACCEPTED) and order.starts_at > now
        ]
        if not to_come:
            raise PlanError(_("This plan has no days left to cancel."), code="nothing_to_cancel")
        for order in to_come:
            _close_with_refund(
                order=order,
                to=Order.State.CANCELLED,
                cause=Refund.Cause.CANCELLATION,
                reason="plan cancelled by the client",
                now=now,
            )
        Plan.objects.filter(pk=plan.pk).update(cancelled_at=now)
    plan.refresh_from_db()
    return plan
