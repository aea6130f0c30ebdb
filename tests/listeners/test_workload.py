"""A listener's weekly schedule and own workload limits: what is stored, what is refused
(and that a refusal changes nothing), and how the schedule is read."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from listeners.exceptions import ListenerError
from listeners.models import Shift
from listeners.services import listener_limits, listener_limits_set, listener_shifts_set
from listeners.shifts import covers, current_shift, next_shift
from tests.listeners.factories import ApprovedListenerFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MONDAY = 0
SUNDAY = 6


def stored(listener):
    return list(
        Shift.objects.filter(listener=listener)
        .order_by("weekday", "start")
        .values_list("weekday", "start", "end")
    )


def test_a_schedule_replaces_the_previous_one():
    # given
    listener = ApprovedListenerFactory()
    listener_shifts_set(listener=listener, shifts=[(MONDAY, time(9), time(12))])
    # when
    listener_shifts_set(
        listener=listener, shifts=[(2, time(20), time(0)), (MONDAY, time(14), time(18))]
    )
    # then
    assert stored(listener) == [(MONDAY, time(14), time(18)), (2, time(20), time(0))]


@pytest.mark.parametrize(
    ("shifts", "code"),
    [
        ([(MONDAY, time(9), time(12)), (MONDAY, time(11), time(13))], "shifts_overlap"),
        ([(MONDAY, time(20), time(0)), (MONDAY, time(21), time(22))], "shifts_overlap"),
        ([(MONDAY, time(12), time(9))], "shifts_invalid"),
        ([(MONDAY, time(9), time(9, 10))], "shifts_invalid"),
        ([(7, time(9), time(12))], "shifts_invalid"),
        ([(MONDAY, "09:00", time(12))], "shifts_invalid"),
        ([(d % 7, time(h), time(h, 30)) for d in range(7) for h in range(1, 6)], "shifts_invalid"),
    ],
)
def test_overlapping_or_absurd_shifts_are_refused_and_change_nothing(shifts, code):
    # given
    listener = ApprovedListenerFactory()
    listener_shifts_set(listener=listener, shifts=[(SUNDAY, time(8), time(10))])
    # when
    with pytest.raises(ListenerError) as refused:
        listener_shifts_set(listener=listener, shifts=shifts)
    # then
    assert refused.value.code == code
    assert str(refused.value.message)
    assert stored(listener) == [(SUNDAY, time(8), time(10))]


def test_limits_can_be_lowered_and_reset_to_the_platforms(settings):
    # given
    settings.LISTENER_MAX_HOURS_DAY, settings.LISTENER_MAX_HOURS_WEEK = 8, 40
    settings.LISTENER_MAX_NIGHT_HOURS_WEEK = 12
    listener = ApprovedListenerFactory()
    # when
    listener = listener_limits_set(
        listener=listener, max_hours_day=4, max_hours_week=None, max_night_hours_week=0
    )
    # then
    limits = listener_limits(listener)
    assert (limits.hours_day, limits.hours_week, limits.night_hours_week) == (4, 40, 0)


@pytest.mark.parametrize(
    "values",
    [
        {"max_hours_day": 9},
        {"max_hours_week": 41},
        {"max_night_hours_week": 13},
        {"max_hours_day": -1},
        {"max_hours_day": True},
        {"max_hours_day": "4"},
    ],
)
def test_limits_above_the_platforms_are_refused_and_change_nothing(settings, values):
    # given
    settings.LISTENER_MAX_HOURS_DAY, settings.LISTENER_MAX_HOURS_WEEK = 8, 40
    settings.LISTENER_MAX_NIGHT_HOURS_WEEK = 12
    listener = ApprovedListenerFactory(max_hours_day=6)
    arguments = {"max_hours_day": 6, "max_hours_week": None, "max_night_hours_week": None}
    # when
    with pytest.raises(ListenerError) as refused:
        listener_limits_set(listener=listener, **{**arguments, **values})
    # then
    assert refused.value.code == "limit_invalid"
    listener.refresh_from_db()
    assert (listener.max_hours_day, listener.max_hours_week) == (6, None)


def test_a_platform_limit_lowered_later_wins_over_the_listeners(settings):
    # given
    listener = ApprovedListenerFactory(max_hours_day=6)
    # when
    settings.LISTENER_MAX_HOURS_DAY = 5
    # then
    assert listener_limits(listener).hours_day == 5


def test_the_schedule_is_read_on_the_shanghai_clock_across_midnight():
    # given: Sunday 22:00-24:00 and Monday 00:00-02:00 (2026-12-06 is a Sunday)
    shifts = [
        Shift(weekday=SUNDAY, start=time(22), end=time(0)),
        Shift(weekday=MONDAY, start=time(0), end=time(2)),
        Shift(weekday=MONDAY, start=time(9), end=time(12)),
    ]
    sunday_late = datetime(2026, 12, 6, 23, 0, tzinfo=SH)
    # when / then
    current = current_shift(shifts, now=sunday_late)
    assert (current.starts_at, current.ends_at) == (
        datetime(2026, 12, 6, 22, 0, tzinfo=SH),
        datetime(2026, 12, 7, 2, 0, tzinfo=SH),
    )
    assert next_shift(shifts, now=sunday_late).starts_at == datetime(2026, 12, 7, 9, tzinfo=SH)
    assert covers(shifts, starts_at=sunday_late, ends_at=datetime(2026, 12, 7, 1, 30, tzinfo=SH))
    assert not covers(
        shifts, starts_at=sunday_late, ends_at=datetime(2026, 12, 7, 2, 30, tzinfo=SH)
    )
    assert current_shift(shifts, now=datetime(2026, 12, 7, 8, 59, tzinfo=SH)) is None
    assert covers([], starts_at=sunday_late, ends_at=sunday_late.replace(day=8))


def test_the_settings_page_saves_shifts_and_limits(client):
    # given
    listener = ApprovedListenerFactory()
    client.force_login(listener.user)
    url = reverse("listeners:my_profile")
    # when
    saved = client.post(
        url, {"action": "shifts", "shifts-day0": "09:00-12:00, 20:00-24:00", "shifts-day6": ""}
    )
    limited = client.post(
        url, {"action": "limits", "limits-max_hours_day": "4", "limits-max_hours_week": ""}
    )
    # then
    assert (saved.status_code, limited.status_code) == (302, 302)
    assert stored(listener) == [(MONDAY, time(9), time(12)), (MONDAY, time(20), time(0))]
    listener.refresh_from_db()
    assert (listener.max_hours_day, listener.max_hours_week) == (4, None)
    page = client.get(url).content.decode()
    assert 'value="09:00-12:00, 20:00-24:00"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"action": "shifts", "shifts-day0": "9-12"},
            "每个班次请写成 09:00-12:00，多个班次用逗号分隔。",
        ),
        ({"action": "shifts", "shifts-day0": "09:00-25:00"}, "25:00 不是有效的时间。"),
        (
            {"action": "shifts", "shifts-day0": "09:00-12:00, 11:00-13:00"},
            "同一天有两个班次时间重叠。",
        ),
        (
            {"action": "limits", "limits-max_hours_day": "30"},
            "每日小时数必须是 0 到 8 之间的整数（平台上限）。",
        ),
    ],
)
def test_the_settings_page_refuses_bad_shifts_and_limits_and_changes_nothing(
    client, settings, data, message
):
    # given
    settings.LISTENER_MAX_HOURS_DAY = 8
    listener = ApprovedListenerFactory()
    listener_shifts_set(listener=listener, shifts=[(SUNDAY, time(8), time(10))])
    client.force_login(listener.user)
    # when
    response = client.post(reverse("listeners:my_profile"), data)
    # then
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored(listener) == [(SUNDAY, time(8), time(10))]
    listener.refresh_from_db()
    assert listener.max_hours_day is None
