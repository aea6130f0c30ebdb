"""Fixtures and rules shared by the whole suite.

Services: the suite runs on whatever DATABASE_URL / REDIS_URL name, or on a throwaway
embedded PostgreSQL and a private embedded Redis when they are unset
(marketplace/settings/test.py): every test runs on PostgreSQL, with real row locks and
triggers. Only a missing external program skips a test, saying which (Chromium for the
`browser` tests), and fails it instead when REQUIRE_SERVICES=1 (CI), so a misconfigured
CI can never pass by skipping.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection

from marketplace import sms
from tests.browser import BeijingBrowser

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def missing_service(reason: str) -> None:
    """Skip for a developer without the service; fail where CI promised it."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database; before it drops it, end the sessions that threads
    and subprocesses of the tests (socket threads, daphne, celery) may have left on it,
    else the DROP fails and leaves the database behind."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _fresh_cache_and_outbox():
    """Rate limits, heartbeats and the SMS outbox must not leak between tests."""
    cache.clear()
    sms.outbox_clear()
    yield
    sms.outbox_clear()


@pytest.fixture
def sms_outbox():
    return sms.outbox


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing_service(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
def browser(chromium_path, monkeypatch):
    """Debian's Chromium driven by Playwright; never a downloaded browser.

    Function-scoped on purpose: Playwright's sync API keeps an asyncio loop running in
    the main thread while it is open, which would break every async (Channels) test
    that runs after a browser test.
    """
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django must allow ORM use beside it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield BeijingBrowser(chromium)
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def zoned_page(browser):
    """`zoned_page(zone, **context_options)`: a phone page whose browser is in `zone`
    (e.g. "America/New_York"), closed after the test."""
    contexts = []

    def open_page(zone: str, **options):
        options.setdefault("viewport", {"width": 390, "height": 844})
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(timezone_id=zone, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def local_stripe() -> str:
    """The local Stripe server (localstripe) on a free port, unless STRIPE_API_BASE is set;
    settings.STRIPE_API_BASE and the stripe SDK point at it. Returns its URL."""
    from tests.payments.stripe_server import local_stripe_url

    return local_stripe_url()


@pytest.fixture
def node():
    """One real daphne web node (HTTP and WebSocket) on the test database and Redis; its
    output is printed when the test fails. Tests needing more of it define their own."""
    from django.conf import settings

    from tests.sessions.chat_daphne import Daphne

    daphne = Daphne(redis_url=settings.REDIS_URL)
    try:
        yield daphne.wait()
    finally:
        daphne.stop()
        print(daphne.output()[-3000:])  # shown when the test fails
