from datetime import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from listeners import services
from listeners.exceptions import ListenerError
from listeners.models import ListenerProfile, ListenerStats, PricingTier
from marketplace.exceptions import NotFound
from marketplace.models import User
from tests.factories import StaffUserFactory, UserFactory
from tests.listeners.conftest import image_upload
from tests.listeners.factories import (
    ApprovedListenerFactory,
    ListenerProfileFactory,
    PricingTierFactory,
)

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"


def apply(user, **overrides):
    fields = {
        "user": user,
        "display_name": "小林",
        "bio": "hi",
        "languages": ["zh", "en"],
        "tag_slugs": ["breakups", "late-night"],
        "legal_name": "林小",
        "id_number": VALID_ID.lower(),
    }
    fields.update(overrides)
    return services.listener_apply(**fields)


# --- Applying ---------------------------------------------------------------------------


def test_apply_creates_a_pending_profile_with_masked_id_and_stats(tags):
    # given
    user = UserFactory()
    # when
    profile = apply(user, avatar=image_upload())
    # then
    profile.refresh_from_db()
    assert profile.verification == ListenerProfile.Verification.PENDING
    assert profile.id_number == VALID_ID
    assert profile.id_number_masked == "110***********002X"
    assert sorted(t.slug for t in profile.tags.all()) == ["breakups", "late-night"]
    assert profile.stats.languages_key == ",zh,en,"
    with Image.open(profile.avatar) as avatar:
        assert avatar.format == "JPEG"
        assert max(avatar.size) == 512


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"id_number": "110105194912310021"}, "id_number_checksum"),
        ({"id_number": "11010519491331002X"}, "id_number_invalid"),  # month 13
        ({"id_number": "12345"}, "id_number_invalid"),
        ({"tag_slugs": ["breakups", "astrology"]}, "tag_unknown"),
        ({"tag_slugs": []}, "tags_required"),
        ({"languages": ["klingon"]}, "language_unknown"),
        ({"display_name": "  "}, "required"),
        ({"avatar": SimpleUploadedFile("a.png", b"not an image at all")}, "avatar_not_image"),
        (
            {"avatar": SimpleUploadedFile("big.png", b"\0" * (5 * 1024 * 1024 + 1))},
            "avatar_too_large",
        ),
        ({"avatar": image_upload("GIF", name="a.gif")}, "avatar_not_image"),
    ],
)
def test_apply_refuses_bad_input_and_changes_nothing(tags, overrides, code):
    # given
    user = UserFactory()
    # when
    with pytest.raises(ListenerError) as error:
        apply(user, **overrides)
    # then
    assert error.value.code == code
    assert error.value.message
    assert not ListenerProfile.objects.filter(user=user).exists()


def test_fifty_megabyte_avatar_is_refused_before_decoding(tags):
    # given: a 50 MB upload (only the size is read)
    class Huge:
        size = 50 * 1024 * 1024

        def seek(self, _offset):
            raise AssertionError("must not be read")

    # when / then
    with pytest.raises(ListenerError) as error:
        apply(UserFactory(), avatar=Huge())
    assert error.value.code == "avatar_too_large"


def test_cannot_apply_twice_while_pending(tags):
    # given
    user = UserFactory()
    apply(user)
    # when / then
    with pytest.raises(ListenerError) as error:
        apply(user, display_name="again")
    assert error.value.code == "already_applied"
    assert ListenerProfile.objects.get(user=user).display_name == "小林"


def test_rejected_applicant_may_apply_again(tags):
    # given
    user = UserFactory()
    profile = apply(user)
    services.listener_reject(listener=profile, by=StaffUserFactory(), reason="blurry ID")
    # when
    again = apply(user, display_name="新名字")
    # then
    assert again.pk == profile.pk
    assert again.verification == ListenerProfile.Verification.PENDING
    assert again.rejection_reason == ""


def test_approve_makes_the_user_a_listener(tags):
    # given
    user = UserFactory()
    profile = apply(user)
    # when
    services.listener_approve(listener=profile, by=StaffUserFactory())
    # then
    profile.refresh_from_db()
    user.refresh_from_db()
    assert profile.verification == ListenerProfile.Verification.APPROVED
    assert profile.verified_at is not None
    assert user.role == User.Role.LISTENER


def test_reject_keeps_the_reason_and_takes_the_listener_offline():
    # given
    listener = ApprovedListenerFactory(presence=ListenerProfile.Presence.ONLINE)
    # when
    services.listener_reject(listener=listener, by=StaffUserFactory(), reason="ID mismatch")
    # then
    listener.refresh_from_db()
    assert listener.verification == ListenerProfile.Verification.REJECTED
    assert listener.rejection_reason == "ID mismatch"
    assert listener.presence == ListenerProfile.Presence.OFFLINE


def test_non_staff_cannot_review():
    # given
    listener = ListenerProfileFactory()
    # when / then
    with pytest.raises(ListenerError):
        services.listener_approve(listener=listener, by=UserFactory())
    listener.refresh_from_db()
    assert listener.verification == ListenerProfile.Verification.PENDING


# --- Settings ---------------------------------------------------------------------------


def test_settings_update_saves_status_capacity_and_night_window():
    # given
    listener = ApprovedListenerFactory()
    # when
    services.listener_settings_update(
        listener=listener,
        presence="busy",
        max_concurrent_chats=8,
        takes_night_orders=False,
        night_start=time(22),
        night_end=time(6),
    )
    # then
    listener.refresh_from_db()
    assert (listener.presence, listener.max_concurrent_chats) == ("busy", 8)
    assert (listener.takes_night_orders, listener.night_start, listener.night_end) == (
        False,
        time(22),
        time(6),
    )


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"max_concurrent_chats": 11}, "max_chats_invalid"),
        ({"max_concurrent_chats": 0}, "max_chats_invalid"),
        ({"night_start": time(22), "night_end": None}, "night_window_invalid"),
        ({"night_start": time(22), "night_end": time(22)}, "night_window_invalid"),
        ({"presence": "dancing"}, "presence_invalid"),
    ],
)
def test_settings_update_refuses_bad_values(overrides, code):
    # given
    listener = ApprovedListenerFactory(max_concurrent_chats=3)
    fields = {
        "presence": "online",
        "max_concurrent_chats": 3,
        "takes_night_orders": True,
        "night_start": None,
        "night_end": None,
    }
    # when
    with pytest.raises(ListenerError) as error:
        services.listener_settings_update(listener=listener, **{**fields, **overrides})
    # then
    assert error.value.code == code
    listener.refresh_from_db()
    assert listener.max_concurrent_chats == 3


def test_pending_listener_cannot_go_online():
    listener = ListenerProfileFactory()
    with pytest.raises(ListenerError) as error:
        services.listener_presence_set(listener=listener, presence="online")
    assert error.value.code == "not_approved"


# --- Tiers and packages -----------------------------------------------------------------


def test_tier_create_refreshes_the_from_prices():
    # given: one tier at ¥60/h +200 %
    listener = ApprovedListenerFactory(tier__price_per_hour_fen=6000)
    # when: a cheaper tier at ¥40/h +100 %
    services.tier_create(
        listener=listener,
        reply_window_seconds=60,
        price_per_hour_fen=4000,
        night_surcharge_percent=100,
    )
    # then
    stats = ListenerStats.objects.get(listener=listener)
    assert (stats.from_price_day_fen, stats.from_price_night_fen) == (4000, 8000)
    assert stats.min_reply_window_seconds == 30


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"price_per_hour_fen": -100}, "price_invalid"),
        ({"price_per_hour_fen": 0}, "price_invalid"),
        ({"price_per_hour_fen": 10**9}, "price_invalid"),
        ({"price_per_hour_fen": "abc"}, "price_invalid"),
        ({"night_surcharge_percent": -1}, "night_surcharge_invalid"),
        ({"night_surcharge_percent": 501}, "night_surcharge_invalid"),
        ({"reply_window_seconds": 4}, "reply_window_invalid"),
        ({"reply_window_seconds": 601}, "reply_window_invalid"),
        ({"min_minutes": 0}, "min_minutes_invalid"),
        ({"medium": "telepathy"}, "medium_invalid"),
    ],
)
def test_tier_create_refuses_bad_values_and_changes_nothing(fields, code):
    # given
    listener = ApprovedListenerFactory()
    base = {"reply_window_seconds": 30, "price_per_hour_fen": 5000}
    # when
    with pytest.raises(ListenerError) as error:
        services.tier_create(listener=listener, **{**base, **fields})
    # then
    assert error.value.code == code
    assert PricingTier.objects.filter(listener=listener).count() == 1


def test_listener_cannot_edit_another_listeners_tier():
    # given
    mine = ApprovedListenerFactory()
    theirs = PricingTierFactory(price_per_hour_fen=7000)
    # when / then
    with pytest.raises(NotFound):
        services.tier_update(listener=mine, tier_id=theirs.pk, price_per_hour_fen=1)
    with pytest.raises(NotFound):
        services.package_create(listener=mine, tier_id=theirs.pk, minutes=30)
    theirs.refresh_from_db()
    assert theirs.price_per_hour_fen == 7000
    assert theirs.packages.count() == 0


def test_tier_update_and_deactivate_refresh_from_prices():
    # given
    listener = ApprovedListenerFactory(tier__price_per_hour_fen=6000)
    tier = listener.tiers.get()
    # when
    services.tier_update(listener=listener, tier_id=tier.pk, price_per_hour_fen=5000)
    # then
    assert ListenerStats.objects.get(listener=listener).from_price_day_fen == 5000
    # when
    services.tier_delete(listener=listener, tier_id=tier.pk)
    # then
    assert ListenerStats.objects.get(listener=listener).from_price_day_fen is None


def test_package_create_refuses_duplicates_and_bad_discounts():
    # given
    listener = ApprovedListenerFactory()
    tier = listener.tiers.get()
    services.package_create(listener=listener, tier_id=tier.pk, minutes=60, discount_percent=10)
    # when / then
    with pytest.raises(ListenerError) as duplicate:
        services.package_create(listener=listener, tier_id=tier.pk, minutes=60)
    with pytest.raises(ListenerError) as discount:
        services.package_create(listener=listener, tier_id=tier.pk, minutes=30, discount_percent=95)
    assert (duplicate.value.code, discount.value.code) == (
        "package_exists",
        "package_discount_invalid",
    )
    assert tier.packages.count() == 1


# --- Stats and interests ----------------------------------------------------------------


def test_listener_stats_update_writes_figures_and_quality_score():
    # given
    listener = ApprovedListenerFactory()
    # when
    services.listener_stats_update(
        listener=listener,
        rating_avg=Decimal("4.8"),
        rating_count=10,
        positive_count=9,
        reply_p50_ms=3000,
        reply_p95_ms=8000,
        reply_within_window_permille=990,
        breach_count_30d=2,
    )
    # then
    stats = ListenerStats.objects.get(listener=listener)
    assert stats.rating_avg == Decimal("4.80")
    assert (stats.reply_p50_ms, stats.reply_p95_ms) == (3000, 8000)
    # Bayesian rating (4.8*10 + 4*5) / 15 = 4.5333 -> 907, + 990 // 2 = 495, - 2 * 5
    assert stats.quality_score == 907 + 495 - 10


def test_listener_stats_update_refuses_unknown_fields():
    listener = ApprovedListenerFactory()
    with pytest.raises(TypeError):
        services.listener_stats_update(listener=listener, popularity=3)


def test_listener_stats_update_creates_a_missing_row():
    # given: a profile made without its stats row (as another app's test might)
    listener = ApprovedListenerFactory()
    ListenerStats.objects.filter(listener=listener).delete()
    # when
    services.listener_stats_update(listener=listener, rating_count=1, rating_avg=5)
    # then
    assert ListenerStats.objects.get(listener=listener).rating_avg == Decimal("5.00")


def test_client_interests_set_replaces_the_choice(tags):
    # given
    client = UserFactory()
    services.client_interests_set(user=client, tag_slugs=["gaming", "family"])
    # when
    services.client_interests_set(user=client, tag_slugs=["family", "breakups"])
    # then
    assert sorted(client.interests.values_list("tag__slug", flat=True)) == ["breakups", "family"]


def test_client_interests_refuse_unknown_tags(tags):
    client = UserFactory()
    services.client_interests_set(user=client, tag_slugs=["gaming"])
    with pytest.raises(ListenerError):
        services.client_interests_set(user=client, tag_slugs=["gaming", "nope"])
    assert list(client.interests.values_list("tag__slug", flat=True)) == ["gaming"]


# --- The catalogue's copies on the stats row --------------------------------------------

COPIED = (
    "is_listed",
    "presence_rank",
    "takes_night_orders",
    "tags_key",
    "languages_key",
    "from_price_day_fen",
    "from_price_night_fen",
    "min_reply_window_seconds",
)


def catalogue_copy(listener) -> dict:
    return ListenerStats.objects.filter(listener=listener).values(*COPIED).get()


def test_copies_follow_the_application_through_approval_and_tiers(tags):
    # given: an application (pending, no tier yet)
    user = UserFactory()
    listener = apply(user, tag_slugs=["late-night", "breakups"], languages=["zh", "en"])
    staff = StaffUserFactory()
    key = f",{min(tags['breakups'].pk, tags['late-night'].pk)},"
    key += f"{max(tags['breakups'].pk, tags['late-night'].pk)},"
    # then: known to the catalogue but not listed
    assert catalogue_copy(listener) == {
        "is_listed": False,
        "presence_rank": 2,
        "takes_night_orders": True,
        "tags_key": key,
        "languages_key": ",zh,en,",
        "from_price_day_fen": None,
        "from_price_night_fen": None,
        "min_reply_window_seconds": None,
    }
    # when: approved, still without a tier
    services.listener_approve(listener=listener, by=staff)
    # then
    assert catalogue_copy(listener)["is_listed"] is False
    # when: a bookable tier is added
    services.tier_create(listener=listener, reply_window_seconds=30, price_per_hour_fen=5000)
    # then
    copy = catalogue_copy(listener)
    assert (copy["is_listed"], copy["from_price_day_fen"], copy["from_price_night_fen"]) == (
        True,
        5000,
        15000,
    )
    # when: the only bookable tier becomes voice (not bookable)
    tier = listener.tiers.get()
    services.tier_update(listener=listener, tier_id=tier.pk, medium=PricingTier.Medium.VOICE)
    # then
    assert catalogue_copy(listener)["is_listed"] is False


def test_withdrawn_approval_unlists_and_takes_offline():
    # given
    listener = ApprovedListenerFactory(presence=ListenerProfile.Presence.ONLINE)
    assert (catalogue_copy(listener)["is_listed"], catalogue_copy(listener)["presence_rank"]) == (
        True,
        0,
    )
    # when
    services.listener_reject(listener=listener, by=StaffUserFactory(), reason="fake ID")
    # then
    copy = catalogue_copy(listener)
    assert (copy["is_listed"], copy["presence_rank"]) == (False, 2)


def test_settings_and_presence_changes_are_copied():
    # given
    listener = ApprovedListenerFactory(presence=ListenerProfile.Presence.OFFLINE)
    # when
    services.listener_settings_update(
        listener=listener,
        presence=ListenerProfile.Presence.BUSY,
        max_concurrent_chats=2,
        takes_night_orders=False,
        night_start=None,
        night_end=None,
    )
    # then
    copy = catalogue_copy(listener)
    assert (copy["presence_rank"], copy["takes_night_orders"]) == (1, False)
    # when
    services.listener_presence_set(listener=listener, presence=ListenerProfile.Presence.ONLINE)
    # then
    assert catalogue_copy(listener)["presence_rank"] == 0
    assert ListenerProfile.objects.get(pk=listener.pk).presence == "online"


def test_profile_edit_copies_tags_and_languages(tags):
    # given
    listener = ApprovedListenerFactory(tags=[tags["gaming"]])
    assert catalogue_copy(listener)["tags_key"] == f",{tags['gaming'].pk},"
    # when
    services.listener_profile_update(
        listener=listener,
        display_name="新名字",
        bio="",
        languages=["yue"],
        tag_slugs=["family"],
    )
    # then
    copy = catalogue_copy(listener)
    assert (copy["tags_key"], copy["languages_key"]) == (f",{tags['family'].pk},", ",yue,")


def test_refused_profile_edit_changes_no_copy(tags):
    # given
    listener = ApprovedListenerFactory(tags=[tags["gaming"]])
    before = catalogue_copy(listener)
    # when
    with pytest.raises(ListenerError):
        services.listener_profile_update(
            listener=listener, display_name="x", bio="", languages=["zh"], tag_slugs=["nope"]
        )
    # then
    assert catalogue_copy(listener) == before


def test_presence_store_writes_profile_and_copy_only_on_change():
    # given
    listener = ApprovedListenerFactory(presence=ListenerProfile.Presence.ONLINE)
    # when
    changed = services.listener_presence_store(listener_id=listener.pk, presence="busy")
    unchanged = services.listener_presence_store(listener_id=listener.pk, presence="busy")
    # then
    assert (changed, unchanged) == (True, False)
    assert ListenerProfile.objects.get(pk=listener.pk).presence == "busy"
    assert catalogue_copy(listener)["presence_rank"] == 1


def test_presence_store_refuses_an_unknown_presence_and_changes_nothing():
    # given
    listener = ApprovedListenerFactory(presence=ListenerProfile.Presence.ONLINE)
    # when
    with pytest.raises(ListenerError) as refused:
        services.listener_presence_store(listener_id=listener.pk, presence="away")
    # then
    assert refused.value.code == "presence_invalid"
    assert ListenerProfile.objects.get(pk=listener.pk).presence == "online"
    assert catalogue_copy(listener)["presence_rank"] == 0


def test_chat_socket_presence_reaches_the_catalogue_copy():
    # given: an online listener with no live chat socket (Redis is the embedded one or
    # REDIS_URL's)
    from sessions.services.presence import presence_refresh

    listener = ApprovedListenerFactory(presence=ListenerProfile.Presence.ONLINE)
    # when
    state = presence_refresh(listener_id=listener.pk)
    # then
    assert state == "offline"
    assert catalogue_copy(listener)["presence_rank"] == 2


def test_catalogue_sync_repairs_a_stale_copy(tags):
    # given: copies overwritten behind the services' back
    listener = ApprovedListenerFactory(tags=[tags["family"]], languages=["en"])
    expected = catalogue_copy(listener)
    ListenerStats.objects.filter(listener=listener).update(
        is_listed=False, presence_rank=2, tags_key="", languages_key="", from_price_day_fen=1
    )
    # when
    services.listener_catalogue_sync(listener_id=listener.pk)
    # then
    assert catalogue_copy(listener) == expected


def test_migration_backfills_the_copies(tags):
    # given: rows as they were before the copies existed
    import importlib

    from django.apps import apps

    migration = importlib.import_module("listeners.migrations.0005_catalogue_columns_on_stats")
    listed = ApprovedListenerFactory(
        tags=[tags["gaming"], tags["family"]], takes_night_orders=False
    )
    pending = ListenerProfileFactory()
    expected = {pk: catalogue_copy(pk) for pk in (listed.pk, pending.pk)}
    ListenerStats.objects.update(
        is_listed=False, presence_rank=2, takes_night_orders=True, tags_key=""
    )
    # when
    migration.backfill(apps, None)
    # then
    assert {pk: catalogue_copy(pk) for pk in (listed.pk, pending.pk)} == expected
    assert expected[listed.pk]["is_listed"] is True
