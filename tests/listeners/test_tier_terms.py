"""The reply-window contract terms of a tier (refund per missed reply, refund cap, misses
that end a session) on the listener's own page and in the API: shown, saved, and refused
out of bounds with a message naming the term, leaving the tier as it was."""

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from listeners.models import PricingTier
from tests.listeners.factories import ApprovedListenerFactory

pytestmark = pytest.mark.django_db

TERMS = ("breach_refund_percent", "breach_refund_cap_percent", "breach_termination_count")


def terms(tier: PricingTier) -> tuple[int, int, int]:
    tier.refresh_from_db()
    return tuple(getattr(tier, name) for name in TERMS)


def tier_post(tier: PricingTier, **overrides) -> dict:
    prefix = f"tier{tier.pk}"
    data = {
        "action": "tier_update",
        "tier_id": tier.pk,
        f"{prefix}-medium": "text",
        f"{prefix}-reply_window_seconds": tier.reply_window_seconds,
        f"{prefix}-price_per_hour_yuan": tier.price_per_hour_fen / 100,
        f"{prefix}-night_surcharge_percent": tier.night_surcharge_percent,
        f"{prefix}-min_minutes": tier.min_minutes,
        f"{prefix}-is_active": "on",
    }
    data.update({f"{prefix}-{name}": value for name, value in overrides.items()})
    return data


def test_the_page_shows_and_saves_the_contract_terms(client):
    # given
    me = ApprovedListenerFactory()
    tier = me.tiers.get()
    client.force_login(me.user)
    url = reverse("listeners:my_profile")
    # when
    page = client.get(url)
    saved = client.post(
        url,
        tier_post(
            tier,
            breach_refund_percent=20,
            breach_refund_cap_percent=60,
            breach_termination_count=5,
        ),
    )
    # then
    html = page.content.decode()
    for name, value in zip(TERMS, (10, 50, 3), strict=True):
        assert f'name="tier{tier.pk}-{name}" value="{value}"' in html
    assert 'name="tier-breach_refund_percent" value="10"' in html
    assert saved.status_code == 302
    assert terms(tier) == (20, 60, 5)


def test_leaving_the_terms_empty_keeps_them(client):
    # given
    me = ApprovedListenerFactory()
    tier = me.tiers.get()
    client.force_login(me.user)
    # when
    response = client.post(reverse("listeners:my_profile"), tier_post(tier, min_minutes=20))
    # then
    assert response.status_code == 302
    assert terms(tier) == (10, 50, 3)
    assert tier.min_minutes == 20


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"breach_refund_percent": 0}, "The refund per missed reply must be between 1 % and 50 %."),
        (
            {"breach_refund_percent": 51},
            "The refund per missed reply must be between 1 % and 50 %.",
        ),
        (
            {"breach_refund_cap_percent": 101},
            "The cap on missed-reply refunds must be between 1 % and 100 %.",
        ),
        (
            {"breach_termination_count": 11},
            "The number of missed replies in a row that ends a session must be between 1 and 10.",
        ),
        (
            {"breach_refund_percent": 30, "breach_refund_cap_percent": 20},
            "The refund cap cannot be below the refund per missed reply.",
        ),
    ],
)
def test_the_page_refuses_terms_out_of_bounds_and_changes_nothing(client, overrides, message):
    # given
    me = ApprovedListenerFactory()
    tier = me.tiers.get()
    client.force_login(me.user)
    client.cookies["django_language"] = "en"
    # when
    response = client.post(reverse("listeners:my_profile"), tier_post(tier, **overrides))
    # then
    assert response.status_code == 400
    assert message in response.content.decode()
    assert terms(tier) == (10, 50, 3)


def test_the_refusal_is_in_chinese_by_default(client):
    # given
    me = ApprovedListenerFactory()
    tier = me.tiers.get()
    client.force_login(me.user)
    # when
    response = client.post(
        reverse("listeners:my_profile"), tier_post(tier, breach_termination_count=0)
    )
    # then
    assert response.status_code == 400
    assert "结束会话所需的连续超时次数须在 1 到 10 之间。" in response.content.decode()
    assert terms(tier) == (10, 50, 3)


def test_adding_a_tier_with_a_bad_term_adds_nothing(client):
    # given
    me = ApprovedListenerFactory()
    client.force_login(me.user)
    # when
    response = client.post(
        reverse("listeners:my_profile"),
        {
            "action": "tier_create",
            "tier-medium": "text",
            "tier-reply_window_seconds": 60,
            "tier-price_per_hour_yuan": "40",
            "tier-night_surcharge_percent": 200,
            "tier-min_minutes": 15,
            "tier-breach_refund_percent": 70,
        },
    )
    # then
    assert response.status_code == 400
    assert PricingTier.objects.filter(listener=me).count() == 1


def test_the_api_sets_the_terms():
    # given
    me = ApprovedListenerFactory()
    tier = me.tiers.get()
    api = APIClient()
    api.force_authenticate(me.user)
    # when
    response = api.patch(
        f"/api/listeners/me/tiers/{tier.pk}/",
        {"breach_refund_percent": 15, "breach_termination_count": 4},
        format="json",
    )
    created = api.post(
        "/api/listeners/me/tiers/",
        {
            "reply_window_seconds": 60,
            "price_per_hour_fen": 4000,
            "breach_refund_cap_percent": 40,
        },
        format="json",
    )
    # then
    assert response.status_code == 200
    assert terms(tier) == (15, 50, 4)
    assert created.status_code == 201
    new = PricingTier.objects.filter(listener=me).exclude(pk=tier.pk).get()
    assert terms(new) == (10, 40, 3)


@pytest.mark.parametrize(
    "body",
    [
        {"breach_refund_percent": 0},
        {"breach_refund_percent": 51},
        {"breach_refund_cap_percent": 101},
        {"breach_termination_count": 0},
        {"breach_refund_percent": 30, "breach_refund_cap_percent": 20},
        {"breach_refund_percent": "many"},
    ],
)
def test_the_api_refuses_terms_out_of_bounds_and_changes_nothing(body):
    # given
    me = ApprovedListenerFactory()
    tier = me.tiers.get()
    api = APIClient()
    api.force_authenticate(me.user)
    # when
    with translation.override("en"):
        patched = api.patch(f"/api/listeners/me/tiers/{tier.pk}/", body, format="json")
        created = api.post(
            "/api/listeners/me/tiers/",
            {"reply_window_seconds": 60, "price_per_hour_fen": 4000, **body},
            format="json",
        )
    # then
    assert (patched.status_code, created.status_code) == (400, 400)
    if body != {"breach_refund_percent": "many"}:
        assert patched.json()["code"] == "breach_terms_invalid"
        assert created.json()["code"] == "breach_terms_invalid"
    assert terms(tier) == (10, 50, 3)
    assert PricingTier.objects.filter(listener=me).count() == 1
