"""Booking and the order's life before the chat (and the settled hand-off)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from listeners.models import ListenerProfile
from marketplace.exceptions import NotFound
from payments.exceptions import BudgetExceeded
from payments.invariants import assert_ledger_consistent
from payments.models import Refund
from payments.selectors import order_escrow_balance_fen
from payments.services.budget import budget_cap_set
from sessions.exceptions import InvalidTransition
from sessions.models import Order
from sessions.services import orders
from tests.factories import UserFactory
from tests.listeners.factories import (
    ApprovedListenerFactory,
    PricingTierFactory,
)
from tests.payments.helpers import order_paid
from tests.sessions.factories import InstantOrderFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stripe_and_invariants(local_stripe):
    yield
    assert_ledger_consistent()


def hour_from_now(hours: int):
    return timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)


def test_appointment_booking_stores_quote_and_terms():
    # given
    tier = PricingTierFactory(price_per_hour_fen=6000, reply_window_seconds=10)
    client = UserFactory()
    start = hour_from_now(3)
    # when
    order = orders.order_create(
        client=client, tier_id=tier.pk, kind="appointment", start=start, minutes=60
    )
    # then
    assert order.state == Order.State.PENDING_PAYMENT
    assert order.starts_at == start
    assert order.ends_at == start + timedelta(minutes=60)
    assert order.price_fen == order.quote["total_fen"] > 0
    assert order.reply_window_seconds == 10
    assert (order.payment_deadline - order.created_at) == timedelta(minutes=15)


def test_overlapping_appointment_is_refused():
    # given
    tier = PricingTierFactory()
    start = hour_from_now(3)
    orders.order_create(
        client=UserFactory(), tier_id=tier.pk, kind="appointment", start=start, minutes=60
    )
    # when
    with pytest.raises(orders.BookingError) as error:
        orders.order_create(
            client=UserFactory(),
            tier_id=tier.pk,
            kind="appointment",
            start=start + timedelta(minutes=30),
            minutes=60,
        )
    # then
    assert error.value.code == "slot_taken"
    assert Order.objects.count() == 1


def test_back_to_back_appointments_are_fine():
    # given
    tier = PricingTierFactory()
    start = hour_from_now(3)
    orders.order_create(
        client=UserFactory(), tier_id=tier.pk, kind="appointment", start=start, minutes=60
    )
    # when
    orders.order_create(
        client=UserFactory(),
        tier_id=tier.pk,
        kind="appointment",
        start=start + timedelta(minutes=60),
        minutes=30,
    )
    # then
    assert Order.objects.count() == 2


def test_expired_unpaid_booking_frees_the_slot():
    # given
    tier = PricingTierFactory()
    start = hour_from_now(3)
    first = orders.order_create(
        client=UserFactory(),
        tier_id=tier.pk,
        kind="appointment",
        start=start,
        minutes=60,
        now=timezone.now() - timedelta(minutes=20),
    )
    # when
    orders.order_create(
        client=UserFactory(), tier_id=tier.pk, kind="appointment", start=start, minutes=60
    )
    # then
    assert Order.objects.count() == 2
    first.refresh_from_db()
    assert first.state == Order.State.PENDING_PAYMENT


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"presence": ListenerProfile.Presence.OFFLINE}, "listener_offline"),
        ({"verification": ListenerProfile.Verification.PENDING}, "listener_unverified"),
        ({"max_concurrent_chats": 1}, "listener_full"),
    ],
)
def test_instant_booking_needs_an_online_verified_listener_with_room(change, code):
    # given
    tier = PricingTierFactory()
    if code == "listener_full":
        InstantOrderFactory(listener=tier.listener, tier=tier, state=Order.State.PAID)
    ListenerProfile.objects.filter(pk=tier.listener_id).update(**change)
    before = Order.objects.count()
    # when
    with pytest.raises(orders.BookingError) as error:
        orders.order_create(client=UserFactory(), tier_id=tier.pk, kind="instant", minutes=30)
    # then
    assert error.value.code == code
    assert Order.objects.count() == before


def test_instant_booking_of_an_online_listener():
    # given
    tier = PricingTierFactory()
    # when
    order = orders.order_create(client=UserFactory(), tier_id=tier.pk, kind="instant", minutes=30)
    # then
    assert order.kind == Order.Kind.INSTANT
    assert order.minutes == 30


def test_unknown_tier_and_own_listener_are_refused():
    # given
    tier = PricingTierFactory()
    # when / then
    with pytest.raises(NotFound):
        orders.order_create(client=UserFactory(), tier_id=10**9, kind="instant", minutes=30)
    with pytest.raises(orders.BookingError):
        orders.order_create(client=tier.listener.user, tier_id=tier.pk, kind="instant", minutes=30)
    assert Order.objects.count() == 0


def test_budget_cap_refuses_an_order_that_would_pass_it():
    # given
    tier = PricingTierFactory(price_per_hour_fen=6000)
    client = UserFactory()
    budget_cap_set(client=client, cap_fen=5000)
    # when
    with pytest.raises(BudgetExceeded) as error:
        orders.order_create(
            client=client, tier_id=tier.pk, kind="appointment", start=hour_from_now(3), minutes=60
        )
    # then
    assert "50.00" in error.value.message
    assert Order.objects.count() == 0


def test_budget_lowering_is_immediate_and_raising_waits_a_day():
    # given
    client = UserFactory()
    now = timezone.now()
    budget_cap_set(client=client, cap_fen=10000, now=now)
    # when
    budget_cap_set(client=client, cap_fen=20000, now=now)
    from payments.services.budget import budget_for_client

    soon = budget_for_client(client=client, now=now + timedelta(hours=23))
    later = budget_for_client(client=client, now=now + timedelta(hours=24, seconds=1))
    budget_cap_set(client=client, cap_fen=3000, now=now + timedelta(hours=25))
    lowered = budget_for_client(client=client, now=now + timedelta(hours=25))
    # then
    assert soon.cap_fen == 10000
    assert soon.pending_cap_fen == 20000
    assert later.cap_fen == 20000
    assert lowered.cap_fen == 3000


def test_unpaid_orders_expire_after_the_deadline():
    # given
    stale = OrderFactory(created_at=timezone.now() - timedelta(minutes=16))
    fresh = OrderFactory()
    # when
    expired = orders.orders_expire_unpaid()
    # then
    assert expired == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.state == Order.State.EXPIRED
    assert fresh.state == Order.State.PENDING_PAYMENT


def test_instant_order_not_accepted_in_time_is_cancelled_with_a_full_refund(
    django_capture_on_commit_callbacks,
):
    # given
    order = order_paid(InstantOrderFactory())
    # when
    with django_capture_on_commit_callbacks(execute=True):
        done = orders.orders_accept_timeout(now=order.accept_deadline + timedelta(seconds=1))
    # then
    order.refresh_from_db()
    assert done == 1
    assert order.state == Order.State.CANCELLED
    refund = Refund.objects.get(order=order)
    assert (refund.status, refund.amount_fen, refund.cause) == (
        "succeeded",
        order.price_fen,
        "accept_timeout",
    )
    assert order_escrow_balance_fen(order=order) == 0


def test_instant_order_inside_the_wait_is_left_alone():
    # given
    order = order_paid(InstantOrderFactory())
    # when
    done = orders.orders_accept_timeout(now=order.accept_deadline - timedelta(seconds=1))
    # then
    assert done == 0
    order.refresh_from_db()
    assert order.state == Order.State.PAID


def test_accept_then_cancel_before_start_refunds_in_full(django_capture_on_commit_callbacks):
    # given
    order = order_paid(OrderFactory())
    orders.order_accept(order_id=order.pk, listener_user=order.listener.user)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_cancel(order_id=order.pk, client=order.client)
    # then
    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED
    assert Refund.objects.get(order=order).amount_fen == order.price_fen
    assert order_escrow_balance_fen(order=order) == 0


def test_cancel_after_the_start_is_refused():
    # given
    order = order_paid(OrderFactory())
    orders.order_accept(order_id=order.pk, listener_user=order.listener.user)
    # when
    with pytest.raises(orders.BookingError):
        orders.order_cancel(
            order_id=order.pk, client=order.client, now=order.starts_at + timedelta(minutes=1)
        )
    # then
    order.refresh_from_db()
    assert order.state == Order.State.ACCEPTED
    assert not Refund.objects.exists()


def test_decline_refunds_in_full(django_capture_on_commit_callbacks):
    # given
    order = order_paid(OrderFactory())
    # when
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_decline(order_id=order.pk, listener_user=order.listener.user)
    # then
    order.refresh_from_db()
    assert order.state == Order.State.DECLINED
    assert order_escrow_balance_fen(order=order) == 0


def test_another_listener_cannot_accept_and_another_client_cannot_cancel():
    # given
    order = order_paid(OrderFactory())
    stranger = ApprovedListenerFactory().user
    # when / then
    with pytest.raises(NotFound):
        orders.order_accept(order_id=order.pk, listener_user=stranger)
    with pytest.raises(NotFound):
        orders.order_cancel(order_id=order.pk, client=UserFactory())
    order.refresh_from_db()
    assert order.state == Order.State.PAID


def test_unpaid_cancel_has_no_refund():
    # given
    order = OrderFactory()
    # when
    orders.order_cancel(order_id=order.pk, client=order.client)
    # then
    order.refresh_from_db()
    assert order.state == Order.State.CANCELLED
    assert not Refund.objects.exists()


def test_late_payment_after_expiry_is_refunded(django_capture_on_commit_callbacks):
    # given: the order expired, then the money arrived anyway
    from tests.payments.helpers import deliver, intent_succeeded_event, order_confirmed_at_stripe

    order = order_confirmed_at_stripe(OrderFactory())
    orders.orders_expire_unpaid(now=order.payment_deadline + timedelta(seconds=1))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        deliver(intent_succeeded_event(order))
    # then
    order.refresh_from_db()
    assert order.state == Order.State.EXPIRED
    refund = Refund.objects.get(order=order)
    assert (refund.cause, refund.status, refund.amount_fen) == (
        "late_payment",
        "succeeded",
        order.price_fen,
    )


def test_paid_twice_transition_is_refused():
    # given
    order = order_paid(OrderFactory())
    # when / then
    with pytest.raises(InvalidTransition):
        orders.order_mark_paid(order_id=order.pk)


def test_reminder_goes_to_both_sides_once(sms_outbox):
    # given
    order = order_paid(OrderFactory(starts_at=hour_from_now(1)))
    orders.order_accept(order_id=order.pk, listener_user=order.listener.user)
    now = order.starts_at - timedelta(minutes=20)
    # when
    first = orders.appointment_reminders_send(now=now)
    second = orders.appointment_reminders_send(now=now + timedelta(minutes=1))
    # then
    assert (first, second) == (1, 0)
    phones = sorted(sms.phone for sms in sms_outbox())
    assert phones == sorted([order.client.phone, order.listener.user.phone])


def test_an_instant_orders_paid_time_starts_when_the_listener_accepts():
    # given: booked, paid, accepted 50 s later (inside the 60 s to accept)
    order = order_paid(InstantOrderFactory(minutes=15))
    booked_start, booked_end = order.starts_at, order.ends_at
    accepted = booked_start + timedelta(seconds=50)
    # when
    accepted_order = orders.order_accept(
        order_id=order.pk, listener_user=order.listener.user, now=accepted
    )
    # then: the whole 15 minutes lie after the acceptance; the price is untouched
    order.refresh_from_db()
    assert booked_end - booked_start == timedelta(minutes=15)
    assert (order.starts_at, order.ends_at) == (accepted, accepted + timedelta(minutes=15))
    assert (accepted_order.starts_at, accepted_order.ends_at) == (order.starts_at, order.ends_at)
    assert order.accepted_at == accepted
    assert order.price_fen == order.quote["total_fen"]


def test_an_appointments_window_stays_where_it_was_booked_when_accepted():
    # given
    order = order_paid(OrderFactory())
    starts_at, ends_at = order.starts_at, order.ends_at
    # when
    orders.order_accept(order_id=order.pk, listener_user=order.listener.user)
    # then
    order.refresh_from_db()
    assert (order.starts_at, order.ends_at) == (starts_at, ends_at)


def test_time_left_after_a_late_acceptance_is_counted_from_the_acceptance():
    # given: booked, accepted 50 s later, terminated 5 minutes into the session
    from sessions.services import lifecycle
    from sessions.services.compensation import termination_refund_fen

    order = order_paid(InstantOrderFactory(minutes=30))
    accepted = order.starts_at + timedelta(seconds=50)
    orders.order_accept(order_id=order.pk, listener_user=order.listener.user, now=accepted)
    lifecycle.session_activate(order_id=order.pk, now=accepted)
    # when
    ended = lifecycle.session_terminate(
        order_id=order.pk, reason="test", now=accepted + timedelta(minutes=5)
    )
    # then: 25 of the 30 bought minutes are unused, none lost to the wait
    assert termination_refund_fen(order=ended) == order.price_fen * 25 // 30
