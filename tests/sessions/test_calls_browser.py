"""A voice call between two real Chromiums (fake microphone, loopback only): the client
calls from a phone, the listener answers, audio flows both ways for a few seconds
(getStats), the client hangs up; the transcript shows the call and its duration, and the
wallet paid the per-minute session's minutes started. Real daphne, Redis, PostgreSQL."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect

from payments.invariants import assert_ledger_consistent
from payments.wallet.selectors import wallet_balance_fen
from sessions.models import Call, Message
from sessions.services import lifecycle, metering
from sessions.services.orders import order_accept
from tests.conftest import CHROMIUM_ARGS
from tests.factories import UserFactory
from tests.payments.wallet_helpers import topup_paid
from tests.sessions.chat_daphne import Daphne
from tests.sessions.chat_factories import session_cookie
from tests.sessions.metering_helpers import MINUTE_FEN, per_minute_tier

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(150),
    pytest.mark.django_db(transaction=True),
]

FAKE_MEDIA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture
def media_browser(chromium_path, monkeypatch):
    """Chromium with a fake microphone and camera, allowed without a prompt."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, args=[*CHROMIUM_ARGS, *FAKE_MEDIA]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def node(local_stripe):
    daphne = Daphne(redis_url=settings.REDIS_URL, extra_env={"STRIPE_API_BASE": local_stripe})
    try:
        yield daphne.wait()
    finally:
        daphne.stop()
        print(daphne.output()[-3000:])  # shown when the test fails


def elsewhere(fn, **kwargs):
    """A service run as a worker would: in another thread (Playwright owns this loop)."""

    def run():
        try:
            return fn(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(run).result(timeout=30)


def audio_bytes(page) -> tuple[int, int]:
    stats = page.evaluate("() => window.callStats")
    return (stats["audioBytesSent"], stats["audioBytesReceived"]) if stats else (0, 0)


def chat_page(browser, node, user, order, **options):
    context = browser.new_context(locale="zh-CN", **options)
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "url": node.url}])
    page = context.new_page()
    page.goto(f"{node.url}/chat/{order.pk}/")
    page.locator("#connection[data-state='open']").wait_for()
    return context, page


def test_client_calls_listener_answers_audio_flows_both_ways_then_the_client_hangs_up(
    media_browser, node
):
    # given: a live per-minute session on a voice tier, ¥50 in the wallet
    tier = per_minute_tier(medium="voice")
    client = UserFactory()
    topup_paid(client, 5_000)
    order = elsewhere(metering.metered_order_create, client=client, tier_id=tier.pk)
    elsewhere(order_accept, order_id=order.pk, listener_user=tier.listener.user)
    order = elsewhere(lifecycle.session_activate, order_id=order.pk)
    client_context, client_page = chat_page(
        media_browser, node, client, order, viewport={"width": 390, "height": 844}
    )
    listener_context, listener_page = chat_page(media_browser, node, tier.listener.user, order)
    try:
        # when: the client calls and the listener answers
        client_page.click("#call-voice")
        expect(listener_page.locator("#call-ringing")).to_be_visible()
        listener_page.click("#call-accept")
        # then: media connects and audio flows both ways, on both pages, for a few seconds
        for page in (client_page, listener_page):
            page.wait_for_function(
                "() => window.callStats && window.callStats.audioBytesSent > 0"
                " && window.callStats.audioBytesReceived > 0"
            )
        before = {page: audio_bytes(page) for page in (client_page, listener_page)}
        time.sleep(3)
        for page, (sent, received) in before.items():
            now_sent, now_received = audio_bytes(page)
            assert now_sent - sent > 3_000, (sent, now_sent)
            assert now_received - received > 3_000, (received, now_received)
        expect(client_page.locator("#call-quality")).to_contain_text("ms")
        call = Call.objects.get(order=order)
        assert (call.state, call.media_at is not None) == (Call.State.CONNECTED, True)
        # when: the next minute is charged while the call runs, then the client hangs up
        order.refresh_from_db()
        elsewhere(metering.metering_pass, now=order.ends_at)
        client_page.click("#call-hangup")
        # then: both pages are back to idle, the transcript has the call with its duration
        for page in (client_page, listener_page):
            expect(page.locator("#call-voice")).to_be_visible()
        call.refresh_from_db()
        assert (call.state, call.ended_by_id) == (Call.State.ENDED, client.pk)
        duration = f"{call.seconds // 60}:{call.seconds % 60:02d}"
        assert 3 <= call.seconds < 60
        ended = Message.objects.get(order=order, system_code="call_ended_client")
        assert ended.system_params == {"duration": duration}
        for page in (client_page, listener_page):  # in the reader's language (zh_Hans)
            expect(
                page.locator(".msg", has_text=f"客户在 {duration} 后结束了通话。")
            ).to_be_visible()
        # and the wallet paid the two minutes started, no more
        order.refresh_from_db()
        assert (order.minutes, order.price_fen) == (2, 2 * MINUTE_FEN)
        assert wallet_balance_fen(client_id=client.pk) == 5_000 - 2 * MINUTE_FEN
        assert_ledger_consistent()
    finally:
        client_context.close()
        listener_context.close()
