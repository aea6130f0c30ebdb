"""The booking form shows the price live: changing the minutes or the package asks
POST /api/quotes/ and the total follows (phone viewport)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from listeners.pricing import quote_build
from payments.money import yuan
from tests.browser import sign_in
from tests.factories import UserFactory
from tests.listeners.factories import PackageFactory, PricingTierFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_total_follows_the_minutes_and_the_package(page, live_server):
    # given
    tier = PricingTierFactory()
    package = PackageFactory(tier=tier, minutes=60, discount_percent=10)
    sign_in(page.context, live_server, UserFactory())
    page.goto(f"{live_server.url}/chat/book/{tier.pk}/")
    # when
    page.fill("#minutes", "45")
    # then
    now = timezone.now()
    expected = quote_build(tier=tier, start=now, minutes=45).total_fen
    expect(page.locator("#quote-total")).to_have_text(f"¥{yuan(expected)}")
    # when: a package
    page.select_option("#package", str(package.pk))
    expected = quote_build(tier=tier, start=now, package=package).total_fen
    expect(page.locator("#quote-total")).to_have_text(f"¥{yuan(expected)}")
    # when: too few minutes, without a package
    page.select_option("#package", "")
    page.fill("#minutes", "5")
    expect(page.locator("#quote-error")).to_be_visible()
    expect(page.locator("#quote-total")).to_have_text("–")
