"""Booking "the team" routes to the best available member: online, on shift, not in a
cool-down, below their cap, fastest measured reply first."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from listeners.models import ListenerStats
from listeners.services import listener_shifts_set, team_create, team_invite, team_invite_answer
from sessions.models import Escalation, Order
from sessions.services.orders import BookingError
from sessions.services.team_routing import team_book, team_candidates
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory
from tests.sessions.factories import OrderFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=SH)


def member(team, owner, *, p50_ms):
    listener = ApprovedListenerFactory()
    ListenerStats.objects.filter(listener=listener).update(reply_p50_ms=p50_ms)
    invite = team_invite(owner=owner, phone=listener.user.phone)
    team_invite_answer(listener=listener, invite_id=invite.pk, accept=True)
    return listener


@pytest.fixture
def team():
    owner = ApprovedListenerFactory()
    ListenerStats.objects.filter(listener=owner).update(reply_p50_ms=20000)
    team = team_create(owner=owner, name="夜航", commission_percent=10)
    fast = member(team, owner, p50_ms=3000)
    faster = member(team, owner, p50_ms=2000)
    unmeasured = member(team, owner, p50_ms=None)
    return team, {"owner": owner, "fast": fast, "faster": faster, "unmeasured": unmeasured}


def test_the_fastest_available_member_gets_the_order(team):
    # given
    team, people = team
    # when
    order = team_book(client=UserFactory(), team_id=team.pk, minutes=30, now=MONDAY_10)
    # then
    assert order.listener == people["faster"]
    ranked = [m.pk for m in team_candidates(team=team, now=MONDAY_10)]
    names = ["faster", "fast", "owner", "unmeasured"]
    assert ranked == [people[n].pk for n in names]


def test_members_off_shift_full_or_in_cool_down_are_skipped(team):
    # given: the fastest is off shift, the next is in a cool-down after a crisis session,
    # the owner is at their cap
    team, people = team
    listener_shifts_set(listener=people["faster"], shifts=[(3, time(9), time(10))])
    crisis = OrderFactory(
        listener=people["fast"],
        tier=people["fast"].tiers.first(),
        kind="instant",
        state="completed",
        starts_at=MONDAY_10 - timedelta(minutes=35),
        minutes=30,
        ended_at=MONDAY_10 - timedelta(minutes=5),
    )
    Escalation.objects.create(order=crisis, listener=people["fast"])
    owner = people["owner"]
    owner.max_concurrent_chats = 1
    owner.save(update_fields=["max_concurrent_chats"])
    OrderFactory(
        listener=owner,
        tier=owner.tiers.first(),
        kind="instant",
        state="active",
        starts_at=MONDAY_10 - timedelta(minutes=10),
        minutes=60,
    )
    # when
    order = team_book(client=UserFactory(), team_id=team.pk, minutes=30, now=MONDAY_10)
    # then
    assert order.listener == people["unmeasured"]


def test_nobody_available_is_refused_and_books_nothing(team):
    # given
    team, people = team
    for listener in people.values():
        listener_shifts_set(listener=listener, shifts=[(3, time(9), time(10))])
    before = Order.objects.count()
    # when
    with pytest.raises(BookingError) as refused:
        team_book(client=UserFactory(), team_id=team.pk, minutes=30, now=MONDAY_10)
    # then
    assert refused.value.code == "team_unavailable"
    assert Order.objects.count() == before
