"""Times in the viewer's time zone, rules on Beijing time (marketplace/timezones.py).

A client whose browser is in New York sees the chat, the order and the reply timeline on
New York's clock (the page reloads itself once on the first visit, when it learns the
zone); a listener whose browser is in Beijing sees the same instants on Beijing's clock; a
bad cookie means Beijing time; a zone the server does not know reloads once, never again
and again. Night pricing (23:00-07:00) stays on Beijing time whatever the viewer's zone.

New York is 12 or 13 hours from Beijing, so an "HH:MM" there never equals Beijing's: each
assertion tells the two zones apart, at any hour the suite runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace import timezones
from sessions.models import Message, Order, ReplyClock
from sessions.services.chat import message_send
from tests.browser import sign_in
from tests.factories import UserFactory
from tests.journeys.helpers import LAPTOP, context_for, elsewhere
from tests.listeners.factories import PricingTierFactory
from tests.sessions.chat_factories import ChatOrderFactory

BEIJING = "Asia/Shanghai"
NEW_YORK = "America/New_York"


def on_clock(moment: datetime, zone: str, fmt: str = "%H:%M") -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime(fmt)


def wait_for_zone(page, zone: str) -> None:
    page.wait_for_function("(zone) => document.body.dataset.tz === zone", arg=zone)


def navigation_type(page) -> str:
    return page.evaluate("() => performance.getEntriesByType('navigation')[0].type")


def say(order: Order, user, text: str) -> Message:
    """A chat message stored through the service, as the socket would (in another thread:
    Playwright's sync API keeps an event loop running in this one)."""
    elsewhere(message_send, user=user, order_id=order.pk, client_id=uuid4().hex, text=text)
    return Message.objects.filter(order=order, text=text).get()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.django_db(transaction=True)
def test_a_client_in_new_york_sees_chat_order_and_timeline_times_in_new_york(browser, node):
    # given: an active session; the client asked, the listener answered
    order = ChatOrderFactory()
    asked = say(order, order.client, "你好，在吗？")
    answered = say(order, order.listener.user, "在的")
    clock = ReplyClock.objects.get(order=order)
    client_ctx = context_for(browser, node, order.client, zone=NEW_YORK)
    listener_ctx = context_for(browser, node, order.listener.user, viewport=LAPTOP)
    client, listener = client_ctx.new_page(), listener_ctx.new_page()
    try:
        # when: the client's first page (no zone known yet)
        client.goto(node.url + reverse("sessions:order_detail", args=[order.pk]))
        # then: it reloaded itself once, now drawn on New York's clock
        wait_for_zone(client, NEW_YORK)
        assert navigation_type(client) == "reload"
        assert {c["name"]: c["value"] for c in client_ctx.cookies()}["tz"] == NEW_YORK
        main = client.inner_text("main")
        assert on_clock(order.starts_at, NEW_YORK, "%Y-%m-%d %H:%M") in main
        assert on_clock(order.starts_at, BEIJING, "%Y-%m-%d %H:%M") not in main

        # when: the chat
        client.goto(node.url + reverse("sessions:chat", args=[order.pk]))
        client.locator("#connection[data-state='open']").wait_for()
        # then: the transcript's times are New York's, straight away (no second reload)
        assert navigation_type(client) == "navigate"
        theirs = client.locator(".msg.theirs", has_text="在的").locator(".meta")
        assert theirs.inner_text() == on_clock(answered.created_at, NEW_YORK)
        mine = client.locator(".msg.mine", has_text="你好，在吗？").locator(".meta")
        assert mine.inner_text().startswith(on_clock(asked.created_at, NEW_YORK) + " · ")
        # and the clock the meter and pause panels use says New York's time too
        iso = timezone.now().isoformat()
        formatted = client.evaluate(
            """async (iso) => {
                const src = document.querySelector("script[src*='chat.js']").src;
                const { formatClock } = await import(new URL("./chat-socket.js", src));
                return formatClock(iso, { seconds: true });
            }""",
            iso,
        )
        assert formatted == on_clock(datetime.fromisoformat(iso), NEW_YORK, "%H:%M:%S")

        # when: the listener, whose browser is in Beijing, opens the same chat and writes
        listener.goto(node.url + reverse("sessions:chat", args=[order.pk]))
        listener.locator("#connection[data-state='open']").wait_for()
        # then: Beijing's clock for them, with no reload (Beijing is the default)
        assert listener.locator("body").get_attribute("data-tz") == BEIJING
        assert navigation_type(listener) == "navigate"
        asked_there = listener.locator(".msg.theirs", has_text="你好，在吗？").locator(".meta")
        assert asked_there.inner_text() == on_clock(asked.created_at, BEIJING)
        listener.fill("#text", "刚看到")
        listener.press("#text", "Enter")
        # then: the live message reaches the client on New York's clock
        client.locator(".msg.theirs", has_text="刚看到").wait_for()
        live = Message.objects.get(order=order, text="刚看到")
        assert client.locator(".msg.theirs", has_text="刚看到").locator(
            ".meta"
        ).inner_text() == on_clock(live.created_at, NEW_YORK)

        # when: the reply timeline
        client.goto(node.url + reverse("sessions:timeline", args=[order.pk]))
        # then: it names the zone and shows its times in it
        assert client.inner_text("#timeline-zone") == f"时间均为 {NEW_YORK} 时区。"
        sent = client.locator("time.sent").first.inner_text()
        assert sent == on_clock(clock.opened_at, NEW_YORK, "%H:%M:%S")
        listener.goto(node.url + reverse("sessions:timeline", args=[order.pk]))
        assert listener.inner_text("#timeline-zone") == "时间均为北京时间。"
        assert listener.locator("time.sent").first.inner_text() == on_clock(
            clock.opened_at, BEIJING, "%H:%M:%S"
        )

        # when: a page drawn in another zone than the browser's (a cookie the server refuses;
        # this tab has reloaded once already, so it does not again)
        client_ctx.add_cookies([{"name": "tz", "value": "Nowhere/Bogus", "url": node.url}])
        client.goto(node.url + reverse("sessions:chat", args=[order.pk]))
        client.locator("#connection[data-state='open']").wait_for()
        assert client.locator("body").get_attribute("data-tz") == BEIJING
        # then: the script's times follow the page (Beijing), not the browser (New York)
        theirs = client.locator(".msg.theirs", has_text="在的").locator(".meta")
        assert theirs.inner_text() == on_clock(answered.created_at, BEIJING)
    finally:
        client_ctx.close()
        listener_ctx.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_bad_zone_cookie_means_beijing_time(page, live_server):
    # given: a finished order, and a browser (in Beijing) carrying a made-up zone
    order = ChatOrderFactory(state=Order.State.COMPLETED)
    sign_in(page.context, live_server, order.client)
    page.context.add_cookies([{"name": "tz", "value": "Mars/Olympus", "url": live_server.url}])
    # when
    response = page.goto(live_server.url + reverse("sessions:order_detail", args=[order.pk]))
    # then: the page answers, in Beijing time, without reloading
    assert response.status == 200
    assert page.locator("body").get_attribute("data-tz") == BEIJING
    assert on_clock(order.starts_at, BEIJING, "%Y-%m-%d %H:%M") in page.inner_text("main")
    assert navigation_type(page) == "navigate"
    # and the browser put its real zone in the cookie for the next page
    assert {c["name"]: c["value"] for c in page.context.cookies()}["tz"] == BEIJING


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_zone_the_server_does_not_know_reloads_once_and_stays_on_beijing_time(
    zoned_page, live_server, monkeypatch
):
    # given: a server whose zone database lacks New York, and a browser in New York
    monkeypatch.setattr(timezones, "_known_zones", lambda: frozenset({BEIJING}))
    page = zoned_page(NEW_YORK)
    documents = []
    page.on("request", lambda r: documents.append(r.url) if r.resource_type == "document" else 0)
    # when
    page.goto(live_server.url + "/help/")
    page.wait_for_function("() => performance.getEntriesByType('navigation')[0].type === 'reload'")
    page.wait_for_load_state("networkidle")
    # then: one reload to try, then it stays; the page is in Beijing time
    assert len(documents) == 2
    assert page.locator("body").get_attribute("data-tz") == BEIJING
    # when: the next page of the same tab
    page.goto(live_server.url + "/terms/")
    page.wait_for_load_state("networkidle")
    # then: no reload at all
    assert len(documents) == 3
    assert navigation_type(page) == "navigate"


def _beijing_night_start() -> datetime:
    """23:30 Beijing time, two days from now: 30 minutes fully inside the night window."""
    beijing = ZoneInfo(BEIJING)
    day = timezone.now().astimezone(beijing).date() + timedelta(days=2)
    return datetime(day.year, day.month, day.day, 23, 30, tzinfo=beijing)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_booking_page_in_new_york_prices_the_night_on_beijing_time(zoned_page, live_server):
    # given: a ¥60/h tier (+100 % at night); a client in New York books 23:30 Beijing time,
    # which their own picker shows as the morning
    tier = PricingTierFactory(price_per_hour_fen=6000, night_surcharge_percent=100)
    start = _beijing_night_start()
    page = zoned_page(NEW_YORK)
    sign_in(page.context, live_server, UserFactory())
    page.goto(live_server.url + reverse("sessions:book", args=[tier.pk]))
    wait_for_zone(page, NEW_YORK)
    assert page.inner_text("#start-zone") == f"时间均为 {NEW_YORK} 时区。"
    # when: they pick that time on their clock, for 30 minutes
    page.check("input[name=kind][value=appointment]")
    page.fill("#minutes", "30")
    page.fill("#start", on_clock(start, NEW_YORK, "%Y-%m-%dT%H:%M"))
    # then: the live quote is all night minutes, at the night price (¥120/h: ¥60.00)
    page.locator("#quote-total", has_text="¥60.00").wait_for()
    lines = page.inner_text("#quote-lines")
    assert "夜间时长" in lines
    assert "日间时长" not in lines


@pytest.mark.django_db
def test_a_booking_from_new_york_starts_when_the_viewer_said_and_pays_beijing_nights(client):
    # given: the same tier and night start as above; the client's zone is New York
    tier = PricingTierFactory(price_per_hour_fen=6000, night_surcharge_percent=100)
    start = _beijing_night_start()
    user = UserFactory()
    client.force_login(user)
    client.cookies["tz"] = NEW_YORK
    wall_clock = on_clock(start, NEW_YORK, "%Y-%m-%dT%H:%M")
    # when: the form posts New York's wall-clock time
    response = client.post(
        reverse("sessions:book", args=[tier.pk]),
        {"kind": "appointment", "start": wall_clock, "minutes": 30},
    )
    # then: the order starts at that instant and its 30 minutes are Beijing night minutes
    assert response.status_code == 302, response.content.decode()[-2000:]
    order = Order.objects.get(client=user)
    assert order.starts_at == start
    assert (order.quote["day_minutes"], order.quote["night_minutes"]) == (0, 30)
    assert order.price_fen == 6000


@pytest.mark.django_db
def test_a_quote_asked_from_new_york_still_uses_the_beijing_night(client):
    # given: the same instant asked as a bare 23:30 (a Beijing wall time) and with its offset
    tier = PricingTierFactory(price_per_hour_fen=6000, night_surcharge_percent=100)
    start = _beijing_night_start()
    client.cookies["tz"] = NEW_YORK
    for value in (start.replace(tzinfo=None).isoformat(), start.isoformat()):
        # when
        response = client.post(
            reverse("listeners-api:quote"),
            {"tier_id": tier.pk, "start": value, "minutes": 30},
            content_type="application/json",
        )
        # then: the API's reading of times does not follow the viewer's zone
        assert response.status_code == 200
        body = response.json()
        assert (body["day_minutes"], body["night_minutes"], body["total_fen"]) == (0, 30, 6000)
        assert datetime.fromisoformat(body["starts_at"]) == start
