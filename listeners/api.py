"""Listener API: the catalogue, profiles, quotes, applying, settings, tiers, interests.

Thin edges: parse, authorise, call one service or selector, render.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from listeners import selectors, services
from listeners.models import ListenerProfile, PricingTier
from listeners.pricing import LINE_LABELS, quote_build
from listeners.validation import LANGUAGE_CHOICES
from marketplace.api_parsers import BoundedJSONParser
from marketplace.api_schema import api_errors
from marketplace.exceptions import NotFound

# --- Output -----------------------------------------------------------------------------


def _avatar_url(listener: ListenerProfile) -> str | None:
    return listener.avatar.url if listener.avatar else None


def reply_speed_json(stats) -> dict[str, Any]:
    """Measured reply figures, or is_new=True when nothing has been measured yet."""
    if stats is None or stats.reply_p50_ms is None:
        return {"is_new": True, "p50_ms": None, "p95_ms": None, "within_window_permille": None}
    return {
        "is_new": False,
        "p50_ms": stats.reply_p50_ms,
        "p95_ms": stats.reply_p95_ms,
        "within_window_permille": stats.reply_within_window_permille,
        "replies_30d": stats.reply_count_30d,
        "breaches_30d": stats.breach_count_30d,
    }


def rating_json(stats) -> dict[str, Any] | None:
    if stats is None or not stats.rating_count or stats.rating_avg is None:
        return None
    return {
        "avg": str(stats.rating_avg),
        "count": stats.rating_count,
        "positive_count": stats.positive_count,
    }


def _card_tags(listener: ListenerProfile):
    """The catalogue sets `card_tags`; a profile has its tags prefetched."""
    tags = getattr(listener, "card_tags", None)
    return listener.tags.all() if tags is None else tags


def card_json(listener: ListenerProfile) -> dict[str, Any]:
    stats = getattr(listener, "stats", None)
    return {
        "id": listener.pk,
        "display_name": listener.display_name,
        "avatar_url": _avatar_url(listener),
        "url": reverse("listeners:profile", args=[listener.pk]),
        "presence": listener.presence,
        "languages": listener.languages,
        "takes_night_orders": listener.takes_night_orders,
        "tags": [{"slug": tag.slug, "name": tag.name} for tag in _card_tags(listener)],
        # Filtered by price or reply window: the lowest prices of the tiers that match.
        "from_price": {
            "day_per_hour_fen": getattr(listener, "match_day_fen", None)
            or (stats.from_price_day_fen if stats else None),
            "night_per_hour_fen": getattr(listener, "match_night_fen", None)
            or (stats.from_price_night_fen if stats else None),
        },
        "min_reply_window_seconds": stats.min_reply_window_seconds if stats else None,
        "rating": rating_json(stats),
        "reply_speed": reply_speed_json(stats),
    }


def tier_json(row: selectors.TierPrice) -> dict[str, Any]:
    tier = row.tier
    return {
        "id": tier.pk,
        "medium": tier.medium,
        "medium_label": str(tier.get_medium_display()),
        "bookable": row.bookable,
        "reply_window_seconds": tier.reply_window_seconds,
        "min_minutes": tier.min_minutes,
        "night_surcharge_percent": tier.night_surcharge_percent,
        "day_price_per_hour_fen": row.day_price_per_hour_fen,
        "night_price_per_hour_fen": row.night_price_per_hour_fen,
        "breach_refund_percent": tier.breach_refund_percent,
        "breach_refund_cap_percent": tier.breach_refund_cap_percent,
        "breach_termination_count": tier.breach_termination_count,
        "packages": [
            {
                "id": p.package.pk,
                "minutes": p.package.minutes,
                "discount_percent": p.package.discount_percent,
                "day_total_fen": p.day_total_fen,
                "night_total_fen": p.night_total_fen,
            }
            for p in row.packages
        ],
    }


def detail_json(listener: ListenerProfile) -> dict[str, Any]:
    data = card_json(listener)
    start, end = selectors.night_window_for(listener)
    data.update(
        bio=listener.bio,
        night_window=[start.strftime("%H:%M"), end.strftime("%H:%M")],
        max_concurrent_chats=listener.max_concurrent_chats,
        tiers=[tier_json(row) for row in selectors.pricing_table(listener=listener)],
        # Reviews are listed by the reviews API; the figures here come from the stats.
        reviews={"rating": rating_json(listener.stats), "items": []},
    )
    return data


# --- Catalogue and profile --------------------------------------------------------------

CATALOGUE_PARAMETERS = [
    OpenApiParameter("tag", str, many=True, description="tag slug; repeat for all of several"),
    OpenApiParameter("price_min_fen", int),
    OpenApiParameter("price_max_fen", int),
    OpenApiParameter("price_min", str, description="yuan, e.g. 38.5 (the page's form)"),
    OpenApiParameter("price_max", str, description="yuan"),
    OpenApiParameter("min_rating", str, description="1-5"),
    OpenApiParameter("reply_within", int, description="a tier's reply window at most N s"),
    OpenApiParameter("online", bool),
    OpenApiParameter("language", str, enum=[code for code, _l in LANGUAGE_CHOICES]),
    OpenApiParameter("night", bool, description="takes night orders"),
    OpenApiParameter("sort", str, enum=list(selectors.SORTS)),
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int, description="1-50"),
]


# Typed parameters: on the API an empty value (`night=`) is refused, as the schema says; the
# page's form (listeners/views.py) may send empty fields and reads them as unset.
CATALOGUE_TYPED_PARAMETERS = [p.name for p in CATALOGUE_PARAMETERS if p.type in (int, bool)]


def _refuse_empty_typed_parameters(request: Request) -> None:
    for name in CATALOGUE_TYPED_PARAMETERS:
        if "" in request.query_params.getlist(name):
            raise selectors.FilterError(_("The filter %(name)s needs a value.") % {"name": name})


def _page_link(request: Request, filters: selectors.CatalogueFilters, page: int) -> str:
    query = {**filters.as_query(), "page": page}
    return request.build_absolute_uri(f"{request.path}?{urlencode(query, doseq=True)}")


@extend_schema(
    operation_id="listeners_list", parameters=CATALOGUE_PARAMETERS, responses={200: None}
)
@api_view(["GET"])
@permission_classes([AllowAny])
def catalogue(request: Request) -> Response:
    _refuse_empty_typed_parameters(request)
    tags = list(selectors.tags_all())  # read once: for the tag filter and the cards
    filters = selectors.catalogue_filters_parse(request.query_params, tags=tags)
    result = selectors.listener_catalogue_page(
        filters=filters,
        interest_tag_ids=selectors.client_interest_tag_ids(user=request.user),
        tags=tags,
    )
    # No total count (see CataloguePage): `next` is null on the last page.
    return Response(
        {
            "page": result.page,
            "page_size": result.page_size,
            "next": _page_link(request, filters, result.page + 1) if result.has_next else None,
            "previous": (
                _page_link(request, filters, result.page - 1) if result.has_previous else None
            ),
            "results": [card_json(listener) for listener in result.listeners],
        }
    )


@extend_schema(responses={200: None})
@api_view(["GET"])
@permission_classes([AllowAny])
def detail(request: Request, listener_id: int) -> Response:
    return Response(detail_json(selectors.listener_profile_detail(listener_id=listener_id)))


# --- Quotes -----------------------------------------------------------------------------


class QuoteIn(serializers.Serializer):
    tier_id = serializers.IntegerField()
    start = serializers.DateTimeField(required=False)
    minutes = serializers.IntegerField(required=False, min_value=1, max_value=24 * 60)
    package_id = serializers.IntegerField(required=False)

    def validate(self, attrs):
        if ("minutes" in attrs) == ("package_id" in attrs):
            raise serializers.ValidationError(_("Choose either a number of minutes or a package."))
        return attrs


class QuoteByMinutesIn(serializers.Serializer):
    """A quote for a number of minutes (the schema's half of QuoteIn's rule)."""

    tier_id = serializers.IntegerField()
    start = serializers.DateTimeField(required=False)
    minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)


class QuoteByPackageIn(serializers.Serializer):
    """A quote for one of the tier's packages."""

    tier_id = serializers.IntegerField()
    start = serializers.DateTimeField(required=False)
    package_id = serializers.IntegerField()


# Documented as exactly one of the two shapes (oneOf): `minutes` or `package_id`, not both.
QUOTE_REQUEST = PolymorphicProxySerializer(
    component_name="QuoteIn",
    serializers=[QuoteByMinutesIn, QuoteByPackageIn],
    resource_type_field_name=None,
)


def quote_json(quote) -> dict[str, Any]:
    data = quote.to_json()
    for line in data["lines"]:
        line["label"] = str(LINE_LABELS[line["label_key"]])
    return data


@extend_schema(request=QUOTE_REQUEST, responses={200: None, **api_errors(404)})
@api_view(["POST"])
@permission_classes([AllowAny])
def quote(request: Request) -> Response:
    data = QuoteIn(data=request.data)
    data.is_valid(raise_exception=True)
    tier = selectors.tier_for_booking(tier_id=data.validated_data["tier_id"])
    package = None
    if "package_id" in data.validated_data:
        package = selectors.package_for_booking(
            tier=tier, package_id=data.validated_data["package_id"]
        )
    built = quote_build(
        tier=tier,
        start=data.validated_data.get("start") or timezone.now(),
        minutes=data.validated_data.get("minutes"),
        package=package,
    )
    return Response(quote_json(built))


# --- Applying, own profile, settings ----------------------------------------------------


class ApplyIn(serializers.Serializer):
    display_name = serializers.CharField(max_length=40)
    bio = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    languages = serializers.ListField(child=serializers.CharField(max_length=10), max_length=10)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), max_length=20)
    legal_name = serializers.CharField(max_length=40)
    id_number = serializers.CharField(max_length=30)
    avatar = serializers.FileField(required=False)


def own_json(listener: ListenerProfile) -> dict[str, Any]:
    start, end = selectors.night_window_for(listener)
    return {
        "id": listener.pk,
        "display_name": listener.display_name,
        "avatar_url": _avatar_url(listener),
        "bio": listener.bio,
        "languages": listener.languages,
        "tags": [tag.slug for tag in listener.tags.all()],
        "legal_name": listener.legal_name,
        "id_number": listener.id_number_masked,
        "verification": listener.verification,
        "rejection_reason": listener.rejection_reason,
        "presence": listener.presence,
        "max_concurrent_chats": listener.max_concurrent_chats,
        "takes_night_orders": listener.takes_night_orders,
        "night_start": listener.night_start.strftime("%H:%M") if listener.night_start else None,
        "night_end": listener.night_end.strftime("%H:%M") if listener.night_end else None,
        "night_window": [start.strftime("%H:%M"), end.strftime("%H:%M")],
        "tiers": [
            {
                "id": tier.pk,
                "medium": tier.medium,
                "reply_window_seconds": tier.reply_window_seconds,
                "price_per_hour_fen": tier.price_per_hour_fen,
                "night_surcharge_percent": tier.night_surcharge_percent,
                "min_minutes": tier.min_minutes,
                "is_active": tier.is_active,
                "week_plan_discount_percent": tier.week_plan_discount_percent,
                "month_plan_discount_percent": tier.month_plan_discount_percent,
                "packages": [
                    {"id": p.pk, "minutes": p.minutes, "discount_percent": p.discount_percent}
                    for p in tier.packages.all()
                ],
            }
            for tier in listener.tiers.order_by("id").prefetch_related("packages")
        ],
    }


def _own_profile(request: Request) -> ListenerProfile:
    listener = selectors.listener_of_user(user=request.user)
    if listener is None:
        raise NotFound(_("You have not applied as a listener."))
    return listener


@extend_schema(request=ApplyIn, responses={201: None})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
@parser_classes([MultiPartParser, FormParser, BoundedJSONParser])
def apply(request: Request) -> Response:
    data = ApplyIn(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    listener = services.listener_apply(
        user=request.user,
        display_name=values["display_name"],
        bio=values["bio"],
        languages=values["languages"],
        tag_slugs=values["tags"],
        legal_name=values["legal_name"],
        id_number=values["id_number"],
        avatar=values.get("avatar"),
    )
    return Response(own_json(listener), status=status.HTTP_201_CREATED)


class SettingsIn(serializers.Serializer):
    presence = serializers.ChoiceField(choices=ListenerProfile.Presence.choices)
    max_concurrent_chats = serializers.IntegerField(min_value=1, max_value=10)
    takes_night_orders = serializers.BooleanField()
    night_start = serializers.TimeField(required=False, allow_null=True, default=None)
    night_end = serializers.TimeField(required=False, allow_null=True, default=None)


@extend_schema(request=SettingsIn, responses={200: None, **api_errors(404)})
@api_view(["GET", "PUT"])
@permission_classes([IsAuthenticated])
def me(request: Request) -> Response:
    listener = _own_profile(request)
    if request.method == "PUT":
        data = SettingsIn(data=request.data)
        data.is_valid(raise_exception=True)
        listener = services.listener_settings_update(listener=listener, **data.validated_data)
    return Response(own_json(listener))


class TierIn(serializers.Serializer):
    medium = serializers.ChoiceField(choices=PricingTier.Medium.choices, required=False)
    reply_window_seconds = serializers.IntegerField()
    price_per_hour_fen = serializers.IntegerField()
    night_surcharge_percent = serializers.IntegerField(required=False)
    min_minutes = serializers.IntegerField(required=False)
    is_active = serializers.BooleanField(required=False)
    # The reply-window contract; the service checks the bounds and answers
    # {"code": "breach_terms_invalid"} with a message naming the term.
    breach_refund_percent = serializers.IntegerField(required=False)
    breach_refund_cap_percent = serializers.IntegerField(required=False)
    breach_termination_count = serializers.IntegerField(required=False)
    # Pay as you go; a price left null derives from the hourly price (docs/payments.md).
    per_minute = serializers.BooleanField(required=False)
    minute_price_fen = serializers.IntegerField(required=False, allow_null=True)
    night_minute_price_fen = serializers.IntegerField(required=False, allow_null=True)
    # Weekly / monthly plans: the discount, or null when not offered.
    week_plan_discount_percent = serializers.IntegerField(required=False, allow_null=True)
    month_plan_discount_percent = serializers.IntegerField(required=False, allow_null=True)


class TierPatchIn(TierIn):
    reply_window_seconds = serializers.IntegerField(required=False)
    price_per_hour_fen = serializers.IntegerField(required=False)


@extend_schema(request=TierIn, responses={201: None, **api_errors(404)})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def tiers(request: Request) -> Response:
    listener = _own_profile(request)
    data = TierIn(data=request.data)
    data.is_valid(raise_exception=True)
    services.tier_create(listener=listener, **data.validated_data)
    return Response(own_json(listener), status=status.HTTP_201_CREATED)


@extend_schema(request=TierPatchIn, responses={200: None})
@api_view(["PATCH", "DELETE"])
@permission_classes([IsAuthenticated])
def tier(request: Request, tier_id: int) -> Response:
    listener = _own_profile(request)
    if request.method == "DELETE":
        services.tier_delete(listener=listener, tier_id=tier_id)
        return Response(own_json(listener))
    data = TierPatchIn(data=request.data, partial=True)
    data.is_valid(raise_exception=True)
    services.tier_update(listener=listener, tier_id=tier_id, **data.validated_data)
    return Response(own_json(listener))


class PackageIn(serializers.Serializer):
    minutes = serializers.IntegerField()
    discount_percent = serializers.IntegerField(required=False, default=0)


@extend_schema(request=PackageIn, responses={201: None})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def packages(request: Request, tier_id: int) -> Response:
    listener = _own_profile(request)
    data = PackageIn(data=request.data)
    data.is_valid(raise_exception=True)
    services.package_create(listener=listener, tier_id=tier_id, **data.validated_data)
    return Response(own_json(listener), status=status.HTTP_201_CREATED)


@extend_schema(request=None, responses={200: None})
@api_view(["DELETE"])
@permission_classes([IsAuthenticated])
def package(request: Request, package_id: int) -> Response:
    listener = _own_profile(request)
    services.package_delete(listener=listener, package_id=package_id)
    return Response(own_json(listener))


class InterestsIn(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField(max_length=50), max_length=20)


@extend_schema(request=InterestsIn, responses={200: None})
@api_view(["GET", "PUT"])
@permission_classes([IsAuthenticated])
def interests(request: Request) -> Response:
    if request.method == "PUT":
        data = InterestsIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.client_interests_set(user=request.user, tag_slugs=data.validated_data["tags"])
    ids = set(selectors.client_interest_tag_ids(user=request.user))
    return Response(
        {
            "tags": [
                {"slug": tag.slug, "name": tag.name, "chosen": tag.pk in ids}
                for tag in selectors.tags_all()
            ]
        }
    )
