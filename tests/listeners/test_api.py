from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from listeners import services
from listeners.models import ListenerProfile, PricingTier
from tests.factories import UserFactory
from tests.listeners.conftest import image_upload
from tests.listeners.factories import ApprovedListenerFactory, PackageFactory, PricingTierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- Catalogue --------------------------------------------------------------------------


def test_catalogue_lists_only_approved_listeners_with_prices(api, tags):
    # given
    shown = ApprovedListenerFactory()
    ApprovedListenerFactory(verification=ListenerProfile.Verification.PENDING)
    ApprovedListenerFactory(verification=ListenerProfile.Verification.REJECTED)
    ApprovedListenerFactory(tier=False)  # no tier yet: cannot be booked
    # when
    response = api.get("/api/listeners/")
    # then
    assert response.status_code == 200
    assert ids(response) == [shown.pk]
    card = response.json()["results"][0]
    assert card["from_price"] == {"day_per_hour_fen": 6000, "night_per_hour_fen": 18000}
    assert card["reply_speed"]["is_new"] is True
    assert card["rating"] is None


def test_catalogue_filters(api, tags):
    # given
    cheap_night_owl = ApprovedListenerFactory(
        tier__price_per_hour_fen=3000,
        tier__reply_window_seconds=60,
        languages=["zh", "yue"],
        tags=[tags["late-night"]],
    )
    fast_pricey = ApprovedListenerFactory(
        tier__price_per_hour_fen=9000,
        tier__reply_window_seconds=10,
        takes_night_orders=False,
        presence=ListenerProfile.Presence.OFFLINE,
        languages=["en"],
        tags=[tags["work-stress"]],
    )
    services.listener_stats_update(listener=fast_pricey, rating_avg=Decimal("4.9"), rating_count=5)
    services.listener_stats_update(listener=cheap_night_owl, rating_avg=3, rating_count=5)

    cases = {
        "tag=late-night": [cheap_night_owl.pk],
        "price_max_fen=5000": [cheap_night_owl.pk],
        "price_min=50": [fast_pricey.pk],
        "min_rating=4.5": [fast_pricey.pk],
        "reply_within=10": [fast_pricey.pk],
        "online=1": [cheap_night_owl.pk],
        "language=en": [fast_pricey.pk],
        "night=1": [cheap_night_owl.pk],
        "sort=price": [cheap_night_owl.pk, fast_pricey.pk],
        "sort=rating": [fast_pricey.pk, cheap_night_owl.pk],
        # both conditions must hold on the same tier
        "reply_within=10&price_max_fen=5000": [],
    }
    for query, expected in cases.items():
        # when
        response = api.get(f"/api/listeners/?{query}")
        # then
        assert response.status_code == 200, query
        assert ids(response) == expected, query


def test_sort_by_reply_speed_puts_unmeasured_listeners_last(api):
    # given
    new = ApprovedListenerFactory()
    slow = ApprovedListenerFactory()
    fast = ApprovedListenerFactory()
    services.listener_stats_update(listener=slow, reply_p50_ms=9000)
    services.listener_stats_update(listener=fast, reply_p50_ms=2000)
    # when
    response = api.get("/api/listeners/?sort=reply_speed")
    # then
    assert ids(response) == [fast.pk, slow.pk, new.pk]


def test_recommended_puts_the_clients_interests_first(api, tags):
    # given: a better-rated listener without the client's topic
    popular = ApprovedListenerFactory(tags=[tags["gaming"]])
    services.listener_stats_update(listener=popular, rating_avg=5, rating_count=100)
    match = ApprovedListenerFactory(tags=[tags["breakups"], tags["family"]])
    client = UserFactory()
    services.client_interests_set(user=client, tag_slugs=["breakups", "family"])
    # when
    anonymous = api.get("/api/listeners/")
    api.force_authenticate(client)
    personal = api.get("/api/listeners/")
    # then
    assert ids(anonymous) == [popular.pk, match.pk]
    assert ids(personal) == [match.pk, popular.pk]


def test_catalogue_paginates(api):
    # given
    listeners = [ApprovedListenerFactory() for _ in range(5)]
    # when
    response = api.get("/api/listeners/?sort=price&page=2&page_size=2")
    # then: no total count; `next` is known from one extra row
    body = response.json()
    assert set(body) == {"page", "page_size", "next", "previous", "results"}
    assert (body["page"], body["page_size"]) == (2, 2)
    assert ids(response) == [listeners[2].pk, listeners[3].pk]
    assert body["next"].endswith("/api/listeners/?sort=price&page_size=2&page=3")
    assert body["previous"].endswith("/api/listeners/?sort=price&page_size=2&page=1")
    last = api.get("/api/listeners/?sort=price&page=3&page_size=2").json()
    assert ([row["id"] for row in last["results"]], last["next"]) == ([listeners[4].pk], None)
    exact = api.get("/api/listeners/?sort=price&page=1&page_size=5").json()
    assert (len(exact["results"]), exact["next"], exact["previous"]) == (5, None, None)
    assert api.get("/api/listeners/?page=9").json()["results"] == []


@pytest.mark.parametrize(
    ("query", "message_part"),
    [
        ("tag=astrology", "astrology"),
        ("price_max=abc", "¥"),
        ("price_max_fen=-5", "¥"),
        ("price_min=80&price_max=20", "minimum price"),
        ("min_rating=6", "rating"),
        ("min_rating=NaN", "rating"),
        ("reply_within=2", "5"),
        ("reply_within=fast", "5"),
        ("online=maybe", "online"),
        ("language=xx", "xx"),
        ("sort=random", "recommended"),
        ("page=0", "page"),
        ("page_size=500", "50"),
    ],
)
def test_garbage_filters_are_refused_with_a_clear_message(api, tags, query, message_part):
    # given
    api.cookies["django_language"] = "en"
    # when
    response = api.get(f"/api/listeners/?{query}")
    # then
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_filter"
    assert message_part.lower() in body["detail"].lower()


@pytest.mark.parametrize("page_size", [1, 5, 20])
def test_catalogue_api_query_count_does_not_grow_with_page_size(
    api, tags, page_size, django_assert_num_queries
):
    # given: 20 listeners with tags, ratings and measured replies; a client with interests
    for n in range(20):
        listener = ApprovedListenerFactory(tags=[tags["breakups"], tags["gaming"]])
        services.listener_stats_update(listener=listener, reply_p50_ms=1000 + n)
    client = UserFactory()
    services.client_interests_set(user=client, tag_slugs=["breakups"])
    api.force_authenticate(client)
    # when / then: interests, every tag (filter and cards), the page (one row more)
    with django_assert_num_queries(3):
        response = api.get(f"/api/listeners/?page_size={page_size}&tag=gaming")
    assert len(response.json()["results"]) == page_size


# --- Profile ----------------------------------------------------------------------------


def test_detail_shows_day_and_night_prices_per_tier_and_package(api):
    # given: ¥60/h +200 %; a 60-minute package at 10 % off
    package = PackageFactory(
        tier__price_per_hour_fen=6000, tier__night_surcharge_percent=200, minutes=60
    )
    listener = package.tier.listener
    services.listener_prices_refresh(listener=listener)
    PricingTierFactory(listener=listener, medium=PricingTier.Medium.VOICE, price_per_hour_fen=1)
    # when
    response = api.get(f"/api/listeners/{listener.pk}/")
    # then
    assert response.status_code == 200
    body = response.json()
    text_tier = next(t for t in body["tiers"] if t["medium"] == "text")
    assert (text_tier["day_price_per_hour_fen"], text_tier["night_price_per_hour_fen"]) == (
        6000,
        18000,
    )
    assert text_tier["packages"] == [
        {
            "id": package.pk,
            "minutes": 60,
            "discount_percent": 10,
            "day_total_fen": 5400,
            "night_total_fen": 16200,
        }
    ]
    voice = next(t for t in body["tiers"] if t["medium"] == "voice")
    assert voice["bookable"] is False
    assert body["night_window"] == ["23:00", "07:00"]
    assert body["reviews"] == {"rating": None, "items": []}


def test_detail_of_unapproved_listener_is_404(api):
    listener = ApprovedListenerFactory(verification=ListenerProfile.Verification.PENDING)
    assert api.get(f"/api/listeners/{listener.pk}/").status_code == 404


def test_detail_query_count_is_constant(api):
    # given
    listener = ApprovedListenerFactory()
    for minutes in (30, 60, 90):
        PackageFactory(tier=listener.tiers.get(), minutes=minutes)
    # when
    with CaptureQueriesContext(connection) as queries:
        api.get(f"/api/listeners/{listener.pk}/")
    # then: profile+stats, tags, tiers, packages
    assert len(queries) == 4


# --- Quotes -----------------------------------------------------------------------------


def test_quote_api_prices_a_booking_across_23_00(api):
    # given
    listener = ApprovedListenerFactory(tier__price_per_hour_fen=6000)
    tier = listener.tiers.get()
    # when
    response = api.post(
        "/api/quotes/",
        {"tier_id": tier.pk, "start": "2026-03-10T22:30:00+08:00", "minutes": 60},
        format="json",
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["total_fen"] == 12000
    assert [(line["kind"], line["amount_fen"]) for line in body["lines"]] == [
        ("day", 3000),
        ("night", 3000),
        ("night_surcharge", 6000),
    ]
    assert all(line["label"] for line in body["lines"])


def test_quote_api_refuses_impossible_requests(api):
    # given
    listener = ApprovedListenerFactory(takes_night_orders=False)
    tier = listener.tiers.get()
    other_package = PackageFactory()
    cases = [
        ({"tier_id": tier.pk, "minutes": 5}, "minutes_too_few"),
        (
            {"tier_id": tier.pk, "start": "2026-03-10T23:30:00+08:00", "minutes": 30},
            "night_not_offered",
        ),
        ({"tier_id": tier.pk, "package_id": other_package.pk}, "not_found"),
        ({"tier_id": 999999, "minutes": 30}, "not_found"),
        ({"tier_id": tier.pk}, None),
        ({"tier_id": tier.pk, "minutes": 100000}, None),
    ]
    for payload, code in cases:
        # when
        response = api.post("/api/quotes/", payload, format="json")
        # then
        assert response.status_code in (400, 404), payload
        if code:
            assert response.json()["code"] == code, payload


# --- Applying and own profile -----------------------------------------------------------


def test_apply_api_creates_a_pending_profile(api, tags):
    # given
    user = UserFactory()
    api.force_authenticate(user)
    # when
    response = api.post(
        "/api/listeners/apply/",
        {
            "display_name": "小林",
            "languages": ["zh"],
            "tags": ["breakups"],
            "legal_name": "林小",
            "id_number": "11010519491231002X",
            "avatar": image_upload("JPEG", name="me.jpg"),
        },
        format="multipart",
    )
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["verification"] == "pending"
    assert body["id_number"] == "110***********002X"
    assert body["avatar_url"].endswith(".jpg")


def test_apply_api_refuses_a_wrong_checksum(api, tags):
    user = UserFactory()
    api.force_authenticate(user)
    response = api.post(
        "/api/listeners/apply/",
        {
            "display_name": "小林",
            "languages": ["zh"],
            "tags": ["breakups"],
            "legal_name": "林小",
            "id_number": "110105194912310021",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "id_number_checksum"
    assert not ListenerProfile.objects.filter(user=user).exists()


def test_tier_api_edits_own_tier_and_404s_on_anothers(api):
    # given
    me = ApprovedListenerFactory()
    mine = me.tiers.get()
    theirs = PricingTierFactory(price_per_hour_fen=7000)
    api.force_authenticate(me.user)
    # when
    ok = api.patch(f"/api/listeners/me/tiers/{mine.pk}/", {"price_per_hour_fen": 5500})
    other = api.patch(f"/api/listeners/me/tiers/{theirs.pk}/", {"price_per_hour_fen": 1})
    bad = api.patch(f"/api/listeners/me/tiers/{mine.pk}/", {"night_surcharge_percent": 600})
    # then
    assert ok.status_code == 200
    assert other.status_code == 404
    assert bad.status_code == 400
    assert bad.json()["code"] == "night_surcharge_invalid"
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.price_per_hour_fen, mine.night_surcharge_percent) == (5500, 200)
    assert theirs.price_per_hour_fen == 7000


def test_settings_api_updates_status(api):
    me = ApprovedListenerFactory()
    api.force_authenticate(me.user)
    response = api.put(
        "/api/listeners/me/",
        {"presence": "busy", "max_concurrent_chats": 4, "takes_night_orders": False},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["presence"], response.json()["max_concurrent_chats"]) == ("busy", 4)


def test_interests_api(api, tags):
    client = UserFactory()
    api.force_authenticate(client)
    response = api.put("/api/me/interests/", {"tags": ["gaming"]}, format="json")
    assert response.status_code == 200
    chosen = [t["slug"] for t in response.json()["tags"] if t["chosen"]]
    assert chosen == ["gaming"]
    refused = api.put("/api/me/interests/", {"tags": ["nope"]}, format="json")
    assert refused.status_code == 400
