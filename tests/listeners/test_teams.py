"""Teams: create, invite by phone, accept or decline, the bounded share; every refusal
changes nothing."""

import pytest

from listeners.exceptions import ListenerError
from listeners.models import Team, TeamInvite, TeamMembership
from listeners.services import (
    team_commission_set,
    team_create,
    team_invite,
    team_invite_answer,
    team_of,
)
from marketplace.exceptions import NotFound
from tests.listeners.factories import ApprovedListenerFactory, ListenerProfileFactory

pytestmark = pytest.mark.django_db


def test_an_owner_creates_a_team_invites_by_phone_and_the_invitee_joins():
    # given
    owner, invitee = ApprovedListenerFactory(), ApprovedListenerFactory()
    team = team_create(owner=owner, name="月光小铺", commission_percent=10)
    # when
    invite = team_invite(owner=owner, phone=f"+86 {invitee.user.phone}")
    team_invite_answer(listener=invitee, invite_id=invite.pk, accept=True)
    # then
    assert (team_of(owner), team_of(invitee)) == (team, team)
    assert TeamInvite.objects.get(pk=invite.pk).state == "accepted"
    assert team.commission_percent == 10


def test_a_declined_invitation_changes_nothing_else():
    # given
    owner, invitee = ApprovedListenerFactory(), ApprovedListenerFactory()
    team_create(owner=owner, name="A", commission_percent=0)
    invite = team_invite(owner=owner, phone=invitee.user.phone)
    # when
    team_invite_answer(listener=invitee, invite_id=invite.pk, accept=False)
    # then
    assert team_of(invitee) is None
    with pytest.raises(ListenerError) as refused:
        team_invite_answer(listener=invitee, invite_id=invite.pk, accept=True)
    assert refused.value.code == "invite_answered"
    assert team_of(invitee) is None


@pytest.mark.parametrize("percent", [-1, 21, 12.5, True, "10"])
def test_a_share_outside_the_bounds_is_refused(percent):
    # given
    owner = ApprovedListenerFactory()
    team = team_create(owner=owner, name="B", commission_percent=5)
    # when / then
    for call in (
        lambda: team_create(owner=ApprovedListenerFactory(), name="C", commission_percent=percent),
        lambda: team_commission_set(owner=owner, commission_percent=percent),
    ):
        with pytest.raises(ListenerError) as refused:
            call()
        assert refused.value.code == "commission_invalid"
    assert Team.objects.get(pk=team.pk).commission_percent == 5
    assert Team.objects.count() == 1


def test_inviting_someone_already_in_a_team_or_not_a_listener_is_refused():
    # given
    owner, other_owner = ApprovedListenerFactory(), ApprovedListenerFactory()
    team_create(owner=owner, name="D", commission_percent=0)
    team_create(owner=other_owner, name="E", commission_percent=0)
    pending = ListenerProfileFactory()  # applied, not approved
    free = ApprovedListenerFactory()
    team_invite(owner=owner, phone=free.user.phone)
    # when / then
    cases = [
        (other_owner.user.phone, "already_in_team"),
        (pending.user.phone, "not_a_listener"),
        ("12345", "invalid_phone"),
        (free.user.phone, "already_invited"),
    ]
    for phone, code in cases:
        with pytest.raises(ListenerError) as refused:
            team_invite(owner=owner, phone=phone)
        assert refused.value.code == code
        assert str(refused.value.message)
    assert TeamInvite.objects.count() == 1
    assert TeamMembership.objects.count() == 2


def test_only_the_owner_invites_and_only_the_invitee_answers():
    # given
    owner, member, stranger = (ApprovedListenerFactory() for _ in range(3))
    team_create(owner=owner, name="F", commission_percent=0)
    invite = team_invite(owner=owner, phone=member.user.phone)
    # when / then
    with pytest.raises(NotFound):
        team_invite(owner=stranger, phone=member.user.phone)
    with pytest.raises(NotFound):
        team_invite_answer(listener=stranger, invite_id=invite.pk, accept=True)
    assert team_of(stranger) is None


def test_a_listener_in_a_team_cannot_create_another():
    # given
    owner = ApprovedListenerFactory()
    team_create(owner=owner, name="G", commission_percent=0)
    # when / then
    with pytest.raises(ListenerError) as refused:
        team_create(owner=owner, name="H", commission_percent=0)
    assert refused.value.code == "already_in_team"
    assert Team.objects.count() == 1
