"""Team pages: create, invite, join; the owner sees members' status and workload; the
public page; booking the team from it. Bad input answers a message and changes nothing."""

import pytest
from django.urls import reverse

from listeners.models import ListenerStats, Team, TeamMembership
from listeners.services import team_create, team_invite, team_invite_answer
from sessions.models import Order
from sessions.services.pool import request_post
from tests.factories import StaffUserFactory, UserFactory
from tests.listeners.factories import ApprovedListenerFactory

pytestmark = pytest.mark.django_db


def test_create_invite_join_and_the_owners_view(client):
    # given
    owner, invitee = ApprovedListenerFactory(), ApprovedListenerFactory()
    url = reverse("sessions:my_team")
    client.force_login(owner.user)
    # when: the owner creates a team and invites by phone
    client.post(url, {"action": "create", "name": "晚风", "commission_percent": "12"})
    client.post(url, {"action": "invite", "phone": invitee.user.phone})
    # then: the invitee sees the share before joining, and joins
    client.force_login(invitee.user)
    page = client.get(url).content.decode()
    assert "团队从你在团队订单中的收入里保留 12%。" in page
    invite_id = invitee.team_invites.get().pk
    client.post(url, {"action": "accept", "invite_id": str(invite_id)})
    assert TeamMembership.objects.get(listener=invitee).team.name == "晚风"
    # and the owner sees both members, their status and workload
    client.force_login(owner.user)
    page = client.get(url).content.decode()
    assert f'data-member="{invitee.pk}"' in page
    assert f'data-member="{owner.pk}"' in page
    assert "0 / 0 分钟" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"action": "create", "name": "X", "commission_percent": "30"},
            "团队分成为 0 到 20 之间的整数百分比。",
        ),
        ({"action": "create", "name": "", "commission_percent": "5"}, "团队名称"),
    ],
)
def test_a_bad_team_is_refused_with_a_message(client, data, message):
    # given
    client.force_login(ApprovedListenerFactory().user)
    # when
    response = client.post(reverse("sessions:my_team"), data, follow=True)
    # then
    assert message in response.content.decode()
    assert Team.objects.count() == 0


def test_someone_elses_invitation_is_404(client):
    # given
    owner, invitee, stranger = (ApprovedListenerFactory() for _ in range(3))
    team_create(owner=owner, name="Y", commission_percent=0)
    invite = team_invite(owner=owner, phone=invitee.user.phone)
    client.force_login(stranger.user)
    # when
    response = client.post(
        reverse("sessions:my_team"), {"action": "accept", "invite_id": str(invite.pk)}
    )
    # then
    assert response.status_code == 404
    assert not TeamMembership.objects.filter(listener=stranger).exists()


def test_the_public_page_and_booking_the_team(client):
    # given
    owner, member = ApprovedListenerFactory(), ApprovedListenerFactory()
    team = team_create(owner=owner, name="Z", commission_percent=0)
    invite = team_invite(owner=owner, phone=member.user.phone)
    team_invite_answer(listener=member, invite_id=invite.pk, accept=True)
    ListenerStats.objects.filter(listener=owner).update(reply_p50_ms=9000)
    ListenerStats.objects.filter(listener=member).update(reply_p50_ms=4000)
    buyer = UserFactory()
    client.force_login(buyer)
    # when
    page = client.get(reverse("listeners:team", args=[team.pk])).content.decode()
    booked = client.post(reverse("sessions:team_book", args=[team.pk]), {"minutes": "30"})
    # then
    assert "2 位成员" in page
    assert "6.5" in page  # the median of 9 s and 4 s
    order = Order.objects.get(client=buyer)
    assert order.listener == member
    assert booked.status_code == 302
    assert booked["Location"] == reverse("sessions:pay", args=[order.pk])
    assert client.get(reverse("listeners:team", args=[999999])).status_code == 404


def test_booking_the_team_with_bad_minutes_books_nothing(client):
    # given
    team = team_create(owner=ApprovedListenerFactory(), name="W", commission_percent=0)
    client.force_login(UserFactory())
    # when
    response = client.post(
        reverse("sessions:team_book", args=[team.pk]), {"minutes": "many"}, follow=True
    )
    # then
    assert "请选择分钟数。" in response.content.decode()
    assert Order.objects.count() == 0


def test_staff_read_teams_shifts_and_open_requests_in_the_admin(client):
    # given
    owner = ApprovedListenerFactory()
    team = team_create(owner=owner, name="管理员可见", commission_percent=3)
    request = request_post(
        client=UserFactory(), tag_slugs=[], minutes=30, budget_fen=3000, reply_window_seconds=60
    )
    client.force_login(StaffUserFactory(is_superuser=True))
    # when / then
    for name, args in [
        ("admin:listeners_team_changelist", []),
        ("admin:listeners_team_change", [team.pk]),
        ("admin:listeners_shift_changelist", []),
        ("admin:live_sessions_openrequest_changelist", []),
        ("admin:live_sessions_openrequest_change", [request.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200
    assert "管理员可见" in client.get(reverse("admin:listeners_team_changelist")).content.decode()
