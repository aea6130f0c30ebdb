"""Real threads on PostgreSQL (row locks): the metering pass against a withdrawal from the same
wallet, two passes at once, two per-minute sessions started at once from one wallet.
Row locks decide; the wallet never goes below zero and every minute is charged once."""

import pytest

from payments.invariants import assert_ledger_consistent
from payments.models import LedgerTransaction
from payments.wallet import services as wallet_services
from payments.wallet.exceptions import WalletRefused
from payments.wallet.models import TopUpRefund
from payments.wallet.selectors import wallet_balance_fen
from sessions.models import Order
from sessions.services import metering
from sessions.services.orders import BookingError
from tests.concurrency import run_together
from tests.factories import UserFactory
from tests.payments.wallet_helpers import topup_paid
from tests.sessions.metering_helpers import at, metered_session, per_minute_tier

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _stripe(local_stripe):
    yield
    assert_ledger_consistent()


def test_a_minute_charge_and_a_withdrawal_of_the_whole_balance_never_overdraw():
    # given: ¥10 left after the first minute; the next minute costs ¥5
    order = metered_session(balance_fen=1_500)
    client = order.client
    # when
    charged, withdrawn = run_together(
        lambda: metering.metering_pass(now=at(60)),
        lambda: wallet_services.wallet_withdraw(client=client, amount_fen=1_000),
        expected=(WalletRefused,),
    )
    # then: exactly one of them got the money it wanted
    order.refresh_from_db()
    balance = wallet_balance_fen(client_id=client.pk)
    if isinstance(withdrawn, WalletRefused):  # the minute was charged first
        assert (charged["charged"], order.price_fen, balance) == (1, 1_000, 500)
        assert TopUpRefund.objects.count() == 0
    else:  # the withdrawal reserved the balance first: the session paused
        assert (charged["paused"], order.price_fen, balance) == (1, 500, 0)
        assert order.paused_at == at(60)
        assert TopUpRefund.objects.get().status == TopUpRefund.Status.SUCCEEDED


def test_two_passes_at_once_charge_each_minute_once():
    # given
    order = metered_session(balance_fen=2_000)
    # when
    first, second = run_together(
        lambda: metering.metering_pass(now=at(60)),
        lambda: metering.metering_pass(now=at(60.2)),
    )
    # then
    assert first["charged"] + second["charged"] == 1
    order.refresh_from_db()
    assert (order.minutes, order.price_fen) == (2, 1_000)
    assert LedgerTransaction.objects.filter(kind="charge", order=order).count() == 2


def test_two_per_minute_sessions_started_at_once_from_one_wallet_start_one():
    # given
    client = UserFactory()
    topup_paid(client, 1_000)
    tiers = [per_minute_tier(), per_minute_tier()]
    # when
    results = run_together(
        *[
            (
                lambda tier=tier: metering.metered_order_create(
                    client=client, tier_id=tier.pk, now=at(0)
                )
            )
            for tier in tiers
        ],
        expected=(BookingError,),
    )
    # then
    refused = [r for r in results if isinstance(r, BookingError)]
    assert len(refused) == 1
    assert refused[0].code == "metered_open"
    assert Order.objects.filter(client=client).count() == 1
    assert wallet_balance_fen(client_id=client.pk) == 500
