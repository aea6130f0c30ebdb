"""Booking "the team": an instant order goes to the best available member.

Available: approved, online (presence, which already folds in shifts, limits and the
cool-down), receiving orders now (`listener_workload`, rechecked), below their
concurrent-chat cap, with an active text tier. Best: the fastest measured median reply
(unmeasured last), then the quality score, then the id. The order is booked through
`order_create` with that member's cheapest text tier; if that booking is refused (the
member filled up a moment ago), the next member is tried.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from listeners.models import ListenerProfile, PricingTier, Team
from marketplace.exceptions import NotFound
from sessions.models import Order
from sessions.services.orders import BookingError, _occupying, order_create
from sessions.services.workload import listener_workload


def team_candidates(*, team: Team, now: datetime | None = None) -> list[ListenerProfile]:
    """Members who could take an instant chat now, best first."""
    now = now or timezone.now()
    members = (
        ListenerProfile.objects.filter(
            team_membership__team=team,
            verification=ListenerProfile.Verification.APPROVED,
            presence=ListenerProfile.Presence.ONLINE,
            tiers__is_active=True,
            tiers__medium=PricingTier.Medium.TEXT,
        )
        .distinct()
        .select_related("stats")
        .order_by(
            F("stats__reply_p50_ms").asc(nulls_last=True),
            F("stats__quality_score").desc(nulls_last=True),
            "id",
        )
    )
    available = []
    for member in members:
        chats = (
            _occupying(listener_id=member.pk, now=now)
            .filter(Q(state=Order.State.ACTIVE) | Q(kind__in=Order.NOW_KINDS))
            .count()
        )
        if chats >= member.max_concurrent_chats:
            continue
        if listener_workload(listener=member, now=now).takes_orders:
            available.append(member)
    return available


def team_book(*, client, team_id, minutes: int, now: datetime | None = None) -> Order:
    now = now or timezone.now()
    team = Team.objects.filter(pk=team_id).first() if str(team_id).isdigit() else None
    if team is None:
        raise NotFound(_("No such team."))
    for member in team_candidates(team=team, now=now):
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
