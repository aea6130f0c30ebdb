"""The usage page and a nudge card at a session's end, on a phone (390x844), in Chromium."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from care.models import Nudge, NudgeMute
from payments.services.budget import budget_cap_set
from tests.browser import sign_in
from tests.care.helpers import session_held
from tests.factories import UserFactory
from tests.listeners.factories import PricingTierFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def test_the_usage_page_draws_its_charts_on_a_phone(page, live_server):
    # given: a few weeks of sessions
    client = UserFactory()
    for weeks_ago in range(5):
        session_held(client, start=timezone.now() - timedelta(weeks=weeks_ago, hours=2), minutes=45)
    sign_in(page.context, live_server, client)
    # when
    page.goto(f"{live_server.url}/care/usage/")
    # then
    assert page.inner_text("h1") == "我的使用情况"
    assert page.locator("svg.chart").count() == 4
    weekly_hours = page.locator("svg.hours").nth(1)
    drawn = weekly_hours.locator('rect.bar:not([height="0.0"])')
    assert drawn.count() == 5
    assert drawn.last.is_visible()
    assert page.inner_text("#usage-hours") == "3.8"
    box = page.locator("svg.chart").first.bounding_box()
    assert 300 <= box["width"] <= 390
    assert fits_the_phone(page)


def test_a_nudge_card_at_the_end_of_a_session_and_dont_show_again(page, live_server):
    # given: a session that just ended, with 90 % of the budget used
    client = UserFactory()
    tier = PricingTierFactory(price_per_hour_fen=9000, night_surcharge_percent=0)  # any hour
    with transaction.atomic():
        budget_cap_set(client=client, cap_fen=10000)
    order = session_held(
        client, start=timezone.now() - timedelta(minutes=70), minutes=60, tier=tier
    )
    sign_in(page.context, live_server, client)
    # when
    page.goto(f"{live_server.url}/chat/orders/{order.pk}/")
    # then: a calm card, in plain words, with its four ways forward
    card = page.locator("#care-nudge")
    card.wait_for()
    assert "本月你已用掉每月预算的 90%" in card.inner_text()
    for label in ("设定限制", "休息一下", "免费支持资源", "不再显示"):
        assert card.get_by_role("button", name=label).is_visible()
    assert fits_the_phone(page)
    # when: "don't show this again"
    card.get_by_role("button", name="不再显示").click()
    # then: back on the same page, no card, the choice recorded
    page.wait_for_url(f"{live_server.url}/chat/orders/{order.pk}/")
    assert page.locator("#care-nudge").count() == 0
    assert Nudge.objects.get(client=client).choice == "mute"
    assert NudgeMute.objects.filter(client=client, rule="budget_used").exists()
