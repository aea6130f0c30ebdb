"""A client's own time limits hold minute by minute in a per-minute session: the minute
that would pass the week's hours or the longest session is not charged, and the session
ends with a message saying why. Controllable clock; ledger invariants after each test."""

import pytest
from django.db import transaction

from payments.invariants import assert_ledger_consistent
from payments.models import ClientLimit
from payments.services.limits import limit_set
from payments.wallet.selectors import wallet_balance_fen
from sessions.models import Message, Order
from sessions.services import metering
from tests.sessions.metering_helpers import MINUTE_FEN, T0, at, metered_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _money(local_stripe, request):
    request.getfixturevalue("_django_db_helper")
    yield
    assert_ledger_consistent()


def own_limit(client, kind, minutes):
    with transaction.atomic():
        limit_set(client_id=client.pk, kind=kind, minutes=minutes, now=T0)


@pytest.mark.parametrize(
    "kind", [ClientLimit.Kind.WEEKLY_MINUTES, ClientLimit.Kind.SESSION_MINUTES]
)
def test_the_minute_past_the_clients_own_limit_is_not_charged_and_the_session_ends(kind):
    # given: a live session (its first minute charged), the client's own limit 3 minutes
    order = metered_session(balance_fen=5_000)
    own_limit(order.client, kind, 3)
    # when: minutes 2 and 3 are charged, then minute 4 is due
    metering.metering_pass(now=at(60))
    metering.metering_pass(now=at(120))
    counts = metering.metering_pass(now=at(180))
    # then
    order.refresh_from_db()
    assert (order.state, order.minutes, order.price_fen) == (
        Order.State.COMPLETED,
        3,
        3 * MINUTE_FEN,
    )
    assert counts["ended"] == 1
    assert wallet_balance_fen(client_id=order.client_id) == 5_000 - 3 * MINUTE_FEN
    last = Message.objects.filter(order=order).order_by("-seq").first()
    assert last.system_code == "limit_reached"


def test_a_client_under_their_limit_is_charged_as_usual():
    order = metered_session(balance_fen=5_000)
    own_limit(order.client, ClientLimit.Kind.WEEKLY_MINUTES, 60)
    metering.metering_pass(now=at(60))
    order.refresh_from_db()
    assert (order.state, order.minutes) == (Order.State.ACTIVE, 2)
