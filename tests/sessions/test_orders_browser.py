"""A client books a listener and pays with the stand-in Stripe.js; the order shows as paid
because the server asked Stripe, not because the browser said so."""

import pytest

from payments.invariants import assert_ledger_consistent
from payments.selectors import order_escrow_balance_fen
from sessions.models import Order
from tests.browser import sign_in
from tests.factories import UserFactory
from tests.listeners.factories import PricingTierFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_book_and_pay_with_stripe_js(page, live_server, local_stripe):
    # given
    tier = PricingTierFactory()
    client = UserFactory()
    sign_in(page.context, live_server, client)
    # when: book now for 30 minutes
    page.goto(f"{live_server.url}/chat/book/{tier.pk}/")
    page.fill("#minutes", "30")
    page.click("#book-submit")
    page.wait_for_selector("#card-element input")
    # when: pay with a test card in the stand-in card element
    page.fill("#card-element input[placeholder=number]", "4242424242424242")
    page.fill("#card-element input[placeholder=exp_month]", "12")
    page.fill("#card-element input[placeholder=exp_year]", "30")
    page.fill("#card-element input[placeholder=cvc]", "123")
    page.fill("#card-element input[placeholder=postal_code]", "10001")
    page.click("#pay-submit")
    # then
    page.wait_for_selector('#order-state[data-state="paid"]')
    order = Order.objects.get()
    assert order.client_id == client.pk
    assert order.state == Order.State.PAID
    assert order_escrow_balance_fen(order=order) == order.price_fen
    assert_ledger_consistent()
