"""Nudges: each rule fires at most once per period per client, "don't show this again" is
honoured, choices are recorded, and the card appears on the booking page."""

import copy
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from care.models import Nudge, NudgeMute
from care.services.nudges import nudge_choose, nudge_for_page, nudge_text
from care.services.profile import income_set
from marketplace.exceptions import DomainError, NotFound
from payments.services.budget import budget_cap_set
from tests.care.helpers import session_held
from tests.factories import UserFactory
from tests.listeners.factories import PricingTierFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=TZ)  # a Wednesday noon, Beijing time
BOOKING = Nudge.Place.BOOKING


@pytest.fixture
def only(settings):
    """Enable just one rule, so each test sees its own."""

    def enable(rule: str):
        config = copy.deepcopy(settings.CARE_NUDGES)
        for name in config:
            config[name]["enabled"] = name == rule
        settings.CARE_NUDGES = config

    return enable


def spend(client, *, at: datetime, fen_per_hour: int = 9000):
    """A completed one-hour session worth `fen_per_hour`, booked at `at`."""
    tier = PricingTierFactory(price_per_hour_fen=fen_per_hour, same_price_at_night=True)
    return session_held(client, start=at, minutes=60, tier=tier)


def test_budget_rule_fires_once_per_month_and_honours_mute(only):
    # given: ¥90 spent of a ¥100 budget
    only("budget_used")
    client = UserFactory()
    with transaction.atomic():
        budget_cap_set(client=client, cap_fen=10000, now=NOW - timedelta(days=1))
    spend(client, at=NOW - timedelta(hours=3))
    # when
    first = nudge_for_page(client=client, place=BOOKING, now=NOW)
    again = nudge_for_page(client=client, place=BOOKING, now=NOW + timedelta(hours=1))
    # then
    assert (first.rule, first.period, first.seen["percent"]) == ("budget_used", "2026-12", 90)
    assert nudge_text(first) == (
        "You have used 90% of your monthly budget this month (¥90.00 of ¥100.00)."
    )
    assert again is None
    # when: muted, and next month the budget is used again
    nudge_choose(client=client, nudge_id=first.pk, choice="mute", now=NOW)
    january = datetime(2027, 1, 5, 12, 0, tzinfo=TZ)
    spend(client, at=january - timedelta(hours=3))
    # then
    assert nudge_for_page(client=client, place=BOOKING, now=january) is None
    assert Nudge.objects.filter(client=client).count() == 1
    assert NudgeMute.objects.filter(client=client, rule="budget_used").exists()


def test_budget_rule_fires_again_next_month_when_only_dismissed(only):
    # given
    only("budget_used")
    client = UserFactory()
    with transaction.atomic():
        budget_cap_set(client=client, cap_fen=10000, now=NOW - timedelta(days=1))
    spend(client, at=NOW - timedelta(hours=3))
    first = nudge_for_page(client=client, place=BOOKING, now=NOW)
    nudge_choose(client=client, nudge_id=first.pk, choice="dismiss", now=NOW)
    january = datetime(2027, 1, 5, 12, 0, tzinfo=TZ)
    spend(client, at=january - timedelta(hours=3))
    # when
    second = nudge_for_page(client=client, place=BOOKING, now=january)
    # then
    assert second.period == "2027-01"
    assert Nudge.objects.get(pk=first.pk).choice == "dismiss"


def test_budget_below_80_percent_shows_nothing(only):
    only("budget_used")
    client = UserFactory()
    with transaction.atomic():
        budget_cap_set(client=client, cap_fen=20000, now=NOW - timedelta(days=1))
    spend(client, at=NOW - timedelta(hours=3))  # 45 %
    assert nudge_for_page(client=client, place=BOOKING, now=NOW) is None


def test_income_share_rule_fires_once_per_month(only):
    # given: ¥90 spent, a stated income of ¥300 (30 % > 20 %)
    only("income_share")
    client = UserFactory()
    income_set(client=client, income_fen=30000)
    spend(client, at=NOW - timedelta(hours=3))
    # when
    first = nudge_for_page(client=client, place=BOOKING, now=NOW)
    # then
    assert (first.rule, first.seen["percent"]) == ("income_share", 30)
    assert nudge_text(first) == (
        "This month you have spent ¥90.00 here, about 30% of the monthly income you told us "
        "(¥300.00)."
    )
    assert nudge_for_page(client=client, place=BOOKING, now=NOW + timedelta(days=3)) is None


def test_nights_in_a_row_rule_fires_once_per_week(only):
    # given: chats at 23:30 on the last three nights
    only("nights_in_row")
    client = UserFactory()
    for days_ago in (1, 2, 3):
        night = (NOW - timedelta(days=days_ago)).replace(hour=23, minute=30)
        session_held(client, start=night, minutes=30)
    # when
    first = nudge_for_page(client=client, place=BOOKING, now=NOW)
    # then
    assert (first.rule, first.period, first.seen) == ("nights_in_row", "2026-W49", {"nights": 3})
    assert nudge_text(first) == (
        "You have chatted late at night (23:00-07:00) on 3 nights in a row."
    )
    assert nudge_for_page(client=client, place=BOOKING, now=NOW + timedelta(days=1)) is None


def test_two_nights_are_not_a_row_of_three(only):
    only("nights_in_row")
    client = UserFactory()
    for days_ago in (1, 3):
        session_held(client, start=(NOW - timedelta(days=days_ago)).replace(hour=1), minutes=30)
    assert nudge_for_page(client=client, place=BOOKING, now=NOW) is None


def test_hours_far_above_the_usual_fire_once_per_week(only):
    # given: one hour in each of the 8 weeks before, four hours this week
    only("hours_above_usual")
    client = UserFactory()
    for weeks_ago in range(1, 9):
        session_held(client, start=NOW - timedelta(weeks=weeks_ago), minutes=60)
    session_held(client, start=NOW - timedelta(days=1), minutes=240)
    # when
    first = nudge_for_page(client=client, place=BOOKING, now=NOW)
    # then
    assert (first.rule, first.seen) == ("hours_above_usual", {"minutes": 240, "usual_minutes": 60})
    assert nudge_text(first) == (
        "You have chatted for 4.0 hours this week; your usual is about 1.0 hours a week."
    )
    assert nudge_for_page(client=client, place=BOOKING, now=NOW + timedelta(hours=2)) is None


def test_hours_rule_waits_for_a_usual_to_exist(only):
    only("hours_above_usual")
    client = UserFactory()
    session_held(client, start=NOW - timedelta(days=1), minutes=600)  # a first, long week
    assert nudge_for_page(client=client, place=BOOKING, now=NOW) is None


def test_choices_are_checked_and_belong_to_the_client(only):
    # given
    only("budget_used")
    client, other = UserFactory(), UserFactory()
    with transaction.atomic():
        budget_cap_set(client=client, cap_fen=10000, now=NOW - timedelta(days=1))
    spend(client, at=NOW - timedelta(hours=3))
    nudge = nudge_for_page(client=client, place=BOOKING, now=NOW)
    # when / then
    with pytest.raises(NotFound):
        nudge_choose(client=other, nudge_id=nudge.pk, choice="dismiss")
    with pytest.raises(DomainError):
        nudge_choose(client=client, nudge_id=nudge.pk, choice="block")
    assert Nudge.objects.get(pk=nudge.pk).choice == ""


def test_the_card_shows_on_the_booking_page_and_the_choice_is_recorded(client, only):
    # given
    only("budget_used")
    user = UserFactory()
    tier = PricingTierFactory()
    with transaction.atomic():
        budget_cap_set(client=user, cap_fen=10000)
    spend(user, at=timezone.now() - timedelta(minutes=90))
    client.force_login(user)
    client.cookies["django_language"] = "en"
    # when
    page = client.get(f"/chat/book/{tier.pk}/").content.decode()
    # then
    assert 'id="care-nudge"' in page
    assert "You have used 90% of your monthly budget" in page
    nudge = Nudge.objects.get(client=user)
    assert nudge.place == "booking"
    # when: the booking page again
    assert 'id="care-nudge"' not in client.get(f"/chat/book/{tier.pk}/").content.decode()
    # when: "set a limit"
    response = client.post(f"/care/nudges/{nudge.pk}/", {"choice": "limit"})
    # then
    assert response.status_code == 302
    assert response["Location"] == "/care/limits/"
    assert Nudge.objects.get(pk=nudge.pk).choice == "limit"


def test_the_booking_page_still_books_while_a_card_is_shown(client, only):
    # given: the nudge never blocks
    only("budget_used")
    user = UserFactory()
    tier = PricingTierFactory(price_per_hour_fen=1000, same_price_at_night=True)
    with transaction.atomic():
        budget_cap_set(client=user, cap_fen=10000)
    spend(user, at=timezone.now() - timedelta(minutes=90))
    client.force_login(user)
    client.get(f"/chat/book/{tier.pk}/")
    start = timezone.localtime() + timedelta(days=1)
    # when
    response = client.post(
        f"/chat/book/{tier.pk}/",
        {"kind": "appointment", "start": start.strftime("%Y-%m-%dT%H:%M"), "minutes": "30"},
    )
    # then
    assert response.status_code == 302
