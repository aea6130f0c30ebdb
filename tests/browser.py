"""Helpers of the browser tests (the `browser` / `page` fixtures are in tests/conftest.py)."""

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
