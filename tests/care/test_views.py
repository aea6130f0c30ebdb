"""The limits page and the care API: bad input is refused with a clear error and changes
nothing; a raise says when it applies."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from care.models import CareProfile, Nudge
from payments.models import ClientLimit
from payments.services.limits import limit_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BAD_NUMBERS = ["NaN", "nan", "Infinity", "-Infinity", "-1", "1e400", "abc", "9" * 12, "0x10"]


@pytest.fixture
def signed_in(client):
    user = UserFactory()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client, user


@pytest.mark.parametrize("raw", BAD_NUMBERS)
def test_the_limits_page_refuses_bad_hours(signed_in, raw):
    client, user = signed_in
    # when
    response = client.post(
        "/care/limits/", {"action": "limit", "kind": "weekly_minutes", "value": raw}
    )
    # then
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter hours, such as 10 or 2.5" in page or "larger than the time there is" in page
    assert not ClientLimit.objects.filter(client=user).exists()


@pytest.mark.parametrize("raw", [*BAD_NUMBERS, "0", "-5", "10.555", "1000001"])
def test_the_limits_page_refuses_bad_incomes(signed_in, raw):
    client, user = signed_in
    response = client.post("/care/limits/", {"action": "income", "income_yuan": raw})
    assert response.status_code == 400
    assert "Enter an amount such as 8000" in response.content.decode()
    assert not CareProfile.objects.filter(client=user, monthly_income_fen__isnull=False).exists()


def test_the_limits_page_lowers_now_and_says_when_a_raise_applies(signed_in):
    client, user = signed_in
    # when
    client.post("/care/limits/", {"action": "limit", "kind": "weekly_minutes", "value": "10"})
    client.post("/care/limits/", {"action": "limit", "kind": "weekly_minutes", "value": "12.5"})
    page = client.get("/care/limits/").content.decode()
    # then
    row = ClientLimit.objects.get(client=user, kind="weekly_minutes")
    assert (row.minutes, row.pending_minutes) == (600, 750)
    applies = timezone.localtime(row.pending_effective_at).strftime("%Y-%m-%d %H:%M")
    assert f"Changes to 12.5 hours on {applies}." in page


def test_the_api_sets_limits_and_refuses_what_is_not_a_whole_number(signed_in):
    client, user = signed_in
    # when
    ok = client.post(
        "/api/me/limits/",
        {"kind": "session_minutes", "minutes": 60},
        content_type="application/json",
    )
    # then
    assert ok.status_code == 200
    assert ok.json()["session_minutes"]["minutes"] == 60
    for body in (
        '{"kind": "session_minutes", "minutes": NaN}',
        '{"kind": "session_minutes", "minutes": Infinity}',
        '{"kind": "session_minutes", "minutes": 1.5}',
        '{"kind": "session_minutes", "minutes": "30"}',
        '{"kind": "session_minutes", "minutes": -1}',
        '{"kind": "session_minutes", "minutes": 100000000000000000000}',
        '{"kind": "session_minutes", "minutes": true}',
        '{"kind": "sleep", "minutes": 30}',
        '{"kind": "session_minutes"}',
        "[1]",
    ):
        refused = client.post("/api/me/limits/", body, content_type="application/json")
        assert refused.status_code == 400, body
        # NaN and Infinity are refused by the JSON parser itself (strict JSON), the rest by us
        assert refused.json()["detail"], body
    row = ClientLimit.objects.get(client=user)
    assert (row.minutes, row.pending_minutes) == (60, None)


def test_raising_twice_through_the_api_does_not_skip_the_wait(signed_in):
    client, user = signed_in
    with transaction.atomic():
        limit_set(client_id=user.pk, kind="session_minutes", minutes=30)
    # when
    for minutes in (60, 90):
        client.post(
            "/api/me/limits/",
            {"kind": "session_minutes", "minutes": minutes},
            content_type="application/json",
        )
    # then
    body = client.get("/api/me/limits/").json()["session_minutes"]
    assert (body["minutes"], body["pending_minutes"]) == (30, 90)


def test_the_income_api_refuses_bad_values(signed_in):
    client, user = signed_in
    for body in (
        '{"monthly_income_fen": NaN}',
        '{"monthly_income_fen": 0}',
        '{"monthly_income_fen": -5}',
        '{"monthly_income_fen": 1e20}',
        '{"monthly_income_fen": 10000000000}',
    ):
        assert (
            client.post("/api/me/income/", body, content_type="application/json").status_code == 400
        )
    assert not CareProfile.objects.filter(client=user).exists()
    ok = client.post(
        "/api/me/income/", {"monthly_income_fen": 800000}, content_type="application/json"
    )
    assert ok.json() == {"monthly_income_fen": 800000}


def test_the_usage_page_lists_the_clients_own_nudge_history(signed_in):
    client, user = signed_in
    Nudge.objects.create(
        client=user,
        rule="nights_in_row",
        period="2026-W49",
        place="session_end",
        seen={"nights": 3},
        choice="break",
        shown_at=timezone.now() - timedelta(days=1),
    )
    Nudge.objects.create(
        client=UserFactory(),
        rule="budget_used",
        period="x",
        place="booking",
        seen={"percent": 85, "cap_fen": 100, "spent_fen": 85},
    )
    page = client.get("/care/usage/").content.decode()
    assert "on 3 nights in a row" in page
    assert "Take a break" in page
    assert "85%" not in page


def test_pages_need_a_signed_in_user(client):
    for url in ("/care/usage/", "/care/limits/", "/care/step-back/", "/care/account/export/"):
        assert client.get(url).status_code == 302
    assert client.get("/care/privacy/").status_code == 200
    assert client.get("/care/resources/").status_code == 200
