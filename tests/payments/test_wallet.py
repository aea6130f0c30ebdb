"""The wallet: top-ups through Stripe (webhook or synchronous confirm), the budget cap,
withdrawals refunding the newest top-ups first, the API and the page."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from payments.exceptions import BudgetExceeded, InvalidAmount
from payments.models import Entry, LedgerTransaction
from payments.services.budget import budget_cap_set, budget_for_client
from payments.wallet import services
from payments.wallet.exceptions import WalletRefused
from payments.wallet.models import TopUp, TopUpRefund, Withdrawal
from payments.wallet.selectors import wallet_available_fen, wallet_balance_fen
from tests.factories import UserFactory
from tests.payments.helpers import account_sum, deliver
from tests.payments.stripe_proxy import StripeProxy
from tests.payments.wallet_helpers import (
    topup_confirmed_at_stripe,
    topup_paid,
    topup_succeeded_event,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def proxy(local_stripe):
    proxy = StripeProxy(local_stripe)
    original = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = proxy.url
    yield proxy
    settings.STRIPE_API_BASE = original
    proxy.close()


def api_as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_top_up_credits_the_wallet_on_stripes_word_once():
    # given
    client = UserFactory()
    topup = services.wallet_topup_start(client=client, amount_fen=5_000)
    assert topup.stripe_payment_intent_id.startswith("pi_")
    topup_confirmed_at_stripe(topup)
    assert wallet_balance_fen(client_id=client.pk) == 0  # nothing until Stripe says so
    event = topup_succeeded_event(topup)
    # when
    deliver(event)
    deliver({**event, "id": event["id"] + "_again"})
    # then
    topup.refresh_from_db()
    assert topup.status == TopUp.Status.SUCCEEDED
    assert wallet_balance_fen(client_id=client.pk) == 5_000
    assert account_sum(f"wallet:{client.pk}") == 5_000
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.TOPUP).count() == 1


def test_top_up_confirmed_synchronously():
    # given
    client = UserFactory()
    topup = services.wallet_topup_start(client=client, amount_fen=2_000)
    # when
    topup = services.topup_confirm(topup_id=topup.pk, payment_method="pm_card_visa")
    # then
    assert topup.status == TopUp.Status.SUCCEEDED
    assert wallet_balance_fen(client_id=client.pk) == 2_000


@pytest.mark.parametrize("amount", [999, 200_100, 1_050, 0, -2_000, True, 12.5, "5000", None])
def test_top_up_outside_the_bounds_is_refused_and_writes_nothing(amount):
    # given
    client = UserFactory()
    # when
    with pytest.raises(InvalidAmount):
        services.wallet_topup_start(client=client, amount_fen=amount)
    # then
    assert TopUp.objects.count() == 0
    assert Entry.objects.count() == 0


@pytest.mark.parametrize(
    "body", [{"amount_fen": 999}, {"amount_fen": "NaN"}, {"amount_fen": 1e30}, {}, {"x": 1}]
)
def test_api_refuses_bad_top_ups_with_a_clear_error(body):
    # given
    api = api_as(UserFactory())
    # when
    response = api.post("/api/wallet/topups/", body, format="json")
    # then
    assert response.status_code == 400
    assert TopUp.objects.count() == 0


def test_top_up_counts_against_the_budget_and_an_unpaid_one_holds_it_until_its_deadline():
    # given
    client = UserFactory()
    now = timezone.now()
    budget_cap_set(client=client, cap_fen=10_000, now=now)
    topup_paid(client, 5_000, now=now)
    unpaid = services.wallet_topup_start(client=client, amount_fen=3_000, now=now)
    # when / then: 50 spent + 30 held + 30 > 100
    with pytest.raises(BudgetExceeded):
        services.wallet_topup_start(client=client, amount_fen=3_000, now=now)
    view = budget_for_client(client=client, now=now)
    assert (view.spent_fen, view.held_fen, view.left_fen) == (5_000, 3_000, 2_000)
    # the unpaid one stops holding the cap at its deadline
    later = unpaid.payment_deadline + timedelta(seconds=1)
    services.wallet_topup_start(client=client, amount_fen=3_000, now=later)
    assert TopUp.objects.filter(client=client).count() == 3


def test_withdrawal_refunds_newest_top_ups_first_never_more_than_each_remainder(
    django_capture_on_commit_callbacks,
):
    # given
    client = UserFactory()
    older = topup_paid(client, 2_000)
    newer = topup_paid(client, 5_000)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal = services.wallet_withdraw(client=client, amount_fen=6_000)
    # then
    parts = list(withdrawal.parts.order_by("id"))
    assert [(p.topup_id, p.amount_fen, p.status) for p in parts] == [
        (newer.pk, 5_000, TopUpRefund.Status.SUCCEEDED),
        (older.pk, 1_000, TopUpRefund.Status.SUCCEEDED),
    ]
    assert all(p.stripe_refund_id.startswith("re_") for p in parts)
    assert wallet_balance_fen(client_id=client.pk) == 1_000
    # and the rest comes from what the older top-up has left
    with django_capture_on_commit_callbacks(execute=True):
        last = services.wallet_withdraw(client=client, amount_fen=1_000)
    assert [(p.topup_id, p.amount_fen) for p in last.parts.all()] == [(older.pk, 1_000)]
    assert wallet_balance_fen(client_id=client.pk) == 0


@pytest.mark.parametrize("amount", [5_001, 0, -1, 1.5, True])
def test_withdrawal_beyond_the_balance_or_malformed_is_refused_and_changes_nothing(amount):
    # given
    client = UserFactory()
    topup_paid(client, 5_000)
    entries = Entry.objects.count()
    # when
    with pytest.raises((WalletRefused, InvalidAmount)):
        services.wallet_withdraw(client=client, amount_fen=amount)
    # then
    assert Withdrawal.objects.count() == 0
    assert TopUpRefund.objects.count() == 0
    assert Entry.objects.count() == entries


def test_withdrawal_during_a_stripe_outage_stays_reserved_then_reconciles(
    proxy, django_capture_on_commit_callbacks
):
    # given
    client = UserFactory()
    topup_paid(client, 5_000)
    proxy.fail(method="POST", path_prefix="/v1/refunds", mode="500")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal = services.wallet_withdraw(client=client, amount_fen=3_000)
    # then: pending, reserved: only 20 more can be withdrawn
    part = withdrawal.parts.get()
    assert part.status == TopUpRefund.Status.PENDING
    assert wallet_balance_fen(client_id=client.pk) == 5_000
    assert wallet_available_fen(client_id=client.pk) == 2_000
    with pytest.raises(WalletRefused):
        services.wallet_withdraw(client=client, amount_fen=2_001)
    # when the beat reconciles with the same key
    looked = services.wallet_refunds_reconcile(older_than_seconds=0)
    # then
    part.refresh_from_db()
    assert looked == 1
    assert part.status == TopUpRefund.Status.SUCCEEDED
    assert wallet_balance_fen(client_id=client.pk) == 2_000


def test_api_lists_the_wallet_and_someone_elses_top_up_is_404():
    # given
    client, other = UserFactory(), UserFactory()
    topup = topup_paid(client, 2_000)
    mine = services.wallet_topup_start(client=client, amount_fen=5_000)
    # when
    body = api_as(client).get("/api/wallet/").json()
    foreign = api_as(other).post(
        f"/api/wallet/topups/{mine.pk}/confirm/", {"token": "tok_x"}, format="json"
    )
    # then
    assert (body["balance_fen"], body["available_fen"]) == (2_000, 2_000)
    assert [(t["id"], t["status"]) for t in body["topups"]] == [
        (mine.pk, "requires_payment"),
        (topup.pk, "succeeded"),
    ]
    assert (body["charges"], body["refunds"], body["withdrawals"]) == ([], [], [])
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "not_found"


def test_api_top_up_then_withdraw(django_capture_on_commit_callbacks):
    # given
    client = UserFactory()
    api = api_as(client)
    created = api.post("/api/wallet/topups/", {"amount_fen": 10_000}, format="json")
    assert created.status_code == 201, created.json()
    services.topup_confirm(topup_id=created.json()["id"], payment_method="pm_card_visa")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = api.post("/api/wallet/withdrawals/", {"amount_fen": 4_000}, format="json")
    too_much = api.post("/api/wallet/withdrawals/", {"amount_fen": 6_001}, format="json")
    # then
    assert withdrawn.status_code == 201, withdrawn.json()
    assert withdrawn.json()["amount_fen"] == 4_000
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "withdrawal_exceeds_balance"
    wallet = api.get("/api/wallet/").json()
    assert wallet["balance_fen"] == 6_000
    assert wallet["withdrawals"][0]["parts"][0]["status"] == "succeeded"


def test_wallet_page_tops_up_in_a_step_and_shows_the_balance(client):
    # given
    user = UserFactory()
    topup_paid(user, 2_000)
    client.force_login(user)
    # when
    page = client.get("/payments/wallet/")
    chosen = client.post("/payments/wallet/", {"action": "topup", "topup-amount_yuan": "50"})
    bad = client.post("/payments/wallet/", {"action": "topup", "topup-amount_yuan": "NaN"})
    # then
    assert page.status_code == 200
    assert "¥20.00" in page.content.decode()
    topup = TopUp.objects.filter(client=user).order_by("-id").first()
    assert topup.amount_fen == 5_000
    assert chosen.status_code == 302
    assert chosen["Location"] == f"/payments/wallet/topups/{topup.pk}/pay/"
    assert bad.status_code == 200
    assert TopUp.objects.filter(client=user).count() == 2


def test_a_top_up_stands_while_stripe_is_down_and_its_pay_step_starts_the_payment(proxy):
    # given: Stripe answers 500 to creating the intent
    client = UserFactory()
    proxy.fail(method="POST", path_prefix="/v1/payment_intents", mode="500")
    # when
    topup = services.wallet_topup_start(client=client, amount_fen=2_000)
    # then: the row stands without an intent; the pay step creates it
    assert topup.stripe_payment_intent_id is None
    topup = services.topup_confirm(topup_id=topup.pk, payment_method="pm_card_visa")
    assert topup.status == TopUp.Status.SUCCEEDED
    assert wallet_balance_fen(client_id=client.pk) == 2_000
