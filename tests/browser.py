"""Helpers of the browser tests (the `browser`, `page` and `zoned_page` fixtures are in
tests/conftest.py)."""

from django.conf import settings
from django.test import Client


def sign_in(context, live_server, user) -> None:
    """Hand a Playwright browser context a session cookie for `user` (the SMS sign-in has
    its own tests)."""
    django_client = Client()
    django_client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": django_client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


BROWSER_ZONE = "Asia/Shanghai"


class BeijingBrowser:
    """The Playwright browser, whose contexts are in Beijing time unless a test names
    another `timezone_id`: pages show times in the browser's zone (marketplace/timezones.py),
    and this machine's own zone (UTC) is nobody's. Everything else is Playwright's."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        options.setdefault("timezone_id", BROWSER_ZONE)
        return self._browser.new_context(**options)

    def new_page(self, **options):
        options.setdefault("timezone_id", BROWSER_ZONE)
        return self._browser.new_page(**options)

    def __getattr__(self, name):
        return getattr(self._browser, name)
