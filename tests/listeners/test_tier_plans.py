"""A listener offers weekly and monthly plans on a tier: by the tier service, the API and
the profile page's form; a bad discount is refused with a clear message and changes
nothing."""

import pytest
from rest_framework.test import APIClient

from listeners.exceptions import ListenerError
from listeners.services.tiers import tier_update
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory

pytestmark = pytest.mark.django_db


def test_offering_and_withdrawing_plans():
    tier = PricingTierFactory()
    assert tier.plan_offers == []
    tier = tier_update(
        listener=tier.listener,
        tier_id=tier.pk,
        week_plan_discount_percent=10,
        month_plan_discount_percent=0,
    )
    assert tier.plan_offers == [(7, 10), (30, 0)]
    assert (tier.plan_discount_percent(7), tier.plan_discount_percent(14)) == (10, None)
    tier = tier_update(listener=tier.listener, tier_id=tier.pk, week_plan_discount_percent=None)
    assert tier.plan_offers == [(30, 0)]


@pytest.mark.parametrize("discount", [-1, 51, "x", 2.5, True, 10**12])
def test_a_bad_plan_discount_is_refused_and_changes_nothing(discount):
    tier = PricingTierFactory(week_plan_discount_percent=5)
    with pytest.raises(ListenerError) as refused:
        tier_update(listener=tier.listener, tier_id=tier.pk, week_plan_discount_percent=discount)
    assert refused.value.code == "plan_discount_invalid"
    tier.refresh_from_db()
    assert tier.week_plan_discount_percent == 5


def test_the_api_and_the_profile_form_set_the_plans(client):
    # given
    listener = ApprovedListenerFactory(tier=False)
    tier = PricingTierFactory(listener=listener)
    api = APIClient()
    api.force_authenticate(listener.user)
    # when
    response = api.patch(
        f"/api/listeners/me/tiers/{tier.pk}/",
        {"week_plan_discount_percent": 15},
        format="json",
    )
    # then
    assert response.status_code == 200, response.json()
    (shown,) = response.json()["tiers"]
    assert (shown["week_plan_discount_percent"], shown["month_plan_discount_percent"]) == (15, None)
    # when: the profile page's form, in English
    client.force_login(listener.user)
    client.cookies["django_language"] = "en"
    page = client.get("/listeners/me/").content.decode()
    assert "Monthly plan (30 days) discount" in page
