"""Factories for listeners. `ApprovedListenerFactory` gives a catalogue-ready listener:
approved, with a stats row, one text tier (from-prices refreshed) and a tag.

A profile made by a factory is synced onto its stats row once built (the catalogue reads
copies there). A test that later writes profile fields, tiers or tags directly must call
`services.listener_catalogue_sync(listener_id=...)` or, better, use a service."""

import factory
from django.utils import timezone

from listeners import services
from listeners.models import ListenerProfile, ListenerStats, Package, PricingTier, Tag
from tests.factories import ListenerUserFactory


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"tag-{n}")
    name_zh = factory.Sequence(lambda n: f"标签{n}")
    name_en = factory.Sequence(lambda n: f"Tag {n}")


def seed_platform_tags() -> None:
    """The starting tags of the data migration, again: a transactional test's flush removes
    migration-seeded rows for the tests that follow it."""
    from importlib import import_module

    for slug, name_zh, name_en in import_module(
        "listeners.migrations.0003_seed_tags_backfill_stats"
    ).TAGS:
        TagFactory(slug=slug, name_zh=name_zh, name_en=name_en)


class ListenerProfileFactory(factory.django.DjangoModelFactory):
    """A pending application (with its stats row)."""

    class Meta:
        model = ListenerProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(ListenerUserFactory)
    display_name = factory.Sequence(lambda n: f"listener{n}")
    bio = "I listen."
    languages = factory.LazyFunction(lambda: ["zh"])
    legal_name = "张三"
    id_number = "11010519491231002X"
    id_number_masked = "110***********002X"
    stats = factory.RelatedFactory(
        "tests.listeners.factories.ListenerStatsFactory", factory_related_name="listener"
    )

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        """`tags=[tag, ...]` sets the specialty tags."""
        if create and extracted:
            self.tags.set(extracted)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        super()._after_postgeneration(instance, create, results)
        if create:
            # The fields above were written directly, not by a service: copy them onto
            # the stats row the catalogue reads, as the services do.
            services.listener_catalogue_sync(listener_id=instance.pk)


class ListenerStatsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ListenerStats
        django_get_or_create = ["listener"]

    languages_key = factory.LazyAttribute(lambda o: services.languages_key(o.listener.languages))


class ApprovedListenerFactory(ListenerProfileFactory):
    class Meta:
        skip_postgeneration_save = True

    verification = ListenerProfile.Verification.APPROVED
    verified_at = factory.LazyFunction(timezone.now)
    presence = ListenerProfile.Presence.ONLINE

    @factory.post_generation
    def tier(self, create, extracted, **kwargs):
        """`tier=False` skips the default tier; `tier__price_per_hour_fen=...` tunes it."""
        if not create or extracted is False:
            return
        PricingTierFactory(listener=self, **kwargs)
        services.listener_prices_refresh(listener=self)


class PricingTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PricingTier

    listener = factory.SubFactory(ApprovedListenerFactory, tier=False)
    medium = PricingTier.Medium.TEXT
    reply_window_seconds = 30
    price_per_hour_fen = 6000
    night_surcharge_percent = 200
    min_minutes = 15

    class Params:
        # For tests whose prices must not depend on the hour they run at (CI runs at night too).
        same_price_at_night = factory.Trait(night_surcharge_percent=0)


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    tier = factory.SubFactory(PricingTierFactory)
    minutes = 60
    discount_percent = 10
