import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from tests.factories import StaffUserFactory
from tests.listeners.factories import PricingTierFactory

pytestmark = pytest.mark.django_db


def test_the_listener_change_page_shows_each_tiers_contract_terms(client):
    # given: a tier whose terms differ from the defaults
    tier = PricingTierFactory(
        breach_refund_percent=17, breach_refund_cap_percent=42, breach_termination_count=7
    )
    client.force_login(StaffUserFactory(is_superuser=True))
    # when
    response = client.get(
        reverse("admin:listeners_listenerprofile_change", args=[tier.listener_id])
    )
    # then: shown read-only, next to the price and window
    for name, value in [
        ("reply_window_seconds", 30),
        ("breach_refund_percent", 17),
        ("breach_refund_cap_percent", 42),
        ("breach_termination_count", 7),
    ]:
        assertContains(response, f'<td class="field-{name}"><p>{value}</p></td>', html=True)
    assertContains(response, 'name="tiers-0-breach_refund_percent"', count=0)
