"""The catalogue query: ordering edge cases, card tags, pagination without a count, and
(on PostgreSQL) that every sort is served by its index."""

from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict

from listeners import selectors, services
from listeners.models import ListenerProfile
from tests.factories import StaffUserFactory
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory, TagFactory

pytestmark = pytest.mark.django_db


def page_ids(query: str = "", interest_tag_ids=()) -> list[int]:
    filters = selectors.catalogue_filters_parse(QueryDict(query))
    page = selectors.listener_catalogue_page(filters=filters, interest_tag_ids=interest_tag_ids)
    return [listener.pk for listener in page.listeners]


def test_recommended_ranks_online_then_busy_then_offline_and_follows_presence_changes():
    # given
    offline = ApprovedListenerFactory(presence=ListenerProfile.Presence.OFFLINE)
    busy = ApprovedListenerFactory(presence=ListenerProfile.Presence.BUSY)
    online = ApprovedListenerFactory(presence=ListenerProfile.Presence.ONLINE)
    assert page_ids() == [online.pk, busy.pk, offline.pk]
    # when
    services.listener_presence_store(listener_id=offline.pk, presence="online")
    services.listener_presence_store(listener_id=online.pk, presence="offline")
    # then
    assert page_ids() == [offline.pk, busy.pk, online.pk]
    assert page_ids("online=1") == [offline.pk]


def test_recommended_within_a_presence_ranks_by_quality_then_id():
    # given
    plain = ApprovedListenerFactory()
    loved = ApprovedListenerFactory()
    twin = ApprovedListenerFactory()
    services.listener_stats_update(listener=loved, rating_avg=5, rating_count=40)
    # then: equal scores fall back to the id
    assert page_ids() == [loved.pk, plain.pk, twin.pk]


def test_rating_sort_puts_unrated_last_and_breaks_ties_by_count():
    # given
    unrated = ApprovedListenerFactory()
    few = ApprovedListenerFactory()
    many = ApprovedListenerFactory()
    best = ApprovedListenerFactory()
    services.listener_stats_update(listener=few, rating_avg=Decimal("4.50"), rating_count=2)
    services.listener_stats_update(listener=many, rating_avg=Decimal("4.50"), rating_count=90)
    services.listener_stats_update(listener=best, rating_avg=Decimal("4.90"), rating_count=1)
    # then
    assert page_ids("sort=rating") == [best.pk, many.pk, few.pk, unrated.pk]


def test_interest_overlap_counts_matching_tags(tags):
    # given
    one = ApprovedListenerFactory(tags=[tags["family"]])
    two = ApprovedListenerFactory(tags=[tags["family"], tags["late-night"]])
    none = ApprovedListenerFactory(tags=[tags["gaming"]])
    interests = [tags["family"].pk, tags["late-night"].pk]
    # then
    assert page_ids(interest_tag_ids=interests) == [two.pk, one.pk, none.pk]
    # a sort other than "recommended" ignores interests
    assert page_ids("sort=price", interest_tag_ids=interests) == [one.pk, two.pk, none.pk]


def test_tag_filter_needs_every_tag_and_never_matches_part_of_another_id(tags):
    # given: a tag whose id starts and ends with the digits of another's
    first = min((t for s, t in tags.items() if s not in ("family", "gaming")), key=lambda t: t.pk)
    lookalike = TagFactory(id=int(f"{first.pk}00{first.pk}"), slug="lookalike")
    both = ApprovedListenerFactory(tags=[tags["family"], tags["gaming"]])
    ApprovedListenerFactory(tags=[tags["family"]])
    ApprovedListenerFactory(tags=[lookalike])
    # then
    assert page_ids("tag=family&tag=gaming") == [both.pk]
    assert page_ids(f"tag={first.slug}") == []


def test_unlisted_listeners_never_appear():
    # given
    listed = ApprovedListenerFactory()
    withdrawn = ApprovedListenerFactory()
    services.listener_reject(listener=withdrawn, by=StaffUserFactory(), reason="x")
    voice_only = ApprovedListenerFactory(tier=False)
    PricingTierFactory(listener=voice_only, medium="voice")
    services.listener_prices_refresh(listener=voice_only)
    # then
    assert page_ids() == [listed.pk]


def test_pages_know_whether_a_next_page_exists_without_counting():
    # given
    listeners = [ApprovedListenerFactory() for _ in range(3)]
    # when
    pages = [
        selectors.listener_catalogue_page(
            filters=selectors.catalogue_filters_parse(QueryDict(f"sort=price&page_size=2&page={n}"))
        )
        for n in (1, 2, 3)
    ]
    # then
    assert [[row.pk for row in p.listeners] for p in pages] == [
        [listeners[0].pk, listeners[1].pk],
        [listeners[2].pk],
        [],
    ]
    assert [(p.has_previous, p.has_next) for p in pages] == [
        (False, True),
        (True, False),
        (True, False),
    ]


def test_cards_carry_their_tags_in_id_order(tags):
    # given
    listener = ApprovedListenerFactory(tags=[tags["gaming"], tags["breakups"]])
    # when
    page = selectors.listener_catalogue_page(filters=selectors.CatalogueFilters())
    # then
    expected = sorted([tags["gaming"], tags["breakups"]], key=lambda tag: tag.pk)
    assert [row.pk for row in page.listeners] == [listener.pk]
    assert page.listeners[0].card_tags == expected


# --- PostgreSQL: each sort reads its index ----------------------------------------------


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A test database is tiny, so forbid the alternatives: a sequential scan, and a
        # sort (which would mean no index gives the order).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("", "stats_recommended_idx"),
        ("tag=gaming&online=1&language=en&night=1&min_rating=4", "stats_recommended_idx"),
        ("sort=rating", "stats_rating_sort_idx"),
        ("sort=price&price_max_fen=5000&reply_within=30", "stats_price_sort_idx"),
        ("sort=reply_speed", "stats_reply_sort_idx"),
    ],
)
def test_each_sort_walks_its_index_without_sorting(tags, query, index):
    # given
    for _ in range(3):
        ApprovedListenerFactory(tags=[tags["gaming"]])
    filters = selectors.catalogue_filters_parse(QueryDict(query))
    # when
    text = plan(selectors.listener_catalogue_stats(filters=filters)[:21])
    # then
    assert index in text
    assert "Sort" not in text.split(index)[0], text
