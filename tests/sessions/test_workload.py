"""Shifts, workload limits and the cool-down protect a listener: instant bookings,
appointments, per-minute sessions and presence respect them, on a controllable clock
(every call gets `now`; 2026-12-07 is a Monday)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from listeners.models import ListenerProfile
from listeners.services import listener_limits_set, listener_shifts_set
from sessions.models import Escalation, Order
from sessions.services import orders, presence
from sessions.services.orders import BookingError
from sessions.services.workload import Reason, listener_workload
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory
from tests.sessions.factories import OrderFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=SH)


@pytest.fixture
def tier():
    return PricingTierFactory(listener=ApprovedListenerFactory(tier=False))


def book_now(tier, now, minutes=30):
    return orders.order_create(
        client=UserFactory(), tier_id=tier.pk, kind="instant", minutes=minutes, now=now
    )


def book_at(tier, start, now, minutes=60):
    return orders.order_create(
        client=UserFactory(),
        tier_id=tier.pk,
        kind="appointment",
        start=start,
        minutes=minutes,
        now=now,
    )


def worked(tier, starts_at, minutes, state=Order.State.COMPLETED):
    """A session the listener served (ended at its planned end)."""
    return OrderFactory(
        listener=tier.listener,
        tier=tier,
        kind=Order.Kind.INSTANT,
        state=state,
        starts_at=starts_at,
        minutes=minutes,
        ended_at=None if state == Order.State.ACTIVE else starts_at + timedelta(minutes=minutes),
    )


def workload_of(tier, now=None):
    return listener_workload(listener=ListenerProfile.objects.get(pk=tier.listener_id), now=now)


def refused_code(call) -> str:
    with pytest.raises(BookingError) as refused:
        call()
    assert str(refused.value.message)
    return refused.value.code


def test_instant_booking_follows_the_shift(tier):
    # given: Monday 09:00-12:00 only
    listener_shifts_set(listener=tier.listener, shifts=[(0, time(9), time(12))])
    # when / then
    assert book_now(tier, MONDAY_10).state == Order.State.PENDING_PAYMENT
    assert refused_code(lambda: book_now(tier, MONDAY_10 + timedelta(hours=3))) == "off_shift"
    assert Order.objects.filter(listener=tier.listener).count() == 1


def test_appointments_only_inside_a_shift(tier):
    # given
    listener_shifts_set(listener=tier.listener, shifts=[(0, time(9), time(12))])
    now = MONDAY_10 - timedelta(days=1)
    # when / then
    assert book_at(tier, MONDAY_10, now).state == Order.State.PENDING_PAYMENT
    spill = MONDAY_10 + timedelta(hours=1, minutes=30)
    assert refused_code(lambda: book_at(tier, spill, now)) == "outside_shift"
    assert Order.objects.filter(listener=tier.listener).count() == 1


def test_without_a_schedule_the_listener_is_always_on_shift(tier):
    # when
    workload = workload_of(tier, MONDAY_10)
    # then
    assert workload.on_shift
    assert workload.takes_orders
    assert book_now(tier, MONDAY_10.replace(hour=3)).state == Order.State.PENDING_PAYMENT


def test_the_daily_limit_refuses_what_would_pass_it(tier):
    # given: 2 hours a day, 90 minutes already worked today
    listener_limits_set(
        listener=tier.listener, max_hours_day=2, max_hours_week=None, max_night_hours_week=None
    )
    worked(tier, MONDAY_10 - timedelta(hours=2), 90)
    # when / then
    assert refused_code(lambda: book_now(tier, MONDAY_10, minutes=60)) == Reason.DAY_LIMIT
    assert book_now(tier, MONDAY_10, minutes=30).state == Order.State.PENDING_PAYMENT
    assert Reason.DAY_LIMIT in workload_of(tier, MONDAY_10).reasons
    # the next day counts afresh
    assert book_now(tier, MONDAY_10 + timedelta(days=1), minutes=60).minutes == 60


def test_the_weekly_and_night_limits(tier):
    # given: 3 hours a week, 1 night hour a week; Monday 00:00-01:00 (night) worked
    listener_limits_set(
        listener=tier.listener, max_hours_day=None, max_hours_week=3, max_night_hours_week=1
    )
    worked(tier, MONDAY_10.replace(hour=0), 60)
    tuesday_night = MONDAY_10.replace(day=8, hour=23, minute=30)
    # when / then: any more night is refused, day hours go on up to the week's 3
    assert refused_code(lambda: book_now(tier, tuesday_night)) == Reason.NIGHT_LIMIT
    assert book_now(tier, MONDAY_10, minutes=90).minutes == 90
    worked(tier, MONDAY_10.replace(day=8), 90)  # (the unpaid booking above has lapsed)
    wednesday = MONDAY_10.replace(day=9)
    assert refused_code(lambda: book_now(tier, wednesday, minutes=60)) == Reason.WEEK_LIMIT
    assert book_now(tier, wednesday, minutes=30).minutes == 30


def test_a_cool_down_follows_a_session_with_a_crisis_escalation(tier):
    # given: a session with an escalation ended at 10:00
    session = worked(tier, MONDAY_10 - timedelta(minutes=30), 30)
    Escalation.objects.create(order=session, listener=tier.listener)  # open or closed alike
    # when / then: no new order for 15 minutes, the listener is told until when
    during = workload_of(tier, MONDAY_10 + timedelta(minutes=5))
    assert during.reasons == [Reason.COOLDOWN]
    assert during.cooldown_after_crisis
    assert during.cooldown_until == MONDAY_10 + timedelta(minutes=15)
    code = refused_code(lambda: book_now(tier, MONDAY_10 + timedelta(minutes=14)))
    assert code == Reason.COOLDOWN
    assert book_now(tier, MONDAY_10 + timedelta(minutes=15)).state == Order.State.PENDING_PAYMENT


def test_a_cool_down_follows_three_hours_of_continuous_work(tier, settings):
    # given: three back-to-back hours (gaps under the cool-down) ending at 10:00
    settings.LISTENER_CONTINUOUS_WORK_HOURS, settings.LISTENER_COOLDOWN_MINUTES = 3, 15
    worked(tier, MONDAY_10 - timedelta(hours=3), 55)
    worked(tier, MONDAY_10 - timedelta(hours=2), 60)
    worked(tier, MONDAY_10 - timedelta(hours=1), 60)
    # when / then
    workload = workload_of(tier, MONDAY_10 + timedelta(minutes=1))
    assert workload.reasons == [Reason.COOLDOWN]
    assert not workload.cooldown_after_crisis
    code = refused_code(lambda: book_now(tier, MONDAY_10 + timedelta(minutes=10)))
    assert code == Reason.COOLDOWN
    assert book_now(tier, MONDAY_10 + timedelta(minutes=15)).state == Order.State.PENDING_PAYMENT


def test_shorter_work_or_a_real_break_needs_no_cool_down(tier):
    # given: 2 h, a 20-minute break, 1 h
    worked(tier, MONDAY_10 - timedelta(hours=3, minutes=20), 120)
    worked(tier, MONDAY_10 - timedelta(hours=1), 60)
    # when
    workload = workload_of(tier, MONDAY_10 + timedelta(minutes=1))
    # then
    assert workload.reasons == []


def test_an_online_listener_off_shift_is_shown_busy(tier):
    # given: a page open, a schedule that has no shift now
    listener = tier.listener
    presence.presence_heartbeat(listener_id=listener.pk, socket_id="page:off-shift")
    assert listener_workload(listener=listener).takes_orders
    weekday = (datetime.now(SH).weekday() + 3) % 7
    listener_shifts_set(listener=listener, shifts=[(weekday, time(9), time(10))])
    # when
    state = presence.presence_refresh(listener_id=listener.pk)
    # then: present but not receiving orders, so off the "online now" filter
    assert state == ListenerProfile.Presence.BUSY
    listener.refresh_from_db()
    assert listener.stats.presence_rank == 1
    listener_shifts_set(listener=listener, shifts=[])
    assert presence.presence_refresh(listener_id=listener.pk) == ListenerProfile.Presence.ONLINE


def test_the_dashboard_says_why_no_orders_reach_the_listener(client):
    # given: online, but the only shift is on another day
    listener = ApprovedListenerFactory()
    weekday = (datetime.now(SH).weekday() + 3) % 7
    listener_shifts_set(listener=listener, shifts=[(weekday, time(9), time(10))])
    client.force_login(listener.user)
    # when
    html = client.get(reverse("sessions:dashboard")).content.decode()
    # then
    card = html[html.index('id="workload"') :]
    assert "现在不在班。" in card
    assert "下一个班次：" in card
    assert "09:00–10:00" in card
    assert "你现在不在班次内：可以保持在线，但不会收到订单。" in card
