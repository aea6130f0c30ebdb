"""Weekly and monthly plans (包周 / 包月) with a controllable clock: bought from the wallet as
one funded order per day, accepted or declined as a whole, each day delivered or missed
(refunded to the wallet) and settled on its own, the days to come refunded on cancelling.
Bad input is refused and writes nothing; the ledger invariants hold after every test."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.conf import settings

from marketplace.exceptions import NotFound
from payments.invariants import assert_ledger_consistent
from payments.models import Refund
from payments.selectors import escrow_available_fen
from payments.services import settlement
from payments.wallet.selectors import wallet_balance_fen
from sessions.models import Message, Order, Plan
from sessions.selectors.plans import plan_calendar
from sessions.services import chat, lifecycle, orders, plans
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory
from tests.payments.wallet_helpers import topup_paid

pytestmark = pytest.mark.django_db

# Booked at 20:00 Beijing time; the plan's days run 12:00-12:30 Beijing time (day prices).
BOOKED = datetime(2030, 1, 14, 12, 0, tzinfo=UTC)
FIRST_DAY = date(2030, 1, 15)
DAILY_START = time(12, 0)
DAY_PRICE_FEN = 2_700  # 30 minutes at ¥60 an hour, 10 % off


@pytest.fixture(autouse=True)
def _money(local_stripe, request):
    request.getfixturevalue("_django_db_helper")
    yield
    assert_ledger_consistent()


def plan_tier(**fields):
    listener = ApprovedListenerFactory(tier=False)
    return PricingTierFactory(
        listener=listener,
        price_per_hour_fen=6_000,
        week_plan_discount_percent=10,
        month_plan_discount_percent=None,
        **fields,
    )


def buy(client, tier, **overrides):
    arguments = {
        "client": client,
        "tier_id": tier.pk,
        "days": 7,
        "first_day": FIRST_DAY,
        "daily_start": DAILY_START,
        "daily_minutes": 30,
        "now": BOOKED,
    }
    return plans.plan_buy(**{**arguments, **overrides})


def day_start(n: int) -> datetime:
    """The start of day `n` (1-based) of the plan, 12:00 Beijing = 04:00 UTC."""
    return datetime(2030, 1, 14 + n, 4, 0, tzinfo=UTC)


@pytest.fixture
def bought():
    client = UserFactory()
    topup_paid(client, 20_000)
    tier = plan_tier()
    return buy(client, tier)


def statuses(plan):
    return [day.status for day in plan_calendar(plan=plan)]


def test_a_weekly_plan_books_seven_days_funded_from_the_wallet(bought):
    # then
    days = list(bought.day_orders.order_by("starts_at"))
    assert (bought.days, bought.discount_percent, bought.price_fen) == (7, 10, 7 * DAY_PRICE_FEN)
    assert [o.starts_at for o in days] == [day_start(n) for n in range(1, 8)]
    assert {(o.kind, o.state, o.price_fen, o.minutes) for o in days} == {
        (Order.Kind.PLAN, Order.State.PAID, DAY_PRICE_FEN, 30)
    }
    assert {escrow_available_fen(order_id=o.pk) for o in days} == {DAY_PRICE_FEN}
    # the listener answers within a day, and before the first window (here the sooner)
    assert {o.accept_deadline for o in days} == {day_start(1)}
    assert wallet_balance_fen(client_id=bought.client_id) == 20_000 - 7 * DAY_PRICE_FEN
    assert statuses(bought) == ["awaiting"] * 7


def test_the_quote_shows_the_plan_discount_and_night_minutes_cost_more():
    tier = plan_tier()
    day = plans.plan_quote(
        tier=tier, days=7, first_day=FIRST_DAY, daily_start=DAILY_START, daily_minutes=30
    )
    night = plans.plan_quote(
        tier=tier, days=7, first_day=FIRST_DAY, daily_start=time(23, 30), daily_minutes=30
    )
    assert day.total_fen == 7 * DAY_PRICE_FEN
    assert [line.kind for line in day.day_quotes[0].lines] == ["day", "plan_discount"]
    assert night.total_fen == 3 * day.total_fen  # the +200 % night surcharge, same discount


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"days": 30}, "plan_not_offered"),
        ({"days": 14}, "days_invalid"),
        ({"days": "7"}, "days_invalid"),
        ({"daily_minutes": 5}, "minutes_out_of_range"),
        ({"daily_minutes": 10_000}, "minutes_out_of_range"),
        ({"daily_minutes": 30.0}, "minutes_invalid"),
        ({"first_day": date(2030, 1, 14), "daily_start": time(20, 5)}, "start_too_soon"),
        ({"first_day": date(2030, 6, 1)}, "start_too_late"),
    ],
)
def test_a_bad_plan_is_refused_and_writes_nothing(overrides, code):
    # given
    client = UserFactory()
    topup_paid(client, 20_000)
    tier = plan_tier()
    # when
    with pytest.raises(plans.PlanError) as refused:
        buy(client, tier, **overrides)
    # then
    assert refused.value.code == code
    assert str(refused.value.message)
    assert (Plan.objects.count(), Order.objects.count()) == (0, 0)
    assert wallet_balance_fen(client_id=client.pk) == 20_000


def test_a_plan_the_wallet_cannot_pay_is_refused_and_writes_nothing():
    client = UserFactory()
    topup_paid(client, 10_000)
    with pytest.raises(plans.PlanError) as refused:
        buy(client, plan_tier())
    assert refused.value.code == "balance_too_low"
    assert "¥189.00" in refused.value.message
    assert "¥100.00" in refused.value.message
    assert (Plan.objects.count(), Order.objects.count()) == (0, 0)


def test_a_plan_over_a_taken_slot_or_of_oneself_is_refused():
    # given: the listener is booked on the plan's third day
    client = UserFactory()
    topup_paid(client, 20_000)
    tier = plan_tier()
    other = orders.order_create(
        client=UserFactory(),
        tier_id=tier.pk,
        kind=Order.Kind.APPOINTMENT,
        start=day_start(3) + timedelta(minutes=10),
        minutes=30,
        now=BOOKED,
    )
    # when / then
    with pytest.raises(plans.PlanError) as refused:
        buy(client, tier)
    assert refused.value.code == "slot_taken"
    assert "2030-01-17" in refused.value.message
    with pytest.raises(plans.PlanError) as own:
        buy(tier.listener.user, tier)
    assert own.value.code == "own_listener"
    assert list(Order.objects.values_list("pk", flat=True)) == [other.pk]
    assert wallet_balance_fen(client_id=client.pk) == 20_000


def test_an_unknown_tier_is_not_found():
    with pytest.raises(NotFound):
        plans.plan_buy(
            client=UserFactory(),
            tier_id=987_654,
            days=7,
            first_day=FIRST_DAY,
            daily_start=DAILY_START,
            daily_minutes=30,
            now=BOOKED,
        )


def test_a_day_the_listener_wrote_in_is_delivered_a_silent_day_is_refunded(
    bought, django_capture_on_commit_callbacks
):
    # given: accepted
    listener_user = bought.listener.user
    plans.plan_answer(plan_id=bought.pk, listener_user=listener_user, accept=True, now=BOOKED)
    assert statuses(bought) == ["to_come"] * 7
    # when: day 1, the listener writes; day 2, the listener never writes
    lifecycle.sessions_due_sweep(now=day_start(1))
    first = bought.day_orders.get(starts_at=day_start(1))
    chat.message_send(
        user=listener_user,
        order_id=first.pk,
        client_id="k-1",
        text="晚上好，我在",
        now=day_start(1) + timedelta(minutes=1),
    )
    lifecycle.sessions_due_sweep(now=day_start(1) + timedelta(minutes=31))
    lifecycle.sessions_due_sweep(now=day_start(2))
    assert statuses(bought)[:2] == ["delivered", "live"]
    with django_capture_on_commit_callbacks(execute=True):  # the refund, sent on commit
        lifecycle.sessions_due_sweep(now=day_start(2) + timedelta(minutes=31))
    # then
    second = bought.day_orders.get(starts_at=day_start(2))
    assert second.state == Order.State.TERMINATED
    assert Refund.objects.get(order=second).cause == Refund.Cause.PLAN_DAY_MISSED
    assert escrow_available_fen(order_id=second.pk) == 0
    assert wallet_balance_fen(client_id=bought.client_id) == 20_000 - 6 * DAY_PRICE_FEN
    assert statuses(bought) == ["delivered", "missed"] + ["to_come"] * 5
    codes = list(
        Message.objects.filter(order=second).order_by("seq").values_list("system_code", flat=True)
    )
    assert codes[-1] == "plan_day_missed"
    # and each day settles on its own after the dispute window
    window = timedelta(hours=settings.DISPUTE_WINDOW_HOURS)
    settlement.settlement_sweep(now=day_start(2) + window + timedelta(hours=1))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (Order.State.SETTLED, Order.State.SETTLED)
    assert escrow_available_fen(order_id=first.pk) == 0
    assert statuses(bought)[:2] == ["delivered", "missed"]


def test_a_plan_not_answered_in_time_is_refunded_whole(bought, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        orders.orders_accept_timeout(now=day_start(1))
    # then
    assert statuses(bought) == ["not_accepted"] * 7
    assert wallet_balance_fen(client_id=bought.client_id) == 20_000


def test_a_declined_plan_is_refunded_whole_and_cannot_be_answered_twice(
    bought, django_capture_on_commit_callbacks
):
    listener_user = bought.listener.user
    with django_capture_on_commit_callbacks(execute=True):
        plans.plan_answer(plan_id=bought.pk, listener_user=listener_user, accept=False, now=BOOKED)
    assert statuses(bought) == ["not_accepted"] * 7
    assert wallet_balance_fen(client_id=bought.client_id) == 20_000
    with pytest.raises(plans.PlanError) as again:
        plans.plan_answer(plan_id=bought.pk, listener_user=listener_user, accept=True, now=BOOKED)
    assert again.value.code == "answered"


def test_cancelling_refunds_the_days_to_come_and_keeps_the_day_under_way(
    bought, django_capture_on_commit_callbacks
):
    # given: accepted, day 1 under way
    plans.plan_answer(
        plan_id=bought.pk, listener_user=bought.listener.user, accept=True, now=BOOKED
    )
    lifecycle.sessions_due_sweep(now=day_start(1))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        plans.plan_cancel(
            plan_id=bought.pk, client=bought.client, now=day_start(1) + timedelta(minutes=15)
        )
    # then
    assert statuses(bought) == ["live"] + ["cancelled"] * 6
    assert wallet_balance_fen(client_id=bought.client_id) == 20_000 - DAY_PRICE_FEN
    bought.refresh_from_db()
    assert bought.cancelled_at is not None
    with pytest.raises(plans.PlanError) as again:
        plans.plan_cancel(plan_id=bought.pk, client=bought.client, now=day_start(1))
    assert again.value.code == "nothing_to_cancel"


def test_someone_elses_plan_is_not_found(bought):
    stranger = UserFactory()
    with pytest.raises(NotFound):
        plans.plan_cancel(plan_id=bought.pk, client=stranger, now=BOOKED)
    with pytest.raises(NotFound):
        plans.plan_answer(plan_id=bought.pk, listener_user=stranger, accept=True, now=BOOKED)
    with pytest.raises(NotFound):  # the client cannot answer for the listener
        plans.plan_answer(plan_id=bought.pk, listener_user=bought.client, accept=True)
    with pytest.raises(NotFound):
        plans.plan_cancel(plan_id="1 OR 1=1", client=bought.client)
    assert statuses(bought) == ["awaiting"] * 7
