"""Listener writes: applying, verification, settings, tiers and packages, stats, interests.

Every function takes keyword-only arguments, validates before writing, and raises
ListenerError (a DomainError) with a translated message when it refuses; a refused call
changes nothing.
"""

from __future__ import annotations

from datetime import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from listeners.exceptions import ListenerError
from listeners.models import (
    MAX_NIGHT_SURCHARGE_PERCENT,
    MAX_PRICE_PER_HOUR_FEN,
    MAX_REPLY_WINDOW_SECONDS,
    MIN_REPLY_WINDOW_SECONDS,
    PRESENCE_RANK,
    ClientInterest,
    ListenerProfile,
    ListenerStats,
    Package,
    PricingTier,
    Tag,
)
from listeners.pricing import MAX_QUOTE_MINUTES, night_rate_fen
from listeners.validation import avatar_process, id_number_clean, id_number_mask, languages_clean
from marketplace.exceptions import NotFound
from marketplace.models import User

MAX_TAGS_PER_LISTENER = 8
MAX_TIERS_PER_LISTENER = 10
MAX_PACKAGES_PER_TIER = 6


# --- Tags -------------------------------------------------------------------------------


def _tags_resolve(*, tag_slugs: list[str] | None = None, tag_ids: list[int] | None = None):
    """Tags by slug or id; refuses unknown ones (the message names them)."""
    if tag_slugs is not None:
        wanted = list(dict.fromkeys(tag_slugs))
        found = {t.slug: t for t in Tag.objects.filter(slug__in=wanted)}
    else:
        wanted = list(dict.fromkeys(tag_ids or []))
        found = {t.pk: t for t in Tag.objects.filter(pk__in=wanted)}
    unknown = [str(value) for value in wanted if value not in found]
    if unknown:
        raise ListenerError(
            _("Unknown tag: %(tags)s.") % {"tags": ", ".join(unknown)[:100]}, code="tag_unknown"
        )
    return [found[value] for value in wanted]


def _tags_check_count(tags: list[Tag]) -> None:
    if not tags:
        raise ListenerError(_("Choose at least one specialty tag."), code="tags_required")
    if len(tags) > MAX_TAGS_PER_LISTENER:
        raise ListenerError(
            _("Choose at most %(n)d tags.") % {"n": MAX_TAGS_PER_LISTENER}, code="tags_too_many"
        )


def languages_key(languages: list[str]) -> str:
    """[\"zh\", \"en\"] -> ",zh,en," (what the catalogue's language filter matches)."""
    return "," + ",".join(languages) + "," if languages else ""


def tags_key(tag_ids: list[int]) -> str:
    """[3, 7] -> ",3,7," (what the catalogue's tag filter and interest ranking match)."""
    return "," + ",".join(str(tag_id) for tag_id in sorted(tag_ids)) + "," if tag_ids else ""


# --- Applying and verification ----------------------------------------------------------


def _text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ListenerError(_("%(field)s is required.") % {"field": field}, code="required")
    if len(value) > max_length:
        raise ListenerError(
            _("%(field)s is too long (at most %(n)d characters).")
            % {"field": field, "n": max_length},
            code="too_long",
        )
    return value


def listener_apply(
    *,
    user: User,
    display_name: str,
    bio: str,
    languages: list[str],
    tag_slugs: list[str],
    legal_name: str,
    id_number: str,
    avatar=None,
) -> ListenerProfile:
    """A signed-up user applies to be a listener. A rejected applicant may apply again;
    a pending or approved one may not. The profile waits for staff review."""
    if user.is_staff:
        raise ListenerError(_("Staff accounts cannot apply as listeners."), code="staff")
    fields: dict[str, Any] = {
        "display_name": _text(display_name, field=_("Display name"), max_length=40),
        "bio": _text(bio, field=_("Bio"), max_length=2000, required=False),
        "languages": languages_clean(languages),
        "legal_name": _text(legal_name, field=_("Legal name"), max_length=40),
    }
    if not fields["languages"]:
        raise ListenerError(_("Choose at least one language."), code="languages_required")
    number = id_number_clean(id_number)
    fields["id_number"] = number
    fields["id_number_masked"] = id_number_mask(number)
    tags = _tags_resolve(tag_slugs=tag_slugs)
    _tags_check_count(tags)
    avatar_file = avatar_process(avatar) if avatar is not None else None

    with transaction.atomic():
        existing = ListenerProfile.objects.select_for_update().filter(user=user).first()
        if existing is not None and existing.verification != ListenerProfile.Verification.REJECTED:
            raise ListenerError(
                _("You have already applied; your application is %(status)s.")
                % {"status": existing.get_verification_display()},
                code="already_applied",
            )
        profile = existing or ListenerProfile(user=user)
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.verification = ListenerProfile.Verification.PENDING
        profile.rejection_reason = ""
        profile.verified_at = None
        if avatar_file is not None:
            profile.avatar.save(avatar_file.name, avatar_file, save=False)
        profile.save()
        profile.tags.set(tags)
        listener_catalogue_sync(listener_id=profile.pk)
    return profile


def listener_approve(*, listener: ListenerProfile, by: User) -> ListenerProfile:
    """Staff approve an application: the profile appears in the catalogue and the user
    becomes a listener."""
    if not by.is_staff:
        raise ListenerError(_("Only staff can review applications."), code="forbidden")
    with transaction.atomic():
        profile = ListenerProfile.objects.select_for_update().get(pk=listener.pk)
        profile.verification = ListenerProfile.Verification.APPROVED
        profile.rejection_reason = ""
        profile.verified_at = timezone.now()
        profile.save(update_fields=["verification", "rejection_reason", "verified_at"])
        User.objects.filter(pk=profile.user_id, is_staff=False).update(role=User.Role.LISTENER)
        listener_catalogue_sync(listener_id=profile.pk)
        listener_stats_update(listener=profile)  # the quality score of a newcomer
    return profile


def listener_reject(*, listener: ListenerProfile, by: User, reason: str) -> ListenerProfile:
    """Staff reject an application (or withdraw an approval) with a reason the applicant
    sees. The profile leaves the catalogue and goes offline."""
    if not by.is_staff:
        raise ListenerError(_("Only staff can review applications."), code="forbidden")
    reason = _text(reason, field=_("Reason"), max_length=500)
    with transaction.atomic():
        profile = ListenerProfile.objects.select_for_update().get(pk=listener.pk)
        profile.verification = ListenerProfile.Verification.REJECTED
        profile.rejection_reason = reason
        profile.verified_at = None
        profile.presence = ListenerProfile.Presence.OFFLINE
        profile.save(update_fields=["verification", "rejection_reason", "verified_at", "presence"])
        listener_catalogue_sync(listener_id=profile.pk)
    return profile


# --- Profile and settings ---------------------------------------------------------------


def listener_profile_update(
    *,
    listener: ListenerProfile,
    display_name: str,
    bio: str,
    languages: list[str],
    tag_slugs: list[str],
    avatar=None,
) -> ListenerProfile:
    """The listener edits what clients see. The real-name fields are not editable."""
    display_name = _text(display_name, field=_("Display name"), max_length=40)
    bio = _text(bio, field=_("Bio"), max_length=2000, required=False)
    langs = languages_clean(languages)
    if not langs:
        raise ListenerError(_("Choose at least one language."), code="languages_required")
    tags = _tags_resolve(tag_slugs=tag_slugs)
    _tags_check_count(tags)
    avatar_file = avatar_process(avatar) if avatar is not None else None
    with transaction.atomic():
        profile = ListenerProfile.objects.select_for_update().get(pk=listener.pk)
        profile.display_name, profile.bio, profile.languages = display_name, bio, langs
        if avatar_file is not None:
            profile.avatar.save(avatar_file.name, avatar_file, save=False)
        profile.save(update_fields=["display_name", "bio", "languages", "avatar"])
        profile.tags.set(tags)
        listener_catalogue_sync(listener_id=profile.pk)
    return profile


def listener_settings_update(
    *,
    listener: ListenerProfile,
    presence: str,
    max_concurrent_chats: int,
    takes_night_orders: bool,
    night_start: time | None,
    night_end: time | None,
) -> ListenerProfile:
    """Status, capacity and night preferences. Only approved listeners may go online."""
    if presence not in ListenerProfile.Presence.values:
        raise ListenerError(_("Unknown status."), code="presence_invalid")
    if isinstance(max_concurrent_chats, bool) or not 1 <= int(max_concurrent_chats) <= 10:
        raise ListenerError(
            _("Maximum concurrent chats must be between 1 and 10."), code="max_chats_invalid"
        )
    if (night_start is None) != (night_end is None):
        raise ListenerError(
            _("Set both ends of your night window, or neither to use the platform's."),
            code="night_window_invalid",
        )
    if night_start is not None and night_start == night_end:
        raise ListenerError(
            _("The night window must not start and end at the same time."),
            code="night_window_invalid",
        )
    with transaction.atomic():
        profile = ListenerProfile.objects.select_for_update().get(pk=listener.pk)
        if presence != ListenerProfile.Presence.OFFLINE and not profile.is_approved:
            raise ListenerError(
                _("You can go online once your application is approved."), code="not_approved"
            )
        profile.presence = presence
        profile.max_concurrent_chats = int(max_concurrent_chats)
        profile.takes_night_orders = bool(takes_night_orders)
        profile.night_start, profile.night_end = night_start, night_end
        profile.save(
            update_fields=[
                "presence",
                "max_concurrent_chats",
                "takes_night_orders",
                "night_start",
                "night_end",
            ]
        )
        listener_catalogue_sync(listener_id=profile.pk)
    return profile


def listener_presence_set(*, listener: ListenerProfile, presence: str) -> None:
    """Just the status (online / busy / offline), e.g. from the dashboard."""
    if presence not in ListenerProfile.Presence.values:
        raise ListenerError(_("Unknown status."), code="presence_invalid")
    if presence != ListenerProfile.Presence.OFFLINE and not listener.is_approved:
        raise ListenerError(
            _("You can go online once your application is approved."), code="not_approved"
        )
    listener_presence_store(listener_id=listener.pk, presence=presence)
    listener.presence = presence


def listener_presence_store(*, listener_id: int, presence: str) -> bool:
    """Store a presence decided elsewhere (e.g. from the listener's live chat sockets) on
    the profile and on the catalogue's stats row, in one transaction; writes nothing
    when it is unchanged. Returns whether it changed. No approval check: callers decide."""
    if presence not in ListenerProfile.Presence.values:
        raise ListenerError(_("Unknown status."), code="presence_invalid")
    with transaction.atomic():
        # The profile row's lock (taken by the UPDATE) orders this against
        # listener_catalogue_sync, which locks the same row before copying presence.
        changed = (
            ListenerProfile.objects.filter(pk=listener_id)
            .exclude(presence=presence)
            .update(presence=presence)
        )
        if changed:
            ListenerStats.objects.filter(listener_id=listener_id).update(
                presence_rank=PRESENCE_RANK[presence]
            )
    return bool(changed)


# --- Tiers and packages -----------------------------------------------------------------

TIER_FIELDS = (
    "medium",
    "reply_window_seconds",
    "price_per_hour_fen",
    "night_surcharge_percent",
    "min_minutes",
    "is_active",
    # The reply-window contract's terms (copied onto each order at booking).
    "breach_refund_percent",
    "breach_refund_cap_percent",
    "breach_termination_count",
)
# Bounds of the contract terms (the model's validators say the same for the admin).
BREACH_TERM_BOUNDS = {
    "breach_refund_percent": (1, 50),
    "breach_refund_cap_percent": (1, 100),
    "breach_termination_count": (1, 10),
}


def _breach_term_message(name: str) -> str:
    """The refusal of one contract term, naming the term (translated, with %(low)d and
    %(high)d left to fill)."""
    if name == "breach_refund_percent":
        return _("The refund per missed reply must be between %(low)d %% and %(high)d %%.")
    if name == "breach_refund_cap_percent":
        return _("The cap on missed-reply refunds must be between %(low)d %% and %(high)d %%.")
    return _(
        "The number of missed replies in a row that ends a session must be between "
        "%(low)d and %(high)d."
    )


def _int(value: Any, *, message: str, code: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ListenerError(message, code=code)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ListenerError(message, code=code) from None
    if number != value and not isinstance(value, str):
        raise ListenerError(message, code=code)
    if not low <= number <= high:
        raise ListenerError(message, code=code)
    return number


def _tier_clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(TIER_FIELDS)
    if unknown:
        raise TypeError(f"unknown tier fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    if "medium" in fields:
        if fields["medium"] not in PricingTier.Medium.values:
            raise ListenerError(_("Unknown medium."), code="medium_invalid")
        cleaned["medium"] = fields["medium"]
    if "reply_window_seconds" in fields:
        cleaned["reply_window_seconds"] = _int(
            fields["reply_window_seconds"],
            message=_("The reply window must be between %(low)d and %(high)d seconds.")
            % {"low": MIN_REPLY_WINDOW_SECONDS, "high": MAX_REPLY_WINDOW_SECONDS},
            code="reply_window_invalid",
            low=MIN_REPLY_WINDOW_SECONDS,
            high=MAX_REPLY_WINDOW_SECONDS,
        )
    if "price_per_hour_fen" in fields:
        cleaned["price_per_hour_fen"] = _int(
            fields["price_per_hour_fen"],
            message=_("The price per hour must be between ¥0.01 and ¥%(max)d.")
            % {"max": MAX_PRICE_PER_HOUR_FEN // 100},
            code="price_invalid",
            low=1,
            high=MAX_PRICE_PER_HOUR_FEN,
        )
    if "night_surcharge_percent" in fields:
        cleaned["night_surcharge_percent"] = _int(
            fields["night_surcharge_percent"],
            message=_("The night surcharge must be between 0 %% and %(max)d %%.")
            % {"max": MAX_NIGHT_SURCHARGE_PERCENT},
            code="night_surcharge_invalid",
            low=0,
            high=MAX_NIGHT_SURCHARGE_PERCENT,
        )
    if "min_minutes" in fields:
        cleaned["min_minutes"] = _int(
            fields["min_minutes"],
            message=_("Minimum minutes must be between 1 and %(max)d.")
            % {"max": MAX_QUOTE_MINUTES},
            code="min_minutes_invalid",
            low=1,
            high=MAX_QUOTE_MINUTES,
        )
    if "is_active" in fields:
        cleaned["is_active"] = bool(fields["is_active"])
    for name, (low, high) in BREACH_TERM_BOUNDS.items():
        if name in fields:
            cleaned[name] = _int(
                fields[name],
                message=_breach_term_message(name) % {"low": low, "high": high},
                code="breach_terms_invalid",
                low=low,
                high=high,
            )
    percent = cleaned.get("breach_refund_percent")
    cap = cleaned.get("breach_refund_cap_percent")
    if percent is not None and cap is not None and cap < percent:
        raise ListenerError(
            _("The refund cap cannot be below the refund per missed reply."),
            code="breach_terms_invalid",
        )
    return cleaned


def access_tier_for_listener(*, listener: ListenerProfile, tier_id: Any) -> PricingTier:
    """The listener's own tier, or NotFound (another listener's tier is indistinguishable
    from a missing one)."""
    try:
        return PricingTier.objects.select_related("listener").get(
            pk=int(tier_id), listener=listener
        )
    except (PricingTier.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("No such pricing tier.")) from None


def tier_create(*, listener: ListenerProfile, **fields: Any) -> PricingTier:
    """A new tier; `reply_window_seconds` and `price_per_hour_fen` are required."""
    cleaned = _tier_clean(fields)
    for required in ("reply_window_seconds", "price_per_hour_fen"):
        if required not in cleaned:
            raise ListenerError(_("Reply window and price are required."), code="required")
    with transaction.atomic():
        ListenerProfile.objects.select_for_update().get(pk=listener.pk)
        if PricingTier.objects.filter(listener=listener).count() >= MAX_TIERS_PER_LISTENER:
            raise ListenerError(
                _("A listener can have at most %(n)d pricing tiers.")
                % {"n": MAX_TIERS_PER_LISTENER},
                code="too_many_tiers",
            )
        tier = PricingTier.objects.create(listener=listener, **cleaned)
        listener_prices_refresh(listener=listener)
    return tier


def tier_update(*, listener: ListenerProfile, tier_id: Any, **fields: Any) -> PricingTier:
    """Edit one of the listener's own tiers. Orders already placed keep their quote."""
    cleaned = _tier_clean(fields)
    with transaction.atomic():
        tier = access_tier_for_listener(listener=listener, tier_id=tier_id)
        tier = PricingTier.objects.select_for_update().get(pk=tier.pk)
        for name, value in cleaned.items():
            setattr(tier, name, value)
        tier.save(update_fields=list(cleaned) or None)
        listener_prices_refresh(listener=listener)
    return tier


def tier_delete(*, listener: ListenerProfile, tier_id: Any) -> None:
    """Tiers that orders point at are only deactivated; unused ones are deleted."""
    with transaction.atomic():
        tier = access_tier_for_listener(listener=listener, tier_id=tier_id)
        try:
            with transaction.atomic():
                tier.delete()
        except ProtectedError:
            PricingTier.objects.filter(pk=tier.pk).update(is_active=False)
        listener_prices_refresh(listener=listener)


def _package_clean(*, minutes: Any, discount_percent: Any) -> tuple[int, int]:
    minutes = _int(
        minutes,
        message=_("A package lasts between 1 minute and 24 hours."),
        code="package_minutes_invalid",
        low=1,
        high=MAX_QUOTE_MINUTES,
    )
    discount = _int(
        discount_percent,
        message=_("A package discount is between 0 %% and 90 %%."),
        code="package_discount_invalid",
        low=0,
        high=90,
    )
    return minutes, discount


def package_create(
    *, listener: ListenerProfile, tier_id: Any, minutes: Any, discount_percent: Any = 0
) -> Package:
    minutes, discount = _package_clean(minutes=minutes, discount_percent=discount_percent)
    with transaction.atomic():
        tier = access_tier_for_listener(listener=listener, tier_id=tier_id)
        PricingTier.objects.select_for_update().get(pk=tier.pk)
        if tier.packages.count() >= MAX_PACKAGES_PER_TIER:
            raise ListenerError(
                _("A tier can have at most %(n)d packages.") % {"n": MAX_PACKAGES_PER_TIER},
                code="too_many_packages",
            )
        if tier.packages.filter(minutes=minutes).exists():
            raise ListenerError(
                _("This tier already has a %(m)d-minute package.") % {"m": minutes},
                code="package_exists",
            )
        return Package.objects.create(tier=tier, minutes=minutes, discount_percent=discount)


def package_delete(*, listener: ListenerProfile, package_id: Any) -> None:
    try:
        package = Package.objects.get(pk=int(package_id), tier__listener=listener)
    except (Package.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("No such package.")) from None
    package.delete()


# --- Catalogue figures ------------------------------------------------------------------


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
