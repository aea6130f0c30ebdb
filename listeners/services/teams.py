"""Teams (shops): create, invite by phone, accept or decline, the team's share.

A listener is in at most one team (a one-to-one membership; the owner is a member).
The owner invites approved listeners by their phone number; the invited listener sees
the team's share before accepting. The share is bounded (0 to
MAX_TEAM_COMMISSION_PERCENT) and stored; settlement takes it into the team's payable
(payments.services.payees, docs/payments.md).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from listeners.exceptions import ListenerError
from listeners.models import (
    MAX_TEAM_COMMISSION_PERCENT,
    ListenerProfile,
    Team,
    TeamInvite,
    TeamMembership,
)
from listeners.services.common import _text
from marketplace.exceptions import DomainError, NotFound
from marketplace.services import phone_normalize


def _commission(value) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= MAX_TEAM_COMMISSION_PERCENT
    ):
        raise ListenerError(
            _("The team's share is a whole percent from 0 to %(max)s.")
            % {"max": MAX_TEAM_COMMISSION_PERCENT},
            code="commission_invalid",
        )
    return value


def team_of(listener: ListenerProfile) -> Team | None:
    membership = TeamMembership.objects.filter(listener=listener).select_related("team").first()
    return membership.team if membership else None


def team_create(*, owner: ListenerProfile, name: str, commission_percent: int) -> Team:
    name = _text(name, field=_("Team name"), max_length=40)
    commission_percent = _commission(commission_percent)
    if not owner.is_approved:
        raise ListenerError(_("Only approved listeners can create a team."), code="not_approved")
    with transaction.atomic():
        profile = ListenerProfile.objects.select_for_update().get(pk=owner.pk)
        if TeamMembership.objects.filter(listener=profile).exists():
            raise ListenerError(_("You are already in a team."), code="already_in_team")
        if Team.objects.filter(name__iexact=name).exists():
            raise ListenerError(_("A team with this name exists."), code="team_name_taken")
        team = Team.objects.create(name=name, owner=profile, commission_percent=commission_percent)
        TeamMembership.objects.create(team=team, listener=profile)
    return team


def _owned_team(owner: ListenerProfile) -> Team:
    team = Team.objects.filter(owner=owner).first()
    if team is None:
        raise NotFound(_("You do not own a team."))
    return team


def team_commission_set(*, owner: ListenerProfile, commission_percent: int) -> Team:
    commission_percent = _commission(commission_percent)
    team = _owned_team(owner)
    team.commission_percent = commission_percent
    team.save(update_fields=["commission_percent"])
    return team


def team_invite(*, owner: ListenerProfile, phone: str) -> TeamInvite:
    """Invite the approved listener with this phone number."""
    team = _owned_team(owner)
    try:
        phone = phone_normalize(phone)
    except DomainError as bad:
        raise ListenerError(bad.message, code="invalid_phone") from None
    invitee = (
        ListenerProfile.objects.filter(
            user__phone=phone, verification=ListenerProfile.Verification.APPROVED
        )
        .exclude(pk=owner.pk)
        .first()
    )
    if invitee is None:
        raise ListenerError(_("No approved listener has this phone number."), code="not_a_listener")
    if TeamMembership.objects.filter(listener=invitee).exists():
        raise ListenerError(_("This listener is already in a team."), code="already_in_team")
    try:
        with transaction.atomic():
            return TeamInvite.objects.create(team=team, listener=invitee)
    except IntegrityError:
        raise ListenerError(
            _("This listener already has your invitation."), code="already_invited"
        ) from None


def team_invite_answer(*, listener: ListenerProfile, invite_id, accept: bool) -> TeamInvite:
    """The invited listener accepts (joins) or declines. Someone else's invite is 404."""
    if not str(invite_id).isdigit():
        raise NotFound(_("No such invitation."))
    with transaction.atomic():
        profile = ListenerProfile.objects.select_for_update().get(pk=listener.pk)
        invite = (
            TeamInvite.objects.select_for_update().filter(pk=invite_id, listener=profile).first()
        )
        if invite is None:
            raise NotFound(_("No such invitation."))
        if invite.state != TeamInvite.State.PENDING:
            raise ListenerError(_("This invitation was already answered."), code="invite_answered")
        if accept and TeamMembership.objects.filter(listener=profile).exists():
            raise ListenerError(_("You are already in a team."), code="already_in_team")
        invite.state = TeamInvite.State.ACCEPTED if accept else TeamInvite.State.DECLINED
        invite.save(update_fields=["state"])
        if accept:
            TeamMembership.objects.create(
                team=invite.team, listener=profile, joined_at=timezone.now()
            )
    return invite
