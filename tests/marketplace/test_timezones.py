"""The viewer's time zone from the `tz` cookie (marketplace/timezones.py): known IANA names
are taken, anything else means Beijing time, and only display follows it."""

from datetime import UTC, datetime

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from marketplace import timezones

BEIJING = "Asia/Shanghai"


@pytest.mark.parametrize(
    ("cookie", "zone"),
    [
        ("America/New_York", "America/New_York"),
        ("Europe/London", "Europe/London"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Etc/GMT+8", "Etc/GMT+8"),
        ("UTC", "UTC"),
        ("America%2FNew_York", "America/New_York"),  # URL-encoded by some clients
        (" Asia/Tokyo ", "Asia/Tokyo"),
        (None, BEIJING),
        ("", BEIJING),
        ("Mars/Olympus", BEIJING),
        ("america/new_york", BEIJING),  # names are case-sensitive
        ("../../../etc/passwd", BEIJING),
        ("/etc/localtime", BEIJING),
        ("Asia/Shanghai\x00", BEIJING),
        ("Asia/Shanghai; other=1", BEIJING),
        ("<script>alert(1)</script>", BEIJING),
        ("A/" * 200, BEIJING),
        ("%E4%B8%8A%E6%B5%B7", BEIJING),  # 上海
    ],
)
def test_the_cookie_names_a_known_zone_or_means_beijing_time(cookie, zone):
    assert timezones.zone_name_from_cookie(cookie) == zone


def test_the_middleware_puts_the_zone_on_the_request_and_leaves_the_rules_on_beijing_time():
    # given: a request from a browser in New York
    request = RequestFactory().get("/", HTTP_COOKIE="tz=America/New_York")
    seen = {}

    def view(req):
        moment = datetime(2026, 1, 15, 15, 30, tzinfo=UTC)  # 23:30 Beijing, 10:30 New York
        seen["name"] = req.timezone_name
        seen["zone"] = str(req.timezone)
        seen["current"] = timezone.get_current_timezone_name()
        seen["rules"] = timezone.localtime(moment).strftime("%H:%M")
        seen["display"] = timezones.display_localtime(moment).strftime("%H:%M")
        return HttpResponse()

    # when
    timezones.ViewerTimezoneMiddleware(view)(request)
    # then: display in New York; Django's current zone (the rules' clock) stays Beijing
    assert seen == {
        "name": "America/New_York",
        "zone": "America/New_York",
        "current": BEIJING,
        "rules": "23:30",
        "display": "10:30",
    }
    # and after the request the display zone is Beijing time again
    assert timezones.display_zone().key == BEIJING


def test_a_bad_cookie_in_the_middleware_means_beijing_time():
    request = RequestFactory().get("/", HTTP_COOKIE="tz=Nowhere/Bogus")
    timezones.ViewerTimezoneMiddleware(lambda req: HttpResponse())(request)
    assert (request.timezone_name, str(request.timezone)) == (BEIJING, BEIJING)


@pytest.mark.parametrize(
    ("cookie", "zone"),
    [("America/New_York", "America/New_York"), ("x" * 5000, BEIJING), ("..", BEIJING)],
)
def test_every_page_says_its_zone_and_never_fails_on_the_cookie(client, cookie, zone):
    # given
    client.cookies["tz"] = cookie
    # when
    response = client.get(reverse("help"))
    # then
    assert response.status_code == 200
    assert f'data-tz="{zone}"' in response.content.decode()


def test_without_a_request_the_display_zone_is_beijing_time():
    assert timezones.display_zone().key == BEIJING
    assert timezones.viewer_zone_name(None) == BEIJING
