"""Payment failures recover: Stripe's test cards for a generic decline, insufficient
funds and a 3-D Secure challenge (taught to the local Stripe stand-in) leave the order
or the top-up payable with another card, and the decline reads as a translated message
that says what to do."""

import pytest
import stripe
from django.conf import settings
from django.utils import translation

from payments.exceptions import PaymentError
from payments.models import Payment
from payments.services import payments as payment_services
from payments.wallet import services as wallet_services
from payments.wallet.models import TopUp
from payments.wallet.selectors import wallet_balance_fen
from sessions.models import Order
from tests.factories import UserFactory
from tests.sessions.factories import InstantOrderFactory

pytestmark = pytest.mark.django_db

DECLINED = "4000000000000002"
NO_FUNDS = "4000000000009995"
THREE_D_SECURE = "4000002500003155"
GOOD = "4242424242424242"


def card_token(number: str) -> str:
    client = stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )
    card = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    return client.v1.tokens.create(params={"card": card})["id"]


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (DECLINED, "您的银行卡被拒绝。请换一张卡，或联系发卡银行。"),
        (NO_FUNDS, "您的银行卡余额不足。请换一张卡，或先为银行卡充值。"),
    ],
)
def test_a_declined_card_says_why_in_chinese_and_another_card_pays(number, message):
    # given
    order = InstantOrderFactory()
    # when
    with translation.override("zh-hans"), pytest.raises(PaymentError) as declined:
        payment_services.payment_confirm(order_id=order.pk, token=card_token(number))
    # then
    assert declined.value.code == "card_declined"
    assert declined.value.message == message
    order.refresh_from_db()
    assert order.state == Order.State.PENDING_PAYMENT
    # when: another card
    payment = payment_services.payment_confirm(order_id=order.pk, token=card_token(GOOD))
    # then
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.confirm_attempts == 2
    order.refresh_from_db()
    assert order.state == Order.State.PAID


def test_a_three_d_secure_challenge_abandoned_then_another_card_pays():
    # given
    order = InstantOrderFactory()
    # when: the card asks for 3-D Secure and the client gives up on it
    first = payment_services.payment_confirm(order_id=order.pk, token=card_token(THREE_D_SECURE))
    assert first.status == Payment.Status.REQUIRES_ACTION
    assert first.client_secret
    # then: another card still pays
    second = payment_services.payment_confirm(order_id=order.pk, token=card_token(GOOD))
    assert second.status == Payment.Status.SUCCEEDED


def test_a_declined_top_up_stays_payable_and_nothing_is_credited():
    # given
    client = UserFactory()
    topup = wallet_services.wallet_topup_start(client=client, amount_fen=5_000)
    # when
    with translation.override("en"), pytest.raises(PaymentError) as declined:
        wallet_services.topup_confirm(topup_id=topup.pk, token=card_token(NO_FUNDS))
    # then
    assert declined.value.message == (
        "Your card has insufficient funds. Try another card or top up your card first."
    )
    assert wallet_balance_fen(client_id=client.pk) == 0
    # when: another card
    topup = wallet_services.topup_confirm(topup_id=topup.pk, token=card_token(GOOD))
    # then
    assert topup.status == TopUp.Status.SUCCEEDED
    assert wallet_balance_fen(client_id=client.pk) == 5_000


def test_the_pay_endpoint_answers_a_decline_with_its_message_and_code(client):
    # given
    order = InstantOrderFactory()
    client.force_login(order.client)
    # when
    response = client.post(
        f"/payments/orders/{order.pk}/pay/",
        {"token": card_token(DECLINED)},
        content_type="application/json",
    )
    # then
    assert response.status_code == 400
    assert response.json() == {
        "code": "card_declined",
        "detail": "您的银行卡被拒绝。请换一张卡，或联系发卡银行。",  # the default language
    }
