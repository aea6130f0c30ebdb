"""The viewer's time zone, for display only.

Times are shown in the zone of the person looking at them: Beijing time
(`settings.TIME_ZONE`, Asia/Shanghai) by default, the browser's own zone once it has told
us. The browser says it in the `tz` cookie, which static/js/site.js sets from
`Intl.DateTimeFormat().resolvedOptions().timeZone`. A missing, malformed or unknown value
means Beijing time, never an error.

Business rules do not follow the viewer: the night window, shifts, care limits, budget
months and weeks are Beijing wall-clock rules, and Django's current time zone stays
Beijing time outside template rendering (nothing here calls `timezone.activate`).
templates/base.html renders a page's body inside `{% timezone viewer_tz %}`; Python code
that formats a time into a sentence for the viewer uses `display_localtime`.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from functools import lru_cache
from urllib.parse import unquote
from zoneinfo import ZoneInfo, available_timezones

from asgiref.local import Local
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

COOKIE_NAME = "tz"
# IANA names: letters, digits, "_", "-", "+" and "/" between parts ("America/New_York",
# "Etc/GMT+8", "UTC"); the longest real one is 32 characters.
_NAME = re.compile(r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$")
_MAX_LENGTH = 64

_active = Local()


def platform_zone_name() -> str:
    """The platform's zone: the rules' clock and the default display (Asia/Shanghai)."""
    return settings.TIME_ZONE


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_name_from_cookie(value: str | None) -> str:
    """The zone a `tz` cookie names if it is a known IANA zone, else the platform's."""
    if not value:
        return platform_zone_name()
    name = unquote(value).strip()
    if len(name) > _MAX_LENGTH or not _NAME.match(name) or name not in _known_zones():
        return platform_zone_name()
    return name


def zone_for(name: str) -> tzinfo:
    """A ZoneInfo for a name `zone_name_from_cookie` returned (cached)."""
    return _zone(name)


def viewer_zone_name(request: HttpRequest | None) -> str:
    """The viewer's zone name: set by `ViewerTimezoneMiddleware`, read from the cookie when
    the middleware did not run (a request built by hand), the platform's without one."""
    if request is None:
        return platform_zone_name()
    name = getattr(request, "timezone_name", None)
    if name is None:
        name = zone_name_from_cookie(request.COOKIES.get(COOKIE_NAME))
    return name


def display_zone() -> tzinfo:
    """The zone of the viewer of the request being answered, Beijing time outside one
    (a task, an SMS, the shell)."""
    return getattr(_active, "zone", None) or _zone(platform_zone_name())


def display_localtime(value: datetime) -> datetime:
    """`value` on the viewer's wall clock, for a time written into a sentence in Python
    (templates convert by themselves inside base.html's `{% timezone %}`)."""
    return timezone.localtime(value, display_zone())


class ViewerTimezoneMiddleware:
    """Puts the viewer's zone on the request (`request.timezone_name`, `request.timezone`)
    and makes it the display zone while the request is answered. It does not activate it
    as Django's current time zone: rules keep Beijing time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = zone_name_from_cookie(request.COOKIES.get(COOKIE_NAME))
        request.timezone_name = name  # type: ignore[attr-defined]
        request.timezone = zone_for(name)  # type: ignore[attr-defined]
        previous = getattr(_active, "zone", None)
        _active.zone = request.timezone  # type: ignore[attr-defined]
        try:
            return self.get_response(request)
        finally:
            _active.zone = previous
