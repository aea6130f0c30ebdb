"""Booking "the team": an instant order goes to the best available member.

Available: approved, online (presence, which already folds in shifts, limits and the
cool-down), receiving orders now (`listener_workload`, rechecked), below their
concurrent-chat cap, with an active text tier. Best: the fastest measured median reply
(unmeasured last), then the quality score, then the id. The order is booked through
`order_create` with that member's cheapest text tier; if that booking is refused (the
member filled up a moment ago), the next member is tried.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from listeners.models import ListenerProfile, PricingTier, Team
from marketplace.exceptions import NotFound
from sessions.models import Order
from sessions.services.orders import BookingError, chat_slots_taken, order_create
from sessions.services.workload import listener_workload


def _available_members(*, team: Team, now: datetime) -> Iterator[ListenerProfile]:
    """Members who could take an instant chat now, best first, lazily: one query finds
    the approved online members with an active text tier and a free chat slot, in
    order; each is then checked for receiving orders (`listener_workload`) only when
    reached, so booking stops at the first who can."""
    chats = (
        chat_slots_taken(listener_id=OuterRef("pk"), now=now)
        .order_by()
        .values("listener_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    members = (
        ListenerProfile.objects.filter(
            team_membership__team=team,
            verification=ListenerProfile.Verification.APPROVED,
            presence=ListenerProfile.Presence.ONLINE,
            tiers__is_active=True,
            tiers__medium=PricingTier.Medium.TEXT,
        )
        .annotate(chats=Coalesce(Subquery(chats), 0))
        .filter(chats__lt=F("max_concurrent_chats"))
        .distinct()
        .select_related("stats")
        .order_by(
            F("stats__reply_p50_ms").asc(nulls_last=True),
            F("stats__quality_score").desc(nulls_last=True),
            "id",
        )
    )
    for member in members:
        if listener_workload(listener=member, now=now).takes_orders:
            yield member


def team_candidates(*, team: Team, now: datetime | None = None) -> list[ListenerProfile]:
    """Members who could take an instant chat now, best first."""
    return list(_available_members(team=team, now=now or timezone.now()))


def team_best_available(*, team: Team, now: datetime | None = None) -> ListenerProfile | None:
    """The member an order to the team goes to first (the routing decision alone)."""
    return next(_available_members(team=team, now=now or timezone.now()), None)


def team_book(*, client, team_id, minutes: int, now: datetime | None = None) -> Order:
    now = now or timezone.now()
    team = Team.objects.filter(pk=team_id).first() if str(team_id).isdigit() else None
    if team is None:
        raise NotFound(_("No such team."))
    for member in _available_members(team=team, now=now):
        if member.user_id == client.pk:
            continue
        tier = (
            PricingTier.objects.filter(
                listener=member, is_active=True, medium=PricingTier.Medium.TEXT
            )
            .order_by("price_per_hour_fen", "id")
            .first()
        )
        try:
            return order_create(
                client=client, tier_id=tier.pk, kind=Order.Kind.INSTANT, minutes=minutes, now=now
            )
        except BookingError as refused:
            if refused.code in (
                "listener_full",
                "listener_offline",
                "off_shift",
                "listener_cooldown",
                "listener_day_limit",
                "listener_week_limit",
                "listener_night_limit",
            ):
                continue
            raise
    raise BookingError(
        _("Nobody in this team can take a chat right now; try again soon."),
        code="team_unavailable",
    )
