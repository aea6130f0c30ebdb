"""Listener reads: the catalogue, profiles, pricing tables, and lookups for booking."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OrderBy,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from listeners.exceptions import QuoteError
from listeners.models import (
    MAX_PRICE_PER_HOUR_FEN,
    MAX_REPLY_WINDOW_SECONDS,
    MIN_REPLY_WINDOW_SECONDS,
    PRESENCE_RANK,
    RATING_FIELD,
    ClientInterest,
    ListenerProfile,
    ListenerStats,
    Package,
    PricingTier,
    Tag,
)
from listeners.pricing import WALL_CLOCK, night_rate_fen, night_window_for, quote_build
from listeners.validation import LANGUAGE_CODES
from marketplace.exceptions import DomainError, NotFound

# --- Lookups for booking ----------------------------------------------------------------


def listener_for_booking(*, listener_id: Any) -> ListenerProfile:
    """An approved listener (with user and stats loaded), else NotFound."""
    try:
        return ListenerProfile.objects.select_related("user", "stats").get(
            pk=int(listener_id), verification=ListenerProfile.Verification.APPROVED
        )
    except (ListenerProfile.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("No such listener.")) from None


def tier_for_booking(*, tier_id: Any) -> PricingTier:
    """A bookable tier (active, text) of an approved listener, listener loaded; else
    NotFound."""
    try:
        return PricingTier.objects.select_related("listener", "listener__user").get(
            pk=int(tier_id),
            is_active=True,
            medium=PricingTier.Medium.TEXT,
            listener__verification=ListenerProfile.Verification.APPROVED,
        )
    except (PricingTier.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("No such pricing tier.")) from None


def package_for_booking(*, tier: PricingTier, package_id: Any) -> Package:
    """An active package of `tier`, else NotFound."""
    try:
        return Package.objects.get(pk=int(package_id), tier=tier, is_active=True)
    except (Package.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("No such package.")) from None


@dataclass(frozen=True)
class ListenerCapacity:
    is_verified: bool
    is_online: bool
    max_concurrent_chats: int

    @property
    def takes_instant_orders(self) -> bool:
        return self.is_verified and self.is_online

    def has_room(self, *, active_chats: int) -> bool:
        """Booking counts the listener's live sessions and asks whether one more fits."""
        return self.takes_instant_orders and active_chats < self.max_concurrent_chats


def listener_online_capacity(*, listener: ListenerProfile) -> ListenerCapacity:
    """Whether the listener may take an instant order now: approved and online (not busy
    or offline), and how many chats they allow at once. Read fresh from the database."""
    row = (
        ListenerProfile.objects.filter(pk=listener.pk)
        .values("verification", "presence", "max_concurrent_chats")
        .first()
    )
    if row is None:
        raise NotFound(_("No such listener."))
    return ListenerCapacity(
        is_verified=row["verification"] == ListenerProfile.Verification.APPROVED,
        is_online=row["presence"] == ListenerProfile.Presence.ONLINE,
        max_concurrent_chats=row["max_concurrent_chats"],
    )


def listener_of_user(*, user) -> ListenerProfile | None:
    """The user's own profile (any verification state), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return ListenerProfile.objects.select_related("stats").filter(user=user).first()


def client_interest_tag_ids(*, user) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(ClientInterest.objects.filter(user=user).values_list("tag_id", flat=True))


def tags_all() -> QuerySet[Tag]:
    return Tag.objects.all()


# --- Catalogue --------------------------------------------------------------------------

SORTS = ("recommended", "rating", "price", "reply_speed")
MAX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 20
TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


class FilterError(DomainError):
    code = "invalid_filter"


@dataclass(frozen=True)
class CatalogueFilters:
    tags: tuple[str, ...] = ()
    price_min_fen: int | None = None
    price_max_fen: int | None = None
    min_rating: Decimal | None = None
    reply_within: int | None = None
    online: bool = False
    language: str | None = None
    night: bool = False
    sort: str = "recommended"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    tag_ids: tuple[int, ...] = field(default=(), compare=False)

    def as_query(self) -> dict[str, Any]:
        """The filters as query parameters (for pagination links), defaults left out."""
        query: dict[str, Any] = {}
        if self.tags:
            query["tag"] = list(self.tags)
        if self.price_min_fen is not None:
            query["price_min_fen"] = self.price_min_fen
        if self.price_max_fen is not None:
            query["price_max_fen"] = self.price_max_fen
        if self.min_rating is not None:
            query["min_rating"] = str(self.min_rating)
        if self.reply_within is not None:
            query["reply_within"] = self.reply_within
        if self.online:
            query["online"] = 1
        if self.language:
            query["language"] = self.language
        if self.night:
            query["night"] = 1
        if self.sort != "recommended":
            query["sort"] = self.sort
        if self.page_size != DEFAULT_PAGE_SIZE:
            query["page_size"] = self.page_size
        return query


def _one(params, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _int_param(params, name: str, *, low: int, high: int, message: str) -> int | None:
    value = _one(params, name)
    if value is None:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise FilterError(message)
    return int(value)


def _yuan_param(params, name: str, *, message: str) -> int | None:
    """'38' or '38.5' yuan -> fen."""
    value = _one(params, name)
    if value is None:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise FilterError(message) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise FilterError(message)
    fen = int(amount * 100)
    if fen > MAX_PRICE_PER_HOUR_FEN:
        raise FilterError(message)
    return fen


def _bool_param(params, name: str) -> bool:
    value = _one(params, name)
    if value is None:
        return False
    if value.lower() in TRUE_VALUES:
        return True
    if value.lower() in FALSE_VALUES:
        return False
    raise FilterError(_("“%(name)s” must be 1 or 0.") % {"name": name})


def catalogue_filters_parse(params, *, tags: Sequence[Tag] | None = None) -> CatalogueFilters:
    """Query parameters (a QueryDict or dict) -> CatalogueFilters; garbage -> FilterError
    (400) naming the parameter. Unknown parameter names are ignored. `tags`: every tag,
    when the caller has them already (else tag slugs are looked up).

    Prices: `price_min_fen` / `price_max_fen` in fen, or `price_min` / `price_max` in
    yuan (the page's form); the fen form wins when both are given.
    """
    getlist = getattr(params, "getlist", None)
    raw_tags = getlist("tag") if getlist else ([params["tag"]] if params.get("tag") else [])
    slugs: list[str] = []
    for raw in raw_tags:
        for slug in str(raw).split(","):
            slug = slug.strip()
            if slug and slug not in slugs:
                slugs.append(slug)
    if len(slugs) > 10:
        raise FilterError(_("Filter by at most 10 tags."))
    tag_ids: tuple[int, ...] = ()
    if slugs:
        if tags is None:
            found = dict(Tag.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        else:
            found = {tag.slug: tag.pk for tag in tags}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise FilterError(_("Unknown tag: %(tags)s.") % {"tags": ", ".join(unknown)[:100]})
        tag_ids = tuple(found[slug] for slug in slugs)

    price_message = _("Prices must be amounts of at most ¥%(max)d with up to 2 decimals.") % {
        "max": MAX_PRICE_PER_HOUR_FEN // 100
    }
    price_min = _int_param(
        params, "price_min_fen", low=0, high=MAX_PRICE_PER_HOUR_FEN, message=price_message
    )
    if price_min is None:
        price_min = _yuan_param(params, "price_min", message=price_message)
    price_max = _int_param(
        params, "price_max_fen", low=0, high=MAX_PRICE_PER_HOUR_FEN, message=price_message
    )
    if price_max is None:
        price_max = _yuan_param(params, "price_max", message=price_message)
    if price_min is not None and price_max is not None and price_min > price_max:
        raise FilterError(_("The minimum price is above the maximum price."))

    min_rating = None
    raw_rating = _one(params, "min_rating")
    if raw_rating is not None:
        try:
            min_rating = Decimal(raw_rating)
        except InvalidOperation:
            min_rating = None
        if min_rating is None or not min_rating.is_finite() or not 1 <= min_rating <= 5:
            raise FilterError(_("The minimum rating must be a number from 1 to 5."))

    reply_within = _int_param(
        params,
        "reply_within",
        low=MIN_REPLY_WINDOW_SECONDS,
        high=MAX_REPLY_WINDOW_SECONDS,
        message=_("The reply window filter must be whole seconds from %(low)d to %(high)d.")
        % {"low": MIN_REPLY_WINDOW_SECONDS, "high": MAX_REPLY_WINDOW_SECONDS},
    )

    language = _one(params, "language")
    if language is not None and language not in LANGUAGE_CODES:
        raise FilterError(_("Unknown language: %(value)s.") % {"value": language[:20]})

    sort = _one(params, "sort") or "recommended"
    if sort not in SORTS:
        raise FilterError(_("Sort by one of: %(sorts)s.") % {"sorts": ", ".join(SORTS)})
    page = _int_param(
        params, "page", low=1, high=100_000, message=_("The page must be a positive number.")
    )
    page_size = _int_param(
        params,
        "page_size",
        low=1,
        high=MAX_PAGE_SIZE,
        message=_("The page size must be between 1 and %(max)d.") % {"max": MAX_PAGE_SIZE},
    )
    return CatalogueFilters(
        tags=tuple(slugs),
        tag_ids=tag_ids,
        price_min_fen=price_min,
        price_max_fen=price_max,
        min_rating=min_rating,
        reply_within=reply_within,
        online=_bool_param(params, "online"),
        language=language,
        night=_bool_param(params, "night"),
        sort=sort,
        page=page or 1,
        page_size=page_size or DEFAULT_PAGE_SIZE,
    )


def _catalogue_order(*, sort: str, interests: bool, prefix: str = "") -> list[str | OrderBy]:
    """The sort as order_by() terms on ListenerStats (prefix "") or through a profile's
    stats (prefix "stats__"). Each ends in the primary key (the profile's id), matching
    the last column of the sort's index; `interest_overlap` must be annotated."""
    if sort == "rating":
        # Unrated (null) last: the same COALESCE as the index.
        rating = Coalesce(F(f"{prefix}rating_avg"), Value(0), output_field=RATING_FIELD)
        return [rating.desc(), F(f"{prefix}rating_count").desc(), f"{prefix}listener_id"]
    if sort == "price":
        return [f"{prefix}from_price_day_fen", f"{prefix}listener_id"]
    if sort == "reply_speed":
        return [F(f"{prefix}reply_p50_ms").asc(nulls_last=True), f"{prefix}listener_id"]
    return [
        *([F("interest_overlap").desc()] if interests else []),
        f"{prefix}presence_rank",
        F(f"{prefix}quality_score").desc(),
        f"{prefix}listener_id",
    ]


def _interest_overlap(*, interest_tag_ids, prefix: str = "") -> ExpressionWrapper:
    """How many of the client's interest tags a listener has (from the stats row)."""
    overlap = sum(
        (
            Case(When(**{f"{prefix}tags_key__contains": f",{tag_id},"}, then=1), default=0)
            for tag_id in interest_tag_ids
        ),
        Value(0),
    )
    return ExpressionWrapper(overlap, output_field=IntegerField())


def _matching_tiers(*, filters: CatalogueFilters, listener_ref: str):
    """The bookable tiers of the listener `OuterRef(listener_ref)` that meet the tier
    conditions (price range, reply window), or None when the filters set none."""
    if (
        filters.price_min_fen is None
        and filters.price_max_fen is None
        and filters.reply_within is None
    ):
        return None
    tiers = PricingTier.objects.filter(
        listener_id=OuterRef(listener_ref), is_active=True, medium=PricingTier.Medium.TEXT
    )
    if filters.price_min_fen is not None:
        tiers = tiers.filter(price_per_hour_fen__gte=filters.price_min_fen)
    if filters.price_max_fen is not None:
        tiers = tiers.filter(price_per_hour_fen__lte=filters.price_max_fen)
    if filters.reply_within is not None:
        tiers = tiers.filter(reply_window_seconds__lte=filters.reply_within)
    return tiers


def _with_matching_prices(listeners: QuerySet, *, filters: CatalogueFilters) -> QuerySet:
    """Annotate `match_day_fen` / `match_night_fen`: the lowest day and night prices of
    the tiers that meet the filters, so a card filtered to "from ¥35" reads from ¥35 and
    not the listener's cheapest tier (same query; only the page's rows are probed)."""
    tiers = _matching_tiers(filters=filters, listener_ref="pk")
    if tiers is None:
        return listeners
    # night_rate_fen in SQL: price * (100 + surcharge) / 100, halves up (integers only).
    night = ExpressionWrapper(
        (F("price_per_hour_fen") * (100 + F("night_surcharge_percent")) + 50) / 100,
        output_field=BigIntegerField(),
    )
    return listeners.annotate(
        match_day_fen=Subquery(
            tiers.order_by("price_per_hour_fen").values("price_per_hour_fen")[:1]
        ),
        match_night_fen=Subquery(tiers.annotate(night=night).order_by("night").values("night")[:1]),
    )


def listener_catalogue_stats(
    *, filters: CatalogueFilters, interest_tag_ids: list[int] | tuple[int, ...] = ()
) -> QuerySet[ListenerStats]:
    """The stats rows of listed listeners (approved, with at least one bookable tier)
    matching the filters, in catalogue order.

    Every filter and sort key except the tier conditions lives on the stats row (see
    ListenerStats), and each sort has a partial index over listed rows ending in the
    primary key: PostgreSQL walks that index in order, checks the filters on the same
    row and stops after a page. The price range and reply window must hold on the same
    tier: an EXISTS probe of the tier index per candidate row. "Recommended" for a client
    with interests ranks by overlap first, which depends on the client: every matching
    row is scored, on this narrow table alone.
    """
    rows = ListenerStats.objects.filter(is_listed=True)
    for tag_id in filters.tag_ids:
        rows = rows.filter(tags_key__contains=f",{tag_id},")
    tiers = _matching_tiers(filters=filters, listener_ref="listener_id")
    if tiers is not None:
        rows = rows.filter(Exists(tiers))
    if filters.min_rating is not None:
        rows = rows.filter(rating_avg__gte=filters.min_rating)
    if filters.online:
        rows = rows.filter(presence_rank=PRESENCE_RANK["online"])
    if filters.language:
        rows = rows.filter(languages_key__contains=f",{filters.language},")
    if filters.night:
        rows = rows.filter(takes_night_orders=True)
    interests = filters.sort == "recommended" and bool(interest_tag_ids)
    if interests:
        rows = rows.annotate(interest_overlap=_interest_overlap(interest_tag_ids=interest_tag_ids))
    return rows.order_by(*_catalogue_order(sort=filters.sort, interests=interests))


def listener_catalogue(
    *,
    filters: CatalogueFilters,
    interest_tag_ids: list[int] | tuple[int, ...] = (),
    offset: int = 0,
    limit: int | None = None,
) -> QuerySet[ListenerProfile]:
    """Listed listeners matching the filters, in catalogue order, `limit` of them from
    `offset`, stats joined: one query whatever the page size (the cards' tags come from
    the stats row's `tags_key`, see listener_catalogue_page).

    One SQL statement: the ordered, sliced stats query picks the ids and the profiles
    are joined for those rows only ("late row lookup"), so neither a deep page nor the
    per-client interest ranking reads a profile it does not show.
    """
    ids = listener_catalogue_stats(filters=filters, interest_tag_ids=interest_tag_ids)
    ids = ids.values("listener_id")[offset : None if limit is None else offset + limit]
    listeners = ListenerProfile.objects.filter(pk__in=ids)
    interests = filters.sort == "recommended" and bool(interest_tag_ids)
    if interests:
        listeners = listeners.annotate(
            interest_overlap=_interest_overlap(interest_tag_ids=interest_tag_ids, prefix="stats__")
        )
    listeners = _with_matching_prices(listeners, filters=filters)
    return listeners.select_related("stats").order_by(
        *_catalogue_order(sort=filters.sort, interests=interests, prefix="stats__")
    )


@dataclass(frozen=True)
class CataloguePage:
    """A page of the catalogue. There is no total: counting every match would cost a
    scan of all of them on each request, so the page fetches one row more than it shows
    to learn whether a next page exists."""

    listeners: list[ListenerProfile]  # each with `card_tags`: its tags, by id
    page: int
    page_size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _tag_ids(key: str) -> list[int]:
    """The tag ids of a `tags_key`: ",3,7," -> [3, 7]."""
    return [int(part) for part in key.strip(",").split(",")] if key else []


def listener_catalogue_page(
    *,
    filters: CatalogueFilters,
    interest_tag_ids: list[int] | tuple[int, ...] = (),
    tags: Sequence[Tag] | None = None,
) -> CataloguePage:
    """One page: one query for the page's rows plus one (LIMIT page_size + 1, so no
    COUNT is needed to know whether a next page exists). Each listener's `card_tags` are
    read from its stats row's tag ids and `tags` (every tag; the small tag table is read
    when not given) instead of a per-page join. A page past the end is empty rather than
    an error."""
    rows = list(
        listener_catalogue(
            filters=filters,
            interest_tag_ids=interest_tag_ids,
            offset=(filters.page - 1) * filters.page_size,
            limit=filters.page_size + 1,
        )
    )
    if rows and tags is None:
        tags = list(Tag.objects.all())
    by_id = {tag.pk: tag for tag in tags or ()}
    for listener in rows:
        listener.card_tags = [by_id[pk] for pk in _tag_ids(listener.stats.tags_key) if pk in by_id]
    return CataloguePage(
        listeners=rows[: filters.page_size],
        page=filters.page,
        page_size=filters.page_size,
        has_next=len(rows) > filters.page_size,
    )


# --- Profile ----------------------------------------------------------------------------


def listener_profile_detail(*, listener_id: Any) -> ListenerProfile:
    """An approved listener with everything the profile page shows, else NotFound."""
    try:
        return (
            ListenerProfile.objects.select_related("stats")
            .prefetch_related(
                Prefetch("tags", queryset=Tag.objects.order_by("id")),
                Prefetch(
                    "tiers",
                    queryset=PricingTier.objects.order_by(
                        "price_per_hour_fen", "id"
                    ).prefetch_related(
                        Prefetch("packages", queryset=Package.objects.filter(is_active=True))
                    ),
                ),
            )
            .get(pk=int(listener_id), verification=ListenerProfile.Verification.APPROVED)
        )
    except (ListenerProfile.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("No such listener.")) from None


@dataclass(frozen=True)
class PackagePrice:
    package: Package
    day_total_fen: int | None  # starting when the day begins (the night window's end)
    night_total_fen: int | None  # starting when the night begins; None if not offered


@dataclass(frozen=True)
class TierPrice:
    tier: PricingTier
    day_price_per_hour_fen: int
    night_price_per_hour_fen: int | None  # None: the listener takes no night orders
    bookable: bool
    packages: list[PackagePrice]


def _reference_start(at: time, today) -> datetime:
    return datetime.combine(today, at, tzinfo=WALL_CLOCK)


def pricing_table(*, listener: ListenerProfile) -> list[TierPrice]:
    """Day and night prices per tier and per package, from the quote engine. Package
    prices are quoted starting at the start of the day and of the night window."""
    day_begins, night_begins = night_window_for(listener)[1], night_window_for(listener)[0]
    today = timezone.localdate()
    rows = []
    for tier in listener.tiers.all():
        if not tier.is_active:
            continue
        tier.listener = listener  # the quote engine reads the night window from it
        packages = []
        if tier.is_bookable:
            for package in tier.packages.all():
                totals = []
                for begins in (day_begins, night_begins):
                    try:
                        quote = quote_build(
                            tier=tier, start=_reference_start(begins, today), package=package
                        )
                        totals.append(quote.total_fen)
                    except QuoteError:
                        totals.append(None)
                packages.append(
                    PackagePrice(
                        package=package, day_total_fen=totals[0], night_total_fen=totals[1]
                    )
                )
        rows.append(
            TierPrice(
                tier=tier,
                day_price_per_hour_fen=tier.price_per_hour_fen,
                night_price_per_hour_fen=(
                    night_rate_fen(tier.price_per_hour_fen, tier.night_surcharge_percent)
                    if listener.takes_night_orders
                    else None
                ),
                bookable=tier.is_bookable,
                packages=packages,
            )
        )
    return rows


@dataclass(frozen=True)
class TeamPage:
    team: Any
    members: list
    tags: list
    reply_p50_ms: int | None  # the median of the members' measured medians
    rating_avg: Any  # weighted by review count; None without reviews
    rating_count: int
    online_count: int


def team_page(*, team_id: Any) -> TeamPage:
    from statistics import median

    from listeners.models import Team

    team = Team.objects.filter(pk=team_id).first() if str(team_id).isdigit() else None
    if team is None:
        raise NotFound(_("No such team."))
    members = list(
        ListenerProfile.objects.filter(
            team_membership__team=team, verification=ListenerProfile.Verification.APPROVED
        )
        .select_related("stats")
        .prefetch_related("tags")
        .order_by("id")
    )
    stats = [m.stats for m in members if hasattr(m, "stats")]
    measured = [s.reply_p50_ms for s in stats if s.reply_p50_ms is not None]
    rated = [(s.rating_avg, s.rating_count) for s in stats if s.rating_count]
    count = sum(n for _avg, n in rated)
    tags = {tag.pk: tag for m in members for tag in m.tags.all()}
    return TeamPage(
        team=team,
        members=members,
        tags=sorted(tags.values(), key=lambda t: t.pk),
        reply_p50_ms=int(median(measured)) if measured else None,
        rating_avg=(sum(avg * n for avg, n in rated) / count) if count else None,
        rating_count=count,
        online_count=sum(m.presence == ListenerProfile.Presence.ONLINE for m in members),
    )
