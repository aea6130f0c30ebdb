"""Every main page at both viewports, with the demo data: nothing wider than the screen
(client pages on the phone, every page on the laptop), and with SCREENSHOTS_DIR set (as
`make screenshots` does: .run/screenshots/) a full-page PNG of each for a person to look
at."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from listeners.models import ListenerProfile
from marketplace.models import User
from reviews.models import Review
from sessions.models import Order
from sessions.services import orders
from tests.journeys.helpers import LAPTOP, OVERFLOW_JS, PHONE, context_for, elsewhere, web_node
from tests.listeners.factories import seed_platform_tags

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.django_db(transaction=True),
]

SHOTS = os.environ.get("SCREENSHOTS_DIR")


@pytest.fixture
def node(local_stripe):
    daphne = web_node(local_stripe)
    try:
        yield daphne
    finally:
        daphne.stop()


def pages_by_role() -> dict[str, list[tuple[str, str]]]:
    """(name, path) of the main pages each role meets, on the demo data."""
    client = User.objects.get(phone="13800000002")
    listener = ListenerProfile.objects.get(user__phone="13900000001")
    order = Order.objects.filter(client=client, listener=listener).order_by("pk").first()
    tier = listener.tiers.filter(is_active=True).order_by("price_per_hour_fen").first()
    unpaid = orders.order_create(
        client=client,
        tier_id=tier.pk,
        kind="appointment",
        minutes=30,
        start=timezone.now() + timedelta(days=1),
    )
    return {
        "anonymous": [
            ("home", "/"),
            ("login", reverse("accounts:login")),
            ("help", reverse("help")),
            ("terms", reverse("terms")),
            ("privacy", reverse("privacy")),
            ("not-found", "/no-such-page/"),
        ],
        "client": [
            ("catalogue", reverse("listeners:catalogue") + "?price_min=35"),
            ("profile", reverse("listeners:profile", args=[listener.pk])),
            ("reviews", reverse("reviews:listener", args=[listener.pk])),
            ("book", reverse("sessions:book", args=[tier.pk])),
            ("pay", reverse("sessions:pay", args=[unpaid.pk])),
            ("my-orders", reverse("sessions:my_orders")),
            ("order", reverse("sessions:order_detail", args=[order.pk])),
            ("chat", reverse("sessions:chat", args=[order.pk])),
            ("timeline", reverse("sessions:timeline", args=[order.pk])),
            ("dispute", reverse("payments:dispute", args=[order.pk])),
            ("notifications", reverse("payments:notifications")),
            ("account", reverse("accounts:account")),
        ],
        "listener": [
            ("dashboard", reverse("sessions:dashboard")),
            ("my-profile", reverse("listeners:my_profile")),
            ("earnings", reverse("payments:earnings")),
            ("my-reviews", reverse("reviews:mine")),
        ],
        "staff": [
            ("dispute-desk", reverse("payments:dispute_desk")),
            ("escalations", reverse("sessions:escalations")),
        ],
    }


def test_every_main_page_fits_both_viewports_and_is_photographed(browser, node):
    # given: the platform's tags and the demo data (real rows), one user per role
    elsewhere(seed_platform_tags)
    elsewhere(call_command, command_name="demo_data")
    assert Review.objects.exists()
    users = {
        "anonymous": None,
        "client": User.objects.get(phone="13800000002"),
        "listener": User.objects.get(phone="13900000001"),
        "staff": User.objects.get(phone="13700000001"),
    }
    folder = Path(SHOTS) if SHOTS else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
    too_wide = []
    for role, pages in elsewhere(pages_by_role).items():
        for size, viewport in (("phone", PHONE), ("laptop", LAPTOP)):
            context = context_for(browser, node, users[role], viewport=viewport)
            page = context.new_page()
            try:
                for name, path in pages:
                    # when
                    response = page.goto(node.url + path)
                    page.wait_for_load_state("networkidle")
                    # then
                    assert response.status == (404 if name == "not-found" else 200), path
                    found = page.evaluate(OVERFLOW_JS)
                    # Staff and listeners work on a laptop; on a phone their pages are
                    # photographed but only the client's must fit.
                    must_fit = size == "laptop" or role in ("anonymous", "client")
                    if must_fit and (found["page"] > found["viewport"] or found["wide"]):
                        too_wide.append((role, size, name, found))
                    if folder:
                        page.screenshot(path=folder / f"{size}-{role}-{name}.png", full_page=True)
            finally:
                context.close()
    assert too_wide == []
