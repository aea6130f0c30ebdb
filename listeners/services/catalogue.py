"""The catalogue's copies on the stats row, measured figures, and client interests."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from listeners.exceptions import ListenerError
from listeners.models import (
    PRESENCE_RANK,
    ClientInterest,
    ListenerProfile,
    ListenerStats,
    PricingTier,
    Tag,
)
from listeners.pricing import night_rate_fen
from listeners.services.common import MAX_TAGS_PER_LISTENER, _tags_resolve
from marketplace.models import User


def languages_key(languages: list[str]) -> str:
    """[\"zh\", \"en\"] -> ",zh,en," (what the catalogue's language filter matches)."""
    return "," + ",".join(languages) + "," if languages else ""


def tags_key(tag_ids: list[int]) -> str:
    """[3, 7] -> ",3,7," (what the catalogue's tag filter and interest ranking match)."""
    return "," + ",".join(str(tag_id) for tag_id in sorted(tag_ids)) + "," if tag_ids else ""


def listener_catalogue_sync(*, listener_id: int) -> None:
    """Recompute the catalogue's copies on the listener's stats row from the truth: the
    profile (listed = approved with an active text tier, presence, night orders,
    languages), the cheapest active text tier's day and night prices and the shortest
    reply window, and the tag ids. Every service that changes one of those sources calls
    it in the same transaction; it is idempotent, so calling it again is always safe.

    Locks the profile row first, so a concurrent presence or settings change cannot be
    overwritten by an older copy."""
    with transaction.atomic():
        profile = (
            ListenerProfile.objects.select_for_update()
            .filter(pk=listener_id)
            .values("verification", "presence", "takes_night_orders", "languages")
            .first()
        )
        if profile is None:
            return
        tiers = list(
            PricingTier.objects.filter(
                listener_id=listener_id, is_active=True, medium=PricingTier.Medium.TEXT
            ).values_list("price_per_hour_fen", "night_surcharge_percent", "reply_window_seconds")
        )
        tag_ids = sorted(
            ListenerProfile.tags.through.objects.filter(listenerprofile_id=listener_id).values_list(
                "tag_id", flat=True
            )
        )
        fields: dict[str, Any] = {
            "from_price_day_fen": None,
            "from_price_night_fen": None,
            "min_reply_window_seconds": None,
        }
        if tiers:
            fields["from_price_day_fen"] = min(price for price, _s, _w in tiers)
            fields["from_price_night_fen"] = min(night_rate_fen(p, s) for p, s, _w in tiers)
            fields["min_reply_window_seconds"] = min(window for _p, _s, window in tiers)
        fields.update(
            is_listed=bool(tiers)
            and profile["verification"] == ListenerProfile.Verification.APPROVED,
            presence_rank=PRESENCE_RANK[profile["presence"]],
            takes_night_orders=profile["takes_night_orders"],
            languages_key=languages_key(profile["languages"]),
            tags_key=tags_key(tag_ids),
            updated_at=timezone.now(),
        )
        ListenerStats.objects.update_or_create(listener_id=listener_id, defaults=fields)


def listener_prices_refresh(*, listener: ListenerProfile) -> None:
    """After a tier change: the from-prices and everything else the catalogue copies."""
    listener_catalogue_sync(listener_id=listener.pk)


STATS_FIELDS = frozenset(
    {
        "rating_avg",
        "rating_count",
        "positive_count",
        "reply_count_30d",
        "reply_p50_ms",
        "reply_p95_ms",
        "reply_within_window_permille",
        "breach_count_30d",
    }
)


def quality_score(stats: ListenerStats) -> int:
    """0-1500: a Bayesian rating (5 phantom 4-star reviews, so one 5-star review does not
    top the list) worth up to 1000, plus up to 500 for replies within the window
    (unknown counts as half), minus 5 per breach in 30 days (at most 250)."""
    count = stats.rating_count or 0
    avg = Decimal(stats.rating_avg or 0)
    bayes = (avg * count + Decimal(4 * 5)) / (count + 5)
    score = int((bayes * 200).to_integral_value(ROUND_HALF_UP))
    permille = stats.reply_within_window_permille
    score += (permille if permille is not None else 500) // 2
    score -= min((stats.breach_count_30d or 0) * 5, 250)
    return score


def listener_stats_update(*, listener: ListenerProfile, **fields: Any) -> None:
    """Write measured figures (reviews, reply clocks) for the catalogue.

    Accepted fields: rating_avg (Decimal/int/float 1-5, or None), rating_count,
    positive_count, reply_count_30d, reply_p50_ms, reply_p95_ms (None = no data),
    reply_within_window_permille (0-1000 or None), breach_count_30d. Unknown names raise
    TypeError. The recommended-sort quality score is recomputed in the same write.
    """
    unknown = set(fields) - STATS_FIELDS
    if unknown:
        raise TypeError(f"unknown stats fields: {sorted(unknown)}")
    if fields.get("rating_avg") is not None:
        rating = Decimal(str(fields["rating_avg"])).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if not Decimal(1) <= rating <= Decimal(5):
            raise ValueError("rating_avg must be between 1 and 5")
        fields["rating_avg"] = rating
    permille = fields.get("reply_within_window_permille")
    if permille is not None and not 0 <= permille <= 1000:
        raise ValueError("reply_within_window_permille must be 0-1000")
    for name in STATS_FIELDS - {"rating_avg", "reply_within_window_permille"}:
        if fields.get(name) is not None and fields[name] < 0:
            raise ValueError(f"{name} must not be negative")
    with transaction.atomic():
        ListenerStats.objects.get_or_create(listener_id=listener.pk)
        stats = ListenerStats.objects.select_for_update().get(listener_id=listener.pk)
        for name, value in fields.items():
            setattr(stats, name, value)
        stats.quality_score = quality_score(stats)
        stats.updated_at = timezone.now()
        stats.save(update_fields=[*fields, "quality_score", "updated_at"])


# --- Client interests -------------------------------------------------------------------


def client_interests_set(*, user: User, tag_slugs: list[str]) -> list[Tag]:
    """Replace the client's interest tags (used by the "recommended" sort)."""
    tags = _tags_resolve(tag_slugs=tag_slugs)
    if len(tags) > MAX_TAGS_PER_LISTENER:
        raise ListenerError(
            _("Choose at most %(n)d tags.") % {"n": MAX_TAGS_PER_LISTENER}, code="tags_too_many"
        )
    with transaction.atomic():
        ClientInterest.objects.filter(user=user).filter(~Q(tag__in=tags)).delete()
        have = set(ClientInterest.objects.filter(user=user).values_list("tag_id", flat=True))
        ClientInterest.objects.bulk_create(
            [ClientInterest(user=user, tag=tag) for tag in tags if tag.pk not in have]
        )
    return tags
