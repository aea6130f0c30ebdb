"""A listener offers a tier per minute: by the tier service, the API and the form; bad
prices are refused with a clear message and change nothing."""

import pytest
from rest_framework.test import APIClient

from listeners.exceptions import ListenerError
from listeners.pricing import minute_prices_fen
from listeners.services.tiers import tier_update
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory

pytestmark = pytest.mark.django_db


def test_offering_a_tier_per_minute_with_derived_or_set_prices():
    # given
    tier = PricingTierFactory(price_per_hour_fen=6_000, night_surcharge_percent=200)
    # when
    tier = tier_update(listener=tier.listener, tier_id=tier.pk, per_minute=True)
    # then
    assert tier.per_minute is True
    assert minute_prices_fen(tier) == (100, 300)
    # when: a day price of its own
    tier = tier_update(listener=tier.listener, tier_id=tier.pk, minute_price_fen=150)
    assert minute_prices_fen(tier) == (150, 450)
    # when: back to derived
    tier = tier_update(listener=tier.listener, tier_id=tier.pk, minute_price_fen=None)
    assert minute_prices_fen(tier) == (100, 300)


@pytest.mark.parametrize("price", [0, -5, "x", 1.5, True, 10**9])
def test_a_bad_minute_price_is_refused_and_changes_nothing(price):
    # given
    tier = PricingTierFactory()
    # when
    with pytest.raises(ListenerError) as refused:
        tier_update(listener=tier.listener, tier_id=tier.pk, minute_price_fen=price)
    # then
    assert refused.value.code == "minute_price_invalid"
    tier.refresh_from_db()
    assert tier.minute_price_fen is None


def test_the_api_sets_per_minute_on_the_listeners_own_tier():
    # given
    listener = ApprovedListenerFactory(tier=False)
    tier = PricingTierFactory(listener=listener)
    api = APIClient()
    api.force_authenticate(listener.user)
    # when
    response = api.patch(
        f"/api/listeners/me/tiers/{tier.pk}/",
        {"per_minute": True, "night_minute_price_fen": 250},
        format="json",
    )
    # then
    assert response.status_code == 200, response.json()
    tier.refresh_from_db()
    assert (tier.per_minute, tier.night_minute_price_fen) == (True, 250)
