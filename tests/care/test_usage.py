"""My usage: figures from the ledger and the sessions, in a constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from care.models import Nudge
from care.selectors import usage_for_client
from tests.care.helpers import session_held
from tests.factories import UserFactory
from tests.payments.helpers import order_paid
from tests.sessions.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_spend_comes_from_the_ledger_and_hours_from_the_sessions(local_stripe):
    # given: one paid order (captured into escrow) and two sessions held
    client = UserFactory()
    paid = order_paid(OrderFactory(client=client))
    OrderFactory(client=client)  # booked, never paid: no spend
    now = timezone.now()
    day = timezone.localtime(now).replace(hour=2, minute=0, second=0, microsecond=0)
    session_held(client, start=day - timedelta(days=1), minutes=60)  # 02:00-03:00: night
    session_held(client, start=day - timedelta(days=1) + timedelta(hours=10), minutes=30)
    # when
    usage = usage_for_client(client=client, now=now)
    # then
    assert usage.spend_fen == paid.price_fen
    assert usage.minutes == 90
    assert usage.night_minutes == 60
    assert usage.night_percent == 67
    assert len(usage.months) == 6
    assert sum(w.minutes for w in usage.weeks) == 90
    assert len(usage.listeners) == 2


def test_the_page_and_the_api_cost_the_same_queries_for_more_history(client):
    # given
    user = UserFactory()
    client.force_login(user)
    start = timezone.now() - timedelta(days=3)
    session_held(user, start=start, minutes=30)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/care/usage/").status_code == 200
    for n in range(10):
        session_held(user, start=start - timedelta(days=7 * n + 1), minutes=45)
    # when
    with CaptureQueriesContext(connection) as large:
        page = client.get("/care/usage/")
    api = client.get("/api/me/usage/")
    # then
    assert len(large) == len(small)
    assert page.content.decode().count("<svg") == 4
    assert api.status_code == 200
    body = api.json()
    assert body["minutes"] == 30 + 10 * 45
    assert set(body) >= {"months", "weeks", "night_percent", "listeners", "budget"}


def test_the_api_answers_only_the_signed_in_client(client):
    assert client.get("/api/me/usage/").status_code in (401, 403)


def test_a_listener_sees_no_clients_usage_or_nudges(client, settings):
    # given: a client's ended session, with a nudge rule that fires for that client
    user = UserFactory()
    order = session_held(user, start=timezone.now() - timedelta(days=1), minutes=60)
    for night in (1, 2, 3):
        session_held(
            user,
            start=timezone.localtime().replace(hour=23, minute=30) - timedelta(days=night),
            minutes=30,
        )
    client.force_login(order.listener.user)
    client.cookies["django_language"] = "en"
    # when
    own = client.get("/api/me/usage/").json()
    pages = [client.get(f"/chat/orders/{order.pk}/"), client.get(f"/chat/{order.pk}/")]
    # then: the listener's own figures are their own (none as a client), no card, no summary
    assert own["minutes"] == 0
    for page in pages:
        assert page.status_code == 200
        assert 'id="care-nudge"' not in page.content.decode()
    assert client.get(f"/care/staff/clients/{user.pk}/").status_code == 404
    assert client.get("/care/staff/").status_code == 404
    assert not Nudge.objects.exists()
