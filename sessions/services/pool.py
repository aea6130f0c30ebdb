"""The open request pool (派单): post, see, claim, cancel, expire.

A client posts what they need (tags, minutes, a budget, the longest reply window they
accept) for now or for a later time (from APPOINTMENT_MIN_LEAD to LATER_MAX_LEAD ahead);
listeners who are online, fit it (a tier within the budget and window, one of the tags
when tags are given) and may receive orders see it on their dashboard. The first claim
wins: one conditional UPDATE (`state = open AND expires_at > now`), so of any number of
concurrent claims exactly one changes the row and the others find it taken. The winner's
claim books an instant order (for a later time, an appointment at that time) for the
client with the listener's cheapest fitting tier, through `order_create` (so every
booking check applies), in the same transaction: if the booking is refused, the claim is
undone. The client then pays as for any order. Unclaimed requests for now expire after
OPEN_REQUEST_MINUTES; a request for later stays open until it could no longer be booked
(APPOINTMENT_MIN_LEAD before its start), at most LATER_OPEN_HOURS (the beat job
`sessions.expire_open_requests`, and lazily on the client's page) with a notification.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from listeners.exceptions import QuoteError
from listeners.models import ListenerProfile, PricingTier, Tag
from listeners.pricing import quote_build
from marketplace.exceptions import DomainError, NotFound
from payments.disputes.notifications import Kind, notify_on_commit
from sessions.models import OpenRequest, Order
from sessions.services.booking_guards import booking_guards_check
from sessions.services.orders import APPOINTMENT_MIN_LEAD, order_create
from sessions.services.workload import Workload, listener_workload

MINUTES_RANGE = (15, 240)
BUDGET_RANGE_FEN = (100, 1_000_000)  # ¥1 to ¥10,000
REPLY_WINDOW_RANGE = (5, 600)
MAX_TAGS = 5
# A request for later starts at most this far ahead and stays open at most this long.
LATER_MAX_LEAD = timedelta(days=7)
LATER_OPEN_HOURS = 24


class PoolError(DomainError):
    code = "pool_refused"
    status = 409


def _whole(value, low: int, high: int, message: str, code: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PoolError(message, code=code)
    return value


def request_post(
    *,
    client,
    tag_slugs: list[str],
    minutes: int,
    budget_fen: int,
    reply_window_seconds: int,
    start: datetime | None = None,
    now: datetime | None = None,
) -> OpenRequest:
    """Post a request for now, or for `start` (an aware time). Refused with a PoolError
    (nothing written) for bad values, a second open request or the client's own limits."""
    now = now or timezone.now()
    expires_at = now + timedelta(minutes=settings.OPEN_REQUEST_MINUTES)
    if start is not None:
        if not isinstance(start, datetime) or start.tzinfo is None:
            raise PoolError(_("Choose when the session starts."), code="start_invalid")
        if not now + APPOINTMENT_MIN_LEAD < start <= now + LATER_MAX_LEAD:
            raise PoolError(
                _("A request for later starts between 10 minutes and 7 days from now."),
                code="start_invalid",
            )
        expires_at = min(start - APPOINTMENT_MIN_LEAD, now + timedelta(hours=LATER_OPEN_HOURS))
    minutes = _whole(
        minutes,
        *MINUTES_RANGE,
        _("A request is for 15 to 240 minutes."),
        "minutes_invalid",
    )
    budget_fen = _whole(
        budget_fen,
        *BUDGET_RANGE_FEN,
        _("The budget is from ¥1.00 to ¥10,000.00."),
        "budget_invalid",
    )
    reply_window_seconds = _whole(
        reply_window_seconds,
        *REPLY_WINDOW_RANGE,
        _("The reply window is from 5 to 600 seconds."),
        "reply_window_invalid",
    )
    wanted = list(dict.fromkeys(tag_slugs))
    tags = list(Tag.objects.filter(slug__in=wanted))
    if len(tags) != len(wanted):
        raise PoolError(_("Choose tags from the list."), code="tag_unknown")
    if len(tags) > MAX_TAGS:
        raise PoolError(
            _("Choose at most %(count)s tags.") % {"count": MAX_TAGS}, code="tags_too_many"
        )
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=client.pk)
        # The client's own protections refuse a request they could not book anyway.
        booking_guards_check(client_id=client.pk, starts_at=start or now, minutes=minutes, now=now)
        if OpenRequest.objects.filter(
            client=client, state=OpenRequest.State.OPEN, expires_at__gt=now
        ).exists():
            raise PoolError(
                _("You already have an open request; wait for it or withdraw it."),
                code="request_open",
            )
        request = OpenRequest.objects.create(
            client=client,
            minutes=minutes,
            budget_fen=budget_fen,
            reply_window_seconds=reply_window_seconds,
            starts_at=start,
            created_at=now,
            expires_at=expires_at,
        )
        request.tags.set(tags)
    return request


def _fitting_tiers(*, listener_id: int, request: OpenRequest):
    """The listener's text tiers that could serve the request, cheapest first (the day
    price; the claim checks the real quote)."""
    return PricingTier.objects.filter(
        listener_id=listener_id,
        is_active=True,
        medium=PricingTier.Medium.TEXT,
        reply_window_seconds__lte=request.reply_window_seconds,
        min_minutes__lte=request.minutes,
        price_per_hour_fen__lte=request.budget_fen * 60 // request.minutes,
    ).order_by("price_per_hour_fen", "id")


def _tags_fit(*, listener: ListenerProfile, request: OpenRequest) -> bool:
    wanted = {tag.pk for tag in request.tags.all()}
    return not wanted or bool(wanted & set(listener.tags.values_list("pk", flat=True)))


def requests_for_listener(
    *,
    listener: ListenerProfile,
    now: datetime | None = None,
    workload: Workload | None = None,
    limit: int = 20,
) -> list[OpenRequest]:
    """Open requests the listener could claim now (none while they may not take orders;
    pass their `workload` when it is already computed)."""
    now = now or timezone.now()
    if listener.presence != ListenerProfile.Presence.ONLINE or not listener.is_approved:
        return []
    workload = workload or listener_workload(listener=listener, now=now)
    if not workload.takes_orders:
        return []
    tag_ids = list(listener.tags.values_list("pk", flat=True))
    candidates = (
        OpenRequest.objects.filter(state=OpenRequest.State.OPEN, expires_at__gt=now)
        .exclude(client_id=listener.user_id)
        .filter(Q(tags__isnull=True) | Q(tags__in=tag_ids))
        .distinct()
        .order_by("expires_at", "id")
        .prefetch_related("tags")[: limit * 3]
    )
    fitting = [r for r in candidates if _fitting_tiers(listener_id=listener.pk, request=r).exists()]
    return fitting[:limit]


def eligible_listener_count(*, request: OpenRequest) -> int:
    """How many online listeners fit the request (the honest wait the client is shown)."""
    tiers = PricingTier.objects.filter(
        is_active=True,
        medium=PricingTier.Medium.TEXT,
        reply_window_seconds__lte=request.reply_window_seconds,
        min_minutes__lte=request.minutes,
        price_per_hour_fen__lte=request.budget_fen * 60 // request.minutes,
    )
    listeners = ListenerProfile.objects.filter(
        verification=ListenerProfile.Verification.APPROVED,
        presence=ListenerProfile.Presence.ONLINE,
        pk__in=tiers.values("listener_id"),
    ).exclude(user_id=request.client_id)
    tag_ids = [tag.pk for tag in request.tags.all()]
    if tag_ids:
        listeners = listeners.filter(tags__in=tag_ids)
    return listeners.distinct().count()


def _refusal(*, request_id, listener: ListenerProfile, now: datetime) -> PoolError:
    request = OpenRequest.objects.filter(pk=request_id).first()
    if request is None or request.client_id == listener.user_id:
        raise NotFound(_("No such request."))
    if request.state == OpenRequest.State.CLAIMED and request.claimed_by_id == listener.pk:
        return PoolError(_("You have already taken this request."), code="claimed_twice")
    if request.state == OpenRequest.State.CLAIMED:
        return PoolError(_("Another listener took this request first."), code="already_claimed")
    if request.state == OpenRequest.State.CANCELLED:
        return PoolError(_("The client withdrew this request."), code="request_cancelled")
    return PoolError(_("This request has expired."), code="request_expired")


def request_claim(*, request_id, listener_user, now: datetime | None = None) -> Order:
    """The listener takes the request: exactly one claim wins; the order it books awaits
    the client's payment."""
    now = now or timezone.now()
    listener = ListenerProfile.objects.filter(user=listener_user).first()
    if listener is None:
        raise NotFound(_("Only listeners can take requests."))
    if not str(request_id).isdigit():
        raise NotFound(_("No such request."))
    with transaction.atomic():
        won = (
            OpenRequest.objects.filter(
                pk=request_id, state=OpenRequest.State.OPEN, expires_at__gt=now
            )
            .exclude(client_id=listener.user_id)
            .update(state=OpenRequest.State.CLAIMED, claimed_by=listener, claimed_at=now)
        )
        if not won:
            raise _refusal(request_id=request_id, listener=listener, now=now)
        request = OpenRequest.objects.get(pk=request_id)
        if not _tags_fit(listener=listener, request=request):
            raise PoolError(
                _("This request asks for topics you do not offer."), code="request_not_eligible"
            )
        tier = None
        for candidate in _fitting_tiers(listener_id=listener.pk, request=request):
            try:
                quote = quote_build(
                    tier=candidate, start=request.starts_at or now, minutes=request.minutes
                )
            except QuoteError:
                continue
            if quote.total_fen <= request.budget_fen:
                tier = candidate
                break
        if tier is None:
            raise PoolError(
                _("None of your tiers fits this request's budget and reply window."),
                code="request_not_eligible",
            )
        order = order_create(
            client=request.client,
            tier_id=tier.pk,
            kind=Order.Kind.INSTANT if request.starts_at is None else Order.Kind.APPOINTMENT,
            start=request.starts_at,
            minutes=request.minutes,
            now=now,
        )
        request.order = order
        request.save(update_fields=["order"])
        notify_on_commit(
            user_id=request.client_id,
            kind=Kind.REQUEST_CLAIMED,
            params={"order": order.pk, "listener": listener.display_name},
            url=reverse("sessions:pay", args=[order.pk]),
        )
    return order


def request_cancel(*, request_id, client, now: datetime | None = None) -> OpenRequest:
    now = now or timezone.now()
    if not str(request_id).isdigit():
        raise NotFound(_("No such request."))
    with transaction.atomic():
        request = OpenRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None or request.client_id != client.pk:
            raise NotFound(_("No such request."))
        if request.state != OpenRequest.State.OPEN or request.expires_at <= now:
            raise PoolError(_("Only a waiting request can be withdrawn."), code="not_open")
        request.state = OpenRequest.State.CANCELLED
        request.save(update_fields=["state"])
    return request


def requests_expire(
    *, now: datetime | None = None, client_id: int | None = None, limit: int = 500
) -> int:
    """Open requests past their time expire, each with a notification to its client
    (beat; also called for one client when their page is shown)."""
    now = now or timezone.now()
    due = OpenRequest.objects.filter(state=OpenRequest.State.OPEN, expires_at__lte=now)
    if client_id is not None:
        due = due.filter(client_id=client_id)
    done = 0
    for request_id, owner_id in due.order_by("expires_at").values_list("id", "client_id")[:limit]:
        with transaction.atomic():
            # Conditional, like the claim: a claim and the expiry cannot both win.
            if not OpenRequest.objects.filter(
                pk=request_id, state=OpenRequest.State.OPEN, expires_at__lte=now
            ).update(state=OpenRequest.State.EXPIRED):
                continue
            notify_on_commit(
                user_id=owner_id,
                kind=Kind.REQUEST_EXPIRED,
                params={"request": request_id},
                url=reverse("sessions:pool"),
            )
            done += 1
    return done
