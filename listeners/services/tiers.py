"""Pricing tiers (with the reply-window contract's terms) and packages."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from listeners.exceptions import ListenerError
from listeners.models import (
    MAX_NIGHT_SURCHARGE_PERCENT,
    MAX_PLAN_DISCOUNT_PERCENT,
    MAX_PRICE_PER_HOUR_FEN,
    MAX_REPLY_WINDOW_SECONDS,
    MIN_REPLY_WINDOW_SECONDS,
    ListenerProfile,
    Package,
    PricingTier,
)
from listeners.pricing import MAX_QUOTE_MINUTES
from listeners.services.catalogue import listener_prices_refresh
from marketplace.exceptions import NotFound

MAX_TIERS_PER_LISTENER = 10
MAX_PACKAGES_PER_TIER = 6

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
    # Pay as you go: offered per minute, at these prices or (None) derived from the hour's.
    "per_minute",
    "minute_price_fen",
    "night_minute_price_fen",
    # Weekly and monthly plans: offered at this discount, or (None) not offered.
    "week_plan_discount_percent",
    "month_plan_discount_percent",
)
_MINUTE_PRICES = ("minute_price_fen", "night_minute_price_fen")
_PLAN_DISCOUNTS = ("week_plan_discount_percent", "month_plan_discount_percent")


class _IntTerm(NamedTuple):
    """How `_tier_clean` checks one integer field."""

    bounds: tuple[int, int]  # inclusive
    message: str  # a msgid: translated when checked, in the request's language
    code: str
    # The numbers the message shows; by default the bounds as %(low)d and %(high)d
    # (the latter also as %(max)d).
    shown: dict[str, int] | None = None


# Checked in this order: it decides which error a request with several bad fields gets.
# A new integer term is one row here (plus TIER_FIELDS and the model field).
_INT_TERMS: dict[str, _IntTerm] = {
    "reply_window_seconds": _IntTerm(
        (MIN_REPLY_WINDOW_SECONDS, MAX_REPLY_WINDOW_SECONDS),
        gettext_noop("The reply window must be between %(low)d and %(high)d seconds."),
        "reply_window_invalid",
    ),
    "price_per_hour_fen": _IntTerm(
        (1, MAX_PRICE_PER_HOUR_FEN),
        gettext_noop("The price per hour must be between ¥0.01 and ¥%(max)d."),
        "price_invalid",
        shown={"max": MAX_PRICE_PER_HOUR_FEN // 100},  # in yuan
    ),
    "night_surcharge_percent": _IntTerm(
        (0, MAX_NIGHT_SURCHARGE_PERCENT),
        gettext_noop("The night surcharge must be between 0 %% and %(max)d %%."),
        "night_surcharge_invalid",
    ),
    "min_minutes": _IntTerm(
        (1, MAX_QUOTE_MINUTES),
        gettext_noop("Minimum minutes must be between 1 and %(max)d."),
        "min_minutes_invalid",
    ),
    # The reply-window contract's terms (the model's validators say the same for the admin).
    "breach_refund_percent": _IntTerm(
        (1, 50),
        gettext_noop("The refund per missed reply must be between %(low)d %% and %(high)d %%."),
        "breach_terms_invalid",
    ),
    "breach_refund_cap_percent": _IntTerm(
        (1, 100),
        gettext_noop("The cap on missed-reply refunds must be between %(low)d %% and %(high)d %%."),
        "breach_terms_invalid",
    ),
    "breach_termination_count": _IntTerm(
        (1, 10),
        gettext_noop(
            "The number of missed replies in a row that ends a session must be between "
            "%(low)d and %(high)d."
        ),
        "breach_terms_invalid",
    ),
}
# The contract terms' bounds (the page form shows them in its labels).
BREACH_TERM_BOUNDS = {
    name: term.bounds for name, term in _INT_TERMS.items() if term.code == "breach_terms_invalid"
}


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


def _nullable_term(name: str, value: Any) -> int:
    """A minute price or a plan discount that is given (not None), checked."""
    if name in _MINUTE_PRICES:
        return _int(
            value,
            message=_("A price per minute must be between ¥0.01 and ¥%(max)d.")
            % {"max": MAX_PRICE_PER_HOUR_FEN // 100},
            code="minute_price_invalid",
            low=1,
            high=MAX_PRICE_PER_HOUR_FEN,
        )
    return _int(
        value,
        message=_("A plan discount must be between 0 %% and %(max)d %%.")
        % {"max": MAX_PLAN_DISCOUNT_PERCENT},
        code="plan_discount_invalid",
        low=0,
        high=MAX_PLAN_DISCOUNT_PERCENT,
    )


def _tier_clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(TIER_FIELDS)
    if unknown:
        raise TypeError(f"unknown tier fields: {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    if "medium" in fields:
        if fields["medium"] not in PricingTier.Medium.values:
            raise ListenerError(_("Unknown medium."), code="medium_invalid")
        cleaned["medium"] = fields["medium"]
    if "is_active" in fields:
        cleaned["is_active"] = bool(fields["is_active"])
    if "per_minute" in fields:
        cleaned["per_minute"] = bool(fields["per_minute"])
    for name in (*_MINUTE_PRICES, *_PLAN_DISCOUNTS):
        if name in fields:  # None: derived from the hourly price, or the plan not offered
            cleaned[name] = None if fields[name] is None else _nullable_term(name, fields[name])
    for name, term in _INT_TERMS.items():
        if name in fields:
            low, high = term.bounds
            shown = term.shown or {"low": low, "high": high, "max": high}
            cleaned[name] = _int(
                fields[name],
                message=_(term.message) % shown,
                code=term.code,
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
