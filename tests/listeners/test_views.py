import pytest
from django.urls import reverse

from listeners import services
from listeners.models import ListenerProfile, ListenerStats, PricingTier
from tests.factories import UserFactory
from tests.listeners.conftest import image_upload
from tests.listeners.factories import ApprovedListenerFactory, PackageFactory, PricingTierFactory

pytestmark = pytest.mark.django_db


def test_catalogue_page_shows_cards_with_prices_and_honest_new_badges(client):
    # given
    listener = ApprovedListenerFactory(display_name="小林", tier__price_per_hour_fen=6000)
    # when
    response = client.get(reverse("listeners:catalogue"))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "小林" in html
    assert "¥60" in html
    assert "¥180" in html
    assert reverse("listeners:profile", args=[listener.pk]) in html
    assert 'class="badge-new"' in html


def test_catalogue_page_garbage_filter_is_400_with_message(client):
    # given
    client.cookies["django_language"] = "en"
    # when
    response = client.get(reverse("listeners:catalogue") + "?reply_within=soon")
    # then
    assert response.status_code == 400
    assert "reply window filter" in response.content.decode()


@pytest.mark.parametrize("page_size", [1, 5, 20])
def test_catalogue_page_query_count_does_not_grow_with_page_size(
    client, tags, page_size, django_assert_num_queries
):
    # given
    for _ in range(20):
        ApprovedListenerFactory(tags=[tags["breakups"], tags["family"]])
    # when / then: every tag (filter form and cards), the page (one row more than shown)
    with django_assert_num_queries(2):
        response = client.get(reverse("listeners:catalogue") + f"?page_size={page_size}")
    assert response.content.decode().count('class="card listener-card"') == page_size


def test_profile_page_shows_pricing_table_reply_speed_and_reviews_areas(client):
    # given
    package = PackageFactory(tier__price_per_hour_fen=6000, minutes=60, discount_percent=10)
    listener = package.tier.listener
    services.listener_stats_update(
        listener=listener, reply_p50_ms=4200, reply_p95_ms=9000, reply_within_window_permille=990
    )
    # when
    response = client.get(reverse("listeners:profile", args=[listener.pk]))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "¥60" in html
    assert "¥180" in html
    assert "¥54" in html
    assert "¥162" in html
    assert "4.2" in html
    assert "99.0 %" in html
    assert 'id="reviews"' in html


def test_profile_page_of_pending_listener_is_404(client):
    listener = ApprovedListenerFactory(verification=ListenerProfile.Verification.PENDING)
    assert client.get(reverse("listeners:profile", args=[listener.pk])).status_code == 404


def test_apply_page_creates_a_pending_application(client, tags):
    # given
    user = UserFactory()
    client.force_login(user)
    # when
    response = client.post(
        reverse("listeners:apply"),
        {
            "display_name": "小林",
            "bio": "",
            "languages": ["zh"],
            "tags": ["breakups"],
            "legal_name": "林小",
            "id_number": "11010519491231002X",
            "avatar": image_upload(),
        },
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("listeners:my_profile")
    profile = ListenerProfile.objects.get(user=user)
    assert profile.verification == ListenerProfile.Verification.PENDING
    status_page = client.get(reverse("listeners:my_profile")).content.decode()
    assert 'id="verification-status"' in status_page
    assert "110***********002X" in status_page
    assert "11010519491231002X" not in status_page


def test_apply_page_refuses_a_wrong_checksum(client, tags):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("listeners:apply"),
        {
            "display_name": "小林",
            "languages": ["zh"],
            "tags": ["breakups"],
            "legal_name": "林小",
            "id_number": "110105194912310021",
        },
    )
    assert response.status_code == 400
    assert not ListenerProfile.objects.filter(user=user).exists()


def test_my_profile_updates_own_tier_and_404s_on_anothers(client):
    # given
    me = ApprovedListenerFactory()
    mine = me.tiers.get()
    theirs = PricingTierFactory(price_per_hour_fen=7000)
    client.force_login(me.user)
    url = reverse("listeners:my_profile")

    def post_tier(tier, price):
        prefix = f"tier{tier.pk}"
        return client.post(
            url,
            {
                "action": "tier_update",
                "tier_id": tier.pk,
                f"{prefix}-medium": "text",
                f"{prefix}-reply_window_seconds": 30,
                f"{prefix}-price_per_hour_yuan": price,
                f"{prefix}-night_surcharge_percent": 200,
                f"{prefix}-min_minutes": 15,
                f"{prefix}-is_active": "on",
            },
        )

    # when
    ok = post_tier(mine, "55.5")
    other = post_tier(theirs, "1")
    # then
    assert ok.status_code == 302
    assert other.status_code == 404
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.price_per_hour_fen == 5550
    assert theirs.price_per_hour_fen == 7000


def test_my_profile_refuses_absurd_tier_and_changes_nothing(client):
    me = ApprovedListenerFactory()
    client.force_login(me.user)
    response = client.post(
        reverse("listeners:my_profile"),
        {
            "action": "tier_create",
            "tier-medium": "text",
            "tier-reply_window_seconds": 30,
            "tier-price_per_hour_yuan": "-5",
            "tier-night_surcharge_percent": 200,
            "tier-min_minutes": 15,
        },
    )
    assert response.status_code == 400
    assert PricingTier.objects.filter(listener=me).count() == 1


def test_my_profile_settings_form_saves(client):
    me = ApprovedListenerFactory()
    client.force_login(me.user)
    response = client.post(
        reverse("listeners:my_profile"),
        {
            "action": "settings",
            "settings-presence": "busy",
            "settings-max_concurrent_chats": 6,
            "settings-night_start": "22:00",
            "settings-night_end": "06:00",
        },
    )
    assert response.status_code == 302
    me.refresh_from_db()
    assert (me.presence, me.max_concurrent_chats, me.takes_night_orders) == ("busy", 6, False)


def test_interests_page_saves_the_choice(client, tags):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("listeners:interests"), {"tags": ["gaming", "family"]})
    assert response.status_code == 302
    assert sorted(user.interests.values_list("tag__slug", flat=True)) == ["family", "gaming"]


def test_pages_need_sign_in(client):
    for name in ("listeners:apply", "listeners:my_profile", "listeners:interests"):
        assert client.get(reverse(name)).status_code == 302


def test_admin_reject_action_asks_for_a_reason(client):
    # given
    from tests.factories import StaffUserFactory

    staff = StaffUserFactory(is_superuser=True)
    pending = ApprovedListenerFactory(verification=ListenerProfile.Verification.PENDING)
    client.force_login(staff)
    url = reverse("admin:listeners_listenerprofile_changelist")
    # when: first the action shows the reason form
    ask = client.post(url, {"action": "reject", "_selected_action": [pending.pk]})
    done = client.post(
        url, {"action": "reject", "_selected_action": [pending.pk], "reason": "ID unreadable"}
    )
    # then
    assert ask.status_code == 200
    assert "reason" in ask.content.decode()
    assert done.status_code == 302
    pending.refresh_from_db()
    assert (pending.verification, pending.rejection_reason) == ("rejected", "ID unreadable")


def test_admin_approve_action(client):
    from tests.factories import StaffUserFactory

    staff = StaffUserFactory(is_superuser=True)
    pending = ApprovedListenerFactory(verification=ListenerProfile.Verification.PENDING)
    client.force_login(staff)
    client.post(
        reverse("admin:listeners_listenerprofile_changelist"),
        {"action": "approve", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert pending.verification == "approved"


def test_catalogue_page_links_next_and_previous_pages_without_a_total(client):
    # given
    first, _second, third = (ApprovedListenerFactory() for _ in range(3))
    url = reverse("listeners:catalogue")
    client.cookies["django_language"] = "en"
    # when
    page1 = client.get(url + "?sort=price&page_size=2").content.decode()
    page2 = client.get(url + "?sort=price&page_size=2&page=2").content.decode()
    # then
    assert 'href="?sort=price&amp;page_size=2&amp;page=2" rel="next"' in page1
    assert 'rel="prev"' not in page1
    assert "Page 1" in page1
    assert 'href="?sort=price&amp;page_size=2&amp;page=1" rel="prev"' in page2
    assert 'rel="next"' not in page2
    assert reverse("listeners:profile", args=[third.pk]) in page2
    assert reverse("listeners:profile", args=[first.pk]) not in page2


def test_catalogue_cards_show_their_tags(client, tags):
    # given
    ApprovedListenerFactory(tags=[tags["gaming"]])
    # when
    html = client.get(reverse("listeners:catalogue")).content.decode()
    # then
    assert f'<span class="tag">{tags["gaming"].name_zh}</span>' in html


def test_admin_profile_edit_refreshes_the_catalogue_copies(client, tags):
    # given
    from tests.factories import StaffUserFactory

    client.force_login(StaffUserFactory(is_superuser=True))
    listener = ApprovedListenerFactory(tags=[tags["gaming"]], presence="online")
    tier = listener.tiers.get()
    # when: staff change the tags, the status and night orders
    response = client.post(
        reverse("admin:listeners_listenerprofile_change", args=[listener.pk]),
        {
            "display_name": listener.display_name,
            "bio": listener.bio,
            "languages": '["zh"]',
            "tags": [tags["family"].pk],
            "presence": "busy",
            "max_concurrent_chats": 3,
            "night_start": "",
            "night_end": "",
            "tiers-TOTAL_FORMS": 1,
            "tiers-INITIAL_FORMS": 1,
            "tiers-MIN_NUM_FORMS": 0,
            "tiers-MAX_NUM_FORMS": 1000,
            "tiers-0-id": tier.pk,
            "tiers-0-listener": listener.pk,
        },
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    stats = ListenerStats.objects.get(listener=listener)
    assert (stats.tags_key, stats.presence_rank, stats.takes_night_orders) == (
        f",{tags['family'].pk},",
        1,
        False,
    )


def test_a_card_filtered_by_price_shows_the_price_of_the_tiers_that_match(client):
    # given: tiers at ¥30 and ¥40 (night +100 %: ¥60 and ¥80)
    listener = ApprovedListenerFactory(
        display_name="小林", tier__price_per_hour_fen=3000, tier__night_surcharge_percent=100
    )
    PricingTierFactory(listener=listener, price_per_hour_fen=4000, night_surcharge_percent=100)
    services.listener_prices_refresh(listener=listener)
    url = reverse("listeners:catalogue")
    # when
    unfiltered = client.get(url).content.decode()
    filtered = client.get(url + "?price_min=35").content.decode()
    api = client.get("/api/listeners/?price_min=35").json()
    # then
    assert '<span class="price">¥30.00</span>' in unfiltered
    assert '<span class="price">¥40.00</span>' in filtered
    assert '<span class="price">¥80.00</span>' in filtered
    assert "¥30.00" not in filtered
    assert api["results"][0]["from_price"] == {"day_per_hour_fen": 4000, "night_per_hour_fen": 8000}


def test_a_card_shows_no_night_price_for_a_listener_who_takes_no_night_orders(client):
    # given: two listeners at ¥30/h (night +100 %: ¥60/h); one takes no night orders
    ApprovedListenerFactory(
        display_name="夜猫", tier__price_per_hour_fen=3000, tier__night_surcharge_percent=100
    )
    ApprovedListenerFactory(
        display_name="早鸟",
        takes_night_orders=False,
        tier__price_per_hour_fen=3000,
        tier__night_surcharge_percent=100,
    )
    # when
    html = client.get(reverse("listeners:catalogue")).content.decode()
    # then: the night price only on the card of the one who can be booked at night
    night_owl = html[html.index("夜猫") :][: html[html.index("夜猫") :].index("</li>")]
    early_bird = html[html.index("早鸟") :][: html[html.index("早鸟") :].index("</li>")]
    assert '<span class="price">¥60.00</span>' in night_owl
    assert "¥60.00" not in early_bird
    assert '<span class="no-night">不接夜单</span>' in early_bird
    assert '<span class="price">¥30.00</span>' in early_bird


def test_a_profile_names_its_languages_in_the_viewers_language_and_links_its_reviews(client):
    # given
    listener = ApprovedListenerFactory(languages=["zh", "en"])
    services.listener_stats_update(
        listener=listener, rating_avg="4.50", rating_count=2, positive_count=2
    )
    url = reverse("listeners:profile", args=[listener.pk])
    # when
    zh = client.get(url).content.decode()
    client.cookies["django_language"] = "en"
    en = client.get(url).content.decode()
    # then
    assert "语言: 普通话、英语" in zh or "语言：普通话、英语" in zh
    assert "Mandarin, English" in en
    assert "zh, en" not in zh + en
    reviews_url = reverse("reviews:listener", args=[listener.pk])
    assert f'<a id="reviews-link" href="{reviews_url}">2 条评价</a>' in zh


def test_the_catalogue_filters_fold_into_a_box_that_counts_the_filters_set(client):
    # when
    html = client.get(reverse("listeners:catalogue") + "?price_min=35&online=1").content.decode()
    # then
    assert '<details class="filters-box card" id="filters">' in html
    assert '<summary>筛选 <span class="badge">2</span></summary>' in html
