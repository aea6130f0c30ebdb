"""The plan pages: choose a plan from the profile, see every day's price, pay from the
wallet, follow the calendar; the listener answers from the dashboard. Bad input is a form
error, someone else's plan a 404. The browser test runs the client on a phone."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from payments.invariants import assert_ledger_consistent
from sessions.models import Order, Plan
from tests.browser import sign_in
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory
from tests.payments.wallet_helpers import topup_paid


@pytest.fixture(autouse=True)
def _money(local_stripe, request):
    request.getfixturevalue("_django_db_helper")
    yield
    assert_ledger_consistent()


def plan_tier():
    return PricingTierFactory(
        listener=ApprovedListenerFactory(tier=False),
        price_per_hour_fen=6_000,
        week_plan_discount_percent=10,
        month_plan_discount_percent=20,
        same_price_at_night=True,  # the test may run at any hour
    )


def plan_form(**overrides):
    return {
        "days": "7",
        "first_day": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "daily_start": "21:00",
        "daily_minutes": "30",
        **overrides,
    }


@pytest.mark.django_db
def test_preview_then_buy_then_the_calendar(client):
    # given
    user = UserFactory()
    topup_paid(user, 20_000)
    tier = plan_tier()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    url = reverse("sessions:plan_buy", args=[tier.pk])
    # when: the price first
    preview = client.post(url, plan_form()).content.decode()
    # then
    assert 'id="plan-total">¥189.00<' in preview
    assert Plan.objects.count() == 0
    # when: confirmed
    response = client.post(url, plan_form(confirm="1"))
    # then
    plan = Plan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sessions:plan_detail", args=[plan.pk])
    page = client.get(response["Location"]).content.decode()
    assert page.count('data-status="awaiting"') == 7
    assert "Awaiting the listener" in page
    assert "Weekly plan" in client.get(reverse("sessions:my_orders")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        {"daily_minutes": "abc"},
        {"daily_minutes": "NaN"},
        {"daily_minutes": "99999999999999999999"},
        {"days": "14"},
        {"first_day": "2030-02-31"},
        {"daily_start": "25:00"},
        {"days": "30", "daily_minutes": "5"},
    ],
)
def test_bad_input_is_a_form_error_and_buys_nothing(client, overrides):
    user = UserFactory()
    tier = plan_tier()
    client.force_login(user)
    response = client.post(
        reverse("sessions:plan_buy", args=[tier.pk]), plan_form(confirm="1", **overrides)
    )
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert (Plan.objects.count(), Order.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_a_tier_without_plans_and_someone_elses_plan_are_not_found(client):
    # given
    owner = UserFactory()
    topup_paid(owner, 20_000)
    tier = plan_tier()
    client.force_login(owner)
    client.post(reverse("sessions:plan_buy", args=[tier.pk]), plan_form(confirm="1"))
    plan = Plan.objects.get()
    plain = PricingTierFactory()
    # when / then
    client.force_login(UserFactory())
    assert client.get(reverse("sessions:plan_buy", args=[plain.pk])).status_code == 404
    assert client.get(reverse("sessions:plan_detail", args=[plan.pk])).status_code == 404
    assert client.post(reverse("sessions:plan_cancel", args=[plan.pk])).status_code == 404
    answer = client.post(reverse("sessions:plan_answer", args=[plan.pk]), {"answer": "accept"})
    assert answer.status_code == 404
    assert set(plan.day_orders.values_list("state", flat=True)) == {Order.State.PAID}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_client_buys_a_weekly_plan_on_a_phone_and_the_listener_accepts(
    browser, page, live_server
):
    # given: ¥200 in the wallet, a listener offering a weekly plan at 10 % off
    tier = plan_tier()
    client = UserFactory()
    topup_paid(client, 20_000)
    sign_in(page.context, live_server, client)
    # when: chosen from the profile, priced, paid
    page.goto(f"{live_server.url}/listeners/{tier.listener_id}/")
    page.click(f"#plan-{tier.pk}-7")
    page.fill("#id_daily_minutes", "30")
    page.click("#plan-preview")
    expect(page.locator("#plan-total")).to_have_text("¥189.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#plan-buy")
    # then: seven days wait for the listener
    days = page.locator("#plan-calendar li")
    expect(days).to_have_count(7)
    expect(days.first).to_contain_text("等待倾听师")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # when: the listener answers from the dashboard (a laptop)
    listener_context = browser.new_context(locale="zh-CN")
    sign_in(listener_context, live_server, tier.listener.user)
    dashboard = listener_context.new_page()
    dashboard.goto(f"{live_server.url}/chat/dashboard/")
    dashboard.locator("#plans-waiting a").click()
    dashboard.click("#plan-accept")
    expect(dashboard.locator("#plan-calendar li[data-status='to_come']")).to_have_count(7)
    listener_context.close()
    # then: the client sees the days to come
    page.reload()
    expect(page.locator("#plan-calendar li[data-status='to_come']")).to_have_count(7)
    expect(page.locator("#plan-cancel")).to_be_visible()
