import pytest

from payments.exceptions import PaymentError
from payments.models import Entry, LedgerTransaction, Payment
from payments.selectors import order_escrow_balance_fen
from payments.services import payments as payment_services
from sessions.models import Order
from tests.payments.helpers import (
    deliver,
    intent_succeeded_event,
    order_confirmed_at_stripe,
    order_paid,
)
from tests.sessions.factories import InstantOrderFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_order_paid_holds_the_price_in_escrow():
    # given
    order = OrderFactory()
    # when
    order = order_paid(order)
    # then
    assert order.state == Order.State.PAID
    assert order.paid_at is not None
    assert order.accept_deadline == order.starts_at
    assert order_escrow_balance_fen(order=order) == order.price_fen
    txn = LedgerTransaction.objects.get(order=order)
    assert txn.kind == LedgerTransaction.Kind.CAPTURE
    assert txn.cause == f"stripe:{order.payment.stripe_payment_intent_id}"
    assert sorted(Entry.objects.filter(transaction=txn).values_list("amount_fen", flat=True)) == [
        -order.price_fen,
        order.price_fen,
    ]


def test_instant_order_gets_an_accept_deadline(settings):
    # given
    settings.INSTANT_ACCEPT_SECONDS = 60
    order = InstantOrderFactory()
    # when
    order = order_paid(order)
    # then
    assert (order.accept_deadline - order.paid_at).total_seconds() == 60


def test_payment_intent_is_created_once_with_the_order_key():
    # given
    order = OrderFactory()
    # when
    first = payment_services.payment_prepare(order_id=order.pk)
    second = payment_services.payment_prepare(order_id=order.pk)
    # then
    assert first.stripe_payment_intent_id == second.stripe_payment_intent_id
    assert first.idempotency_key == f"order-{order.pk}-payment-intent"
    assert Payment.objects.count() == 1


def test_server_side_confirm_marks_paid_on_stripes_answer():
    # given
    order = OrderFactory()
    # when
    payment = payment_services.payment_confirm(order_id=order.pk, payment_method="pm_card_visa")
    # then
    order.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert order.state == Order.State.PAID
    assert order_escrow_balance_fen(order=order) == order.price_fen


def test_declined_card_leaves_the_order_unpaid():
    # given
    order = OrderFactory()
    # when
    with pytest.raises(PaymentError):
        payment_services.payment_confirm(
            order_id=order.pk, payment_method="pm_card_chargeCustomerFail"
        )
    # then
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT
    assert LedgerTransaction.objects.count() == 0


def test_second_payment_of_a_paid_order_is_refused():
    # given
    order = order_paid(OrderFactory())
    # when
    with pytest.raises(PaymentError) as error:
        payment_services.payment_confirm(order_id=order.pk, payment_method="pm_card_visa")
    # then
    assert (error.value.code, error.value.status) == ("already_paid", 409)
    assert LedgerTransaction.objects.count() == 1
    assert order_escrow_balance_fen(order=order) == order.price_fen


def test_verified_retrieve_marks_paid_without_a_webhook():
    # given: confirmed at Stripe, no webhook delivered
    order = order_confirmed_at_stripe(OrderFactory())
    assert order.state == Order.State.PENDING_PAYMENT
    # when
    payment_services.payment_sync(order_id=order.pk)
    # then
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert order_escrow_balance_fen(order=order) == order.price_fen


def test_unconfirmed_intent_is_not_paid_by_a_retrieve():
    # given
    order = OrderFactory()
    payment_services.payment_prepare(order_id=order.pk)
    # when
    payment_services.payment_sync(order_id=order.pk)
    # then
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT
    assert LedgerTransaction.objects.count() == 0


def test_a_forged_amount_in_an_event_is_not_booked():
    # given: the intent succeeded, but an event claims another amount
    order = order_confirmed_at_stripe(OrderFactory())
    event = intent_succeeded_event(order)
    event["data"]["object"]["amount"] = order.price_fen + 1
    # when
    deliver(event)
    # then: what is booked is what Stripe says (retrieved), not the event's copy
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert order_escrow_balance_fen(order=order) == order.price_fen


def test_a_signed_success_event_for_an_unconfirmed_intent_credits_nothing():
    # given: an unpaid order; someone with the webhook secret signs a forged success
    order = OrderFactory()
    payment = payment_services.payment_prepare(order_id=order.pk)
    event = intent_succeeded_event(order)
    event["data"]["object"].update(status="succeeded", amount_received=order.price_fen)
    # when
    row = deliver(event)
    # then: Stripe, asked, says the intent awaits a payment method
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT
    assert payment.status == "requires_payment"
    assert LedgerTransaction.objects.count() == 0
    row.refresh_from_db()
    assert row.processed_at is not None


def test_a_signed_event_for_an_intent_stripe_does_not_know_credits_nothing():
    # given
    order = OrderFactory()
    payment_services.payment_prepare(order_id=order.pk)
    event = intent_succeeded_event(order)
    event["data"]["object"]["id"] = "pi_forged0000000000"
    # when
    deliver(event)
    # then
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT
    assert LedgerTransaction.objects.count() == 0
