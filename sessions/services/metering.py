"""Per-minute sessions: booked from the wallet, metered by the server minute by minute.

A per-minute order is paid from the client's wallet one minute at a time, each minute
moved into the order's escrow at its start ("a minute ahead"), so a chat never runs on
credit. `ends_at` is the end of the minutes charged so far:

- booking (`metered_order_create`) charges the first minute; the listener accepts as
  for any instant order, and the minute starts counting when the session starts;
- at each minute boundary (`ends_at`; up to LOOKAHEAD before it) the metering pass (beat,
  `clock` queue) charges the next minute; when the wallet cannot pay it the session
  **pauses** at the boundary: nothing can be sent,
  the reply clock stops (its deadline is moved by the grace, and back on resume), and the
  client has `METERED_GRACE_SECONDS` to top up and resume (`metered_resume`); after the
  grace the session ends;
- when a charge leaves less than two minutes' price, both sides are warned (once);
- the client can stop at any moment (`session_end_early`) and has paid the minutes
  started, no more (a minute charged ahead and not started comes back: `early_end`).

The pass is one pure planner (`metering_plan`: rows, balances and `now` in, charges,
warnings, pauses and ends out) and one set-based writer (`metering_pass`); resuming and
booking use the same minute price rule. Lock order: the order rows (by id), then the
wallet accounts (by id, inside the ledger).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from listeners.models import ListenerProfile, PricingTier
from listeners.pricing import minute_is_night, minute_prices_fen, night_window_for
from marketplace.exceptions import DomainError, NotFound
from payments.exceptions import LimitExceeded
from payments.models import Account, LedgerTransaction
from payments.money import yuan
from payments.services import ledger
from payments.services.budget import budget_check
from payments.wallet.selectors import wallet_available_fen, wallets_available_fen
from payments.wallet.services import wallet_lock
from sessions import events
from sessions.models import Order, ReplyClock
from sessions.services import calls
from sessions.services.booking_guards import clients_with_limits, next_minute_check
from sessions.services.clocks import clocks_catch_up
from sessions.services.transcript import system_message_post
from sessions.services.transitions import order_lock

logger = logging.getLogger(__name__)

MINUTE = timedelta(minutes=1)
# The pass charges a minute up to this long before its boundary (the beat's period), so
# a charge is in escrow when the minute starts, however the beat's second falls. A minute
# charged ahead that was never started is given back if the session ends before it.
LOOKAHEAD = timedelta(seconds=1)
# Warn when the balance pays for fewer than this many minutes after the current one.
WARN_MINUTES = 2

METER_TEXTS = {
    "balance_low": gettext_noop(
        "The client's balance runs out in about two minutes; the session then pauses."
    ),
    "paused_balance": gettext_noop(
        "The balance ran out, so the session is paused. Top up within the grace period to carry on."
    ),
    "resumed": gettext_noop("The client topped up; the session carries on."),
}


class MeteringRefused(DomainError):
    code = "metering_refused"
    status = 409


def grace() -> timedelta:
    return timedelta(seconds=settings.METERED_GRACE_SECONDS)


# --- The minute price ------------------------------------------------------------------------


def metered_terms(tier: PricingTier) -> dict:
    """The per-minute terms frozen on the order at booking (later price changes never
    touch it)."""
    day, night = minute_prices_fen(tier)
    window = night_window_for(tier.listener)
    return {
        "kind": "metered",
        "minute_day_fen": day,
        "minute_night_fen": night,
        "night_window": [window[0].strftime("%H:%M"), window[1].strftime("%H:%M")],
        "lines": [],
        "currency": settings.PLATFORM_CURRENCY,
    }


def _window(terms: dict) -> tuple[time, time]:
    start, end = terms["night_window"]
    return time.fromisoformat(start), time.fromisoformat(end)


def minute_price_fen(*, terms: dict, at: datetime) -> int:
    """The price of the minute starting at `at`, by the order's frozen terms."""
    night = minute_is_night(at, _window(terms))
    return terms["minute_night_fen"] if night else terms["minute_day_fen"]


# --- The planner (pure) ----------------------------------------------------------------------


@dataclass(frozen=True)
class MeterRow:
    order_id: int
    client_id: int
    ends_at: datetime
    paused_at: datetime | None
    warned: bool
    terms: dict


@dataclass
class MeterPlan:
    charges: list[tuple[MeterRow, int]] = field(default_factory=list)
    warnings: list[MeterRow] = field(default_factory=list)
    pauses: list[MeterRow] = field(default_factory=list)
    ends: list[MeterRow] = field(default_factory=list)
    balances: dict[int, int] = field(default_factory=dict)  # per client, after the charges


def metering_plan(
    *, rows: list[MeterRow], available: dict[int, int], now: datetime, grace: timedelta
) -> MeterPlan:
    """What to do with each due session (boundary at most LOOKAHEAD away): charge its
    next minute if the wallet pays for it, else pause it once the boundary has come (the
    minute paid so far is the client's to the end); end it when its grace is over.
    Sessions of one wallet draw on it in order id, so two of them can never both spend
    the same fen."""
    plan = MeterPlan(balances=dict(available))
    for row in sorted(rows, key=lambda r: r.order_id):
        if row.paused_at is not None:
            if now >= row.paused_at + grace:
                plan.ends.append(row)
            continue
        price = minute_price_fen(terms=row.terms, at=row.ends_at)
        left = plan.balances.get(row.client_id, 0)
        if left < price:
            if row.ends_at <= now:
                plan.pauses.append(row)
            continue
        left -= price
        plan.balances[row.client_id] = left
        plan.charges.append((row, price))
        next_price = minute_price_fen(terms=row.terms, at=row.ends_at + MINUTE)
        if not row.warned and left < WARN_MINUTES * next_price:
            plan.warnings.append(row)
    return plan


# --- Writing -------------------------------------------------------------------------------


def _charge_posting(
    *, order_id: int, minute: int, amount: int, wallet: Account, escrow: Account
) -> ledger.Posting:
    return ledger.Posting(
        key=f"charge:{order_id}:{minute}",
        kind=LedgerTransaction.Kind.CHARGE,
        cause=f"metering:order:{order_id}",
        order_id=order_id,
        memo=f"minute {minute}",
        legs=(ledger.Leg(wallet, -amount), ledger.Leg(escrow, amount)),
    )


def meter_frames(order: Order, *, balance_fen: int, warn: bool = False) -> list:
    """`meter` frames: time used, money spent and, for the client only, the balance."""
    frame = {
        "type": "meter",
        "session": order.pk,
        "minutes": order.minutes,
        "spent_fen": order.price_fen,
        "paid_until": events.ts(order.ends_at),
        "paused": order.paused_at is not None,
        "grace_ends_at": events.ts(order.paused_at + grace()) if order.paused_at else None,
        "warn": warn,
    }
    listener_user_id = order.listener.user_id
    return [
        (events.user_group(order.client_id), {**frame, "balance_fen": balance_fen}),
        (events.user_group(listener_user_id), {**frame, "balance_fen": None}),
    ]


def _pause(order: Order, *, now: datetime) -> None:
    """The wallet cannot pay the next minute: stop sending and the reply clock. The
    clock's deadline moves by the whole grace (no breach while paused); resuming gives
    back what the pause did not use. A call ends first (no unpaid talk)."""
    calls.calls_end_for_order(order=order, now=now, reason="balance")
    clock = clocks_catch_up(order=order, now=now)
    order.refresh_from_db()
    if order.state != Order.State.ACTIVE:
        return
    order.paused_at = now
    order.save(update_fields=["paused_at"])
    if clock is not None:
        clock.deadline += grace()
        clock.save(update_fields=["deadline"])
    system_message_post(
        order=order, code="paused_balance", text=METER_TEXTS["paused_balance"], now=now
    )


def _orders_advance(*, amounts: dict[int, int], warned: set[int], now: datetime) -> None:
    """One UPDATE for every charged order: a minute more, its price added, the boundary a
    minute on, the warning stamped where given (Django's bulk_update builds a CASE per
    row and field, ten times slower here)."""
    if not amounts:
        return
    meta = Order._meta
    quote = connection.ops.quote_name
    col = {
        name: quote(meta.get_field(name).column)
        for name in ("minutes", "price_fen", "ends_at", "low_balance_warned_at")
    }
    ids = list(amounts)
    # Identifiers come from model metadata; every value is a parameter.
    sql = (
        f"UPDATE {quote(meta.db_table)} AS o SET "  # noqa: S608
        f"{col['minutes']} = o.{col['minutes']} + 1, "
        f"{col['price_fen']} = o.{col['price_fen']} + v.amount, "
        f"{col['ends_at']} = o.{col['ends_at']} + interval '1 minute', "
        f"{col['low_balance_warned_at']} = CASE WHEN v.warn THEN %s "
        f"ELSE o.{col['low_balance_warned_at']} END "
        "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::bigint[]) AS amount, "
        "unnest(%s::boolean[]) AS warn) AS v "
        f"WHERE o.{quote(meta.pk.column)} = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, ids, [amounts[i] for i in ids], [i in warned for i in ids]])


def metering_due(*, now: datetime):
    """Live per-minute sessions whose next minute is due within LOOKAHEAD, or paused with
    their grace over (a session paused within its grace has nothing to do)."""
    return Order.objects.filter(
        Q(paused_at__isnull=True) | Q(paused_at__lte=now - grace()),
        kind=Order.Kind.METERED,
        state=Order.State.ACTIVE,
        ends_at__lte=now + LOOKAHEAD,
    )


BATCH = 1_000


def metering_pass(
    *, now: datetime | None = None, batch_size: int = BATCH, max_batches: int = 50
) -> dict[str, int]:
    """Beat (`sessions.meter_sessions`): charge every due minute, warn, pause, end.

    In batches of `batch_size` orders (by id, each batch its own transaction), so a burst
    of boundaries commits as it goes and no transaction outgrows the task's time limit.
    Idempotent: a charged minute moves `ends_at` on, so a second pass finds nothing due.
    """
    now = now or timezone.now()
    total = {"charged": 0, "warned": 0, "paused": 0, "ended": 0}
    after = 0
    for _batch in range(max_batches):
        done, after, full = _metering_batch(now=now, after=after, limit=batch_size)
        for name, value in done.items():
            total[name] += value
        if not full:
            break
    return total


def _metering_batch(*, now: datetime, after: int, limit: int) -> tuple[dict[str, int], int, bool]:
    """One batch: the due orders with an id above `after`. Set-based: the orders locked in
    one statement (SKIP LOCKED: a session being resumed or ended right now is metered by
    the next pass), the wallets in one, balances read in two aggregates, the charges
    written with a few bulk statements. Returns (counts, last id, whether it was full)."""
    from sessions.services import lifecycle

    with transaction.atomic():
        orders = list(
            metering_due(now=now)
            .filter(pk__gt=after)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("listener")
            .order_by("pk")[:limit]
        )
        if not orders:
            return {"charged": 0, "warned": 0, "paused": 0, "ended": 0}, after, False
        client_ids = sorted({o.client_id for o in orders})
        wallets = {
            a.client_id: a
            for a in Account.objects.select_for_update()
            .filter(kind=Account.Kind.CLIENT_WALLET, client_id__in=client_ids)
            .order_by("pk")
        }
        escrows = {
            a.order_id: a
            for a in Account.objects.filter(
                kind=Account.Kind.ESCROW, order_id__in=[o.pk for o in orders]
            )
        }
        at_limit = _at_own_limit(orders, client_ids=client_ids, now=now)
        rows = [
            MeterRow(
                order_id=o.pk,
                client_id=o.client_id,
                ends_at=o.ends_at,
                paused_at=o.paused_at,
                warned=o.low_balance_warned_at is not None,
                terms=o.quote,
            )
            for o in orders
            if o.pk not in at_limit
        ]
        plan = metering_plan(
            rows=rows,
            available=wallets_available_fen(client_ids=client_ids),
            now=now,
            grace=grace(),
        )
        by_id = {o.pk: o for o in orders}
        postings, changed = [], []
        for row, amount in plan.charges:
            order = by_id[row.order_id]
            order.minutes += 1
            order.price_fen += amount
            order.ends_at += MINUTE
            postings.append(
                _charge_posting(
                    order_id=order.pk,
                    minute=order.minutes,
                    amount=amount,
                    wallet=wallets[row.client_id],
                    escrow=escrows[row.order_id],
                )
            )
            changed.append(order)
        warned = {row.order_id for row in plan.warnings}
        for order_id in warned:
            by_id[order_id].low_balance_warned_at = now
        ledger.ledger_post_many(postings)
        _orders_advance(
            amounts={row.order_id: amount for row, amount in plan.charges}, warned=warned, now=now
        )
        frames = []
        for order in changed:
            if order.pk in warned:
                system_message_post(
                    order=order, code="balance_low", text=METER_TEXTS["balance_low"], now=now
                )
            frames += meter_frames(
                order, balance_fen=plan.balances[order.client_id], warn=order.pk in warned
            )
        for row in plan.pauses:
            order = by_id[row.order_id]
            _pause(order, now=now)
            frames += meter_frames(order, balance_fen=plan.balances.get(row.client_id, 0))
        events.send_many_on_commit(frames)
        for row in plan.ends:
            lifecycle.session_end_out_of_balance(order_id=row.order_id, now=now)
        for order_id in sorted(at_limit):
            lifecycle.session_end_at_limit(order_id=order_id, now=now)
    counts = {
        "charged": len(plan.charges),
        "warned": len(plan.warnings),
        "paused": len(plan.pauses),
        "ended": len(plan.ends) + len(at_limit),
    }
    return counts, orders[-1].pk, len(orders) == limit


def _at_own_limit(orders: list[Order], *, client_ids: list[int], now: datetime) -> set[int]:
    """The running (not paused) orders whose next minute would pass their client's own
    time limits: they end instead of being charged. Only clients who set a limit are
    checked (one query finds them), so a batch without any costs one query."""
    limited = clients_with_limits(client_ids=client_ids)
    at_limit = set()
    for order in orders:
        if order.client_id in limited and order.paused_at is None:
            try:
                next_minute_check(order=order, now=now)
            except LimitExceeded:
                at_limit.add(order.pk)
    return at_limit


# --- Booking and resuming ------------------------------------------------------------------


def _charge_one(order: Order, *, at: datetime, minute: int) -> int:
    """Inside the order's lock: charge minute number `minute`, starting at `at` (refused
    when the wallet cannot pay it). Returns its price."""
    wallet = wallet_lock(client_id=order.client_id)
    price = minute_price_fen(terms=order.quote, at=at)
    available = wallet_available_fen(client_id=order.client_id)
    if available < price:
        raise MeteringRefused(
            _("Your balance (¥%(balance)s) does not cover a minute (¥%(price)s); top up first.")
            % {"balance": yuan(max(available, 0)), "price": yuan(price)},
            code="balance_too_low",
        )
    ledger.ledger_post_many(
        [
            _charge_posting(
                order_id=order.pk,
                minute=minute,
                amount=price,
                wallet=wallet,
                escrow=ledger.account_escrow(order_id=order.pk),
            )
        ]
    )
    return price


def metered_order_create(*, client, tier_id: int, now: datetime | None = None) -> Order:
    """Start a per-minute session with an online listener now, its first minute charged
    from the wallet. Refused (nothing written) without a minute's balance, with an offline
    or full listener, or while another per-minute session of the client is open."""
    from sessions.services.booking_guards import booking_guards_check
    from sessions.services.orders import (
        BUSY_STATES,
        BookingError,
        chat_slots_taken,
        contract_terms,
        order_mark_paid,
    )
    from sessions.services.workload import workload_booking_check

    now = now or timezone.now()
    tier = PricingTier.objects.select_related("listener").filter(pk=tier_id, is_active=True).first()
    if tier is None:
        raise NotFound(_("This pricing tier does not exist."))
    if not tier.per_minute:
        raise BookingError(_("This tier is not offered per minute."), code="not_per_minute")
    if tier.listener.user_id == client.pk:
        raise BookingError(_("You cannot book yourself."), code="own_listener")
    terms = metered_terms(tier)
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=client.pk)
        # The client's own protections (self-exclusion, time limits) for the first minute.
        booking_guards_check(client_id=client.pk, starts_at=now, minutes=1, now=now)
        listener = ListenerProfile.objects.select_for_update().get(pk=tier.listener_id)
        if not listener.is_approved:
            raise BookingError(_("This listener is not verified yet."), code="listener_unverified")
        if listener.presence != ListenerProfile.Presence.ONLINE:
            raise BookingError(_("This listener is not online now."), code="listener_offline")
        chats = chat_slots_taken(listener_id=listener.pk, now=now).count()
        if chats >= listener.max_concurrent_chats:
            raise BookingError(
                _("This listener is busy with other chats; try again soon."), code="listener_full"
            )
        workload_booking_check(
            listener=listener, instant=True, starts_at=now, ends_at=now + MINUTE, now=now
        )
        if Order.objects.filter(
            client=client, kind=Order.Kind.METERED, state__in=BUSY_STATES
        ).exists():
            raise BookingError(
                _("You already have a per-minute session open; end it before starting another."),
                code="metered_open",
            )
        # The wallet's money was counted against the budget when it was topped up; this
        # only refuses a session while the cap is already used up by unpaid orders.
        budget_check(client=client, amount_fen=0, now=now)
        first = minute_price_fen(terms=terms, at=now)
        order = Order.objects.create(
            client=client,
            listener=listener,
            tier=tier,
            kind=Order.Kind.METERED,
            starts_at=now,
            ends_at=now + MINUTE,
            minutes=1,
            quote={**terms, "total_fen": first},
            price_fen=first,
            **contract_terms(tier),
            created_at=now,
            payment_deadline=now,
        )
        _charge_one(order, at=now, minute=1)
        order_mark_paid(order_id=order.pk, now=now)
    logger.info("per-minute order %s started by %s", order.pk, client.pk)
    return Order.objects.get(pk=order.pk)


def metered_resume(*, user, order_id: int, now: datetime | None = None) -> Order:
    """The client resumes a paused session within the grace (after topping up): the next
    minute is charged from now and the reply clock gets back its remaining time."""
    now = now or timezone.now()
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.client_id != user.pk:
            raise NotFound(_("No such session."))
        if order.state != Order.State.ACTIVE or order.paused_at is None:
            raise MeteringRefused(_("This session is not paused."), code="not_paused")
        if now >= order.paused_at + grace():
            raise MeteringRefused(
                _("The grace period is over; the session has ended."), code="grace_over"
            )
        price = _charge_one(order, at=now, minute=order.minutes + 1)
        unused = order.paused_at + grace() - now
        clock = ReplyClock.objects.filter(order=order, status=ReplyClock.Status.OPEN).first()
        if clock is not None:
            clock.deadline -= unused
            clock.save(update_fields=["deadline"])
            events.send_on_commit(
                events.order_group(order.pk),
                events.clock_frame(order_id=order.pk, deadline=clock.deadline),
            )
        order.minutes += 1
        order.price_fen += price
        order.ends_at = now + MINUTE
        order.paused_at = None
        order.low_balance_warned_at = None
        order.save(
            update_fields=["minutes", "price_fen", "ends_at", "paused_at", "low_balance_warned_at"]
        )
        order = Order.objects.select_related("listener").get(pk=order.pk)
        system_message_post(order=order, code="resumed", text=METER_TEXTS["resumed"], now=now)
        events.send_many_on_commit(
            meter_frames(order, balance_fen=wallet_available_fen(client_id=order.client_id))
        )
    return order


def meter_state_for(*, order: Order) -> dict | None:
    """What the chat page shows of a per-minute session when it loads (then `meter` frames
    keep it live)."""
    if order.kind != Order.Kind.METERED:
        return None
    return {
        "minutes": order.minutes,
        "spent_fen": order.price_fen,
        "paused": order.paused_at is not None,
        "grace_ends_at": events.ts(order.paused_at + grace()) if order.paused_at else None,
        "paid_until": events.ts(order.ends_at),
    }
