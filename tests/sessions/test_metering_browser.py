"""A client on a phone tops up the wallet with the stand-in Stripe.js, starts a
per-minute chat from the listener's profile, watches the spend rise, hits zero, sees the
pause, tops up again and resumes. Real daphne (HTTP + WebSocket), Redis, PostgreSQL; the
metering is driven by calling the metering pass with a chosen `now` (no minute waited)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import expect

from payments.invariants import assert_ledger_consistent
from sessions.models import Order
from sessions.services import lifecycle, metering
from sessions.services.orders import order_accept
from tests.factories import UserFactory
from tests.sessions.chat_daphne import Daphne
from tests.sessions.chat_factories import session_cookie
from tests.sessions.metering_helpers import per_minute_tier

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(120),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def node(local_stripe):
    daphne = Daphne(
        redis_url=settings.REDIS_URL,
        extra_env={"STRIPE_API_BASE": local_stripe, "STRIPE_JS_URL": settings.STRIPE_JS_URL},
    )
    try:
        yield daphne.wait()
    finally:
        daphne.stop()
        print(daphne.output()[-3000:])  # shown when the test fails


def elsewhere(fn, **kwargs):
    """Run a service as a worker would: in another thread (Playwright's event loop owns
    this one, and the channel layer's sends need a thread without one)."""

    def run():
        try:
            return fn(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(run).result(timeout=30)


def top_up(page, node, yuan: str) -> None:
    page.goto(f"{node.url}/payments/wallet/")
    page.click(f"#topup-form button[value='{yuan}']")
    page.wait_for_selector("#card-element input")
    page.fill("#card-element input[placeholder=number]", "4242424242424242")
    page.fill("#card-element input[placeholder=exp_month]", "12")
    page.fill("#card-element input[placeholder=exp_year]", "30")
    page.fill("#card-element input[placeholder=cvc]", "123")
    page.fill("#card-element input[placeholder=postal_code]", "10001")
    page.click("#pay-submit")
    page.wait_for_url(f"{node.url}/payments/wallet/")


def test_top_up_chat_per_minute_pause_at_zero_top_up_and_resume(browser, node):
    # given: an online listener selling ¥5 minutes, day and night (the suite runs at any
    # hour); a client with an empty wallet
    tier = per_minute_tier(night_surcharge_percent=0)
    client = UserFactory()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "sessionid", "value": session_cookie(client), "url": node.url}])
    page = context.new_page()
    try:
        # when: ¥20 topped up
        top_up(page, node, "20")
        expect(page.locator("#wallet-balance")).to_have_text("¥20.00")
        # when: a per-minute chat started from the profile, accepted by the listener
        page.goto(f"{node.url}/listeners/{tier.listener_id}/")
        page.click(f"#start-per-minute-{tier.pk}")
        order = Order.objects.get(client=client)
        elsewhere(order_accept, order_id=order.pk, listener_user=tier.listener.user)
        order = elsewhere(lifecycle.session_activate, order_id=order.pk)
        page.goto(f"{node.url}/chat/{order.pk}/")
        page.locator("#connection[data-state='open']").wait_for()
        expect(page.locator("#meter-spent")).to_have_text("¥5.00")
        expect(page.locator("#meter-balance")).to_have_text("¥15.00")
        # then: the spend rises minute by minute; the warning comes before zero
        for spent, balance in (("¥10.00", "¥10.00"), ("¥15.00", "¥5.00"), ("¥20.00", "¥0.00")):
            order.refresh_from_db()
            elsewhere(metering.metering_pass, now=order.ends_at)
            expect(page.locator("#meter-spent")).to_have_text(spent)
            expect(page.locator("#meter-balance")).to_have_text(balance)
        expect(page.locator("#meter-warn")).to_be_visible()
        # when: the next minute cannot be paid
        order.refresh_from_db()
        elsewhere(metering.metering_pass, now=order.ends_at)
        # then: paused, sending off
        expect(page.locator("#meter-paused")).to_be_visible()
        expect(page.locator("#send")).to_be_disabled()
        # when: topped up again in another tab, then resumed
        wallet_tab = context.new_page()
        top_up(wallet_tab, node, "20")
        wallet_tab.close()
        page.click("#meter-resume")
        page.locator("#connection[data-state='open']").wait_for()
        # then: the chat carries on where it was
        expect(page.locator("#meter-paused")).to_be_hidden()
        expect(page.locator("#meter-spent")).to_have_text("¥25.00")
        expect(page.locator("#meter-balance")).to_have_text("¥15.00")
        expect(page.locator("#send")).to_be_enabled()
        page.fill("#text", "我回来了")
        page.press("#text", "Enter")
        page.locator(".msg.mine[data-status='sent']", has_text="我回来了").wait_for()
        order.refresh_from_db()
        assert (order.state, order.paused_at, order.minutes) == (Order.State.ACTIVE, None, 5)
        assert_ledger_consistent()
    finally:
        context.close()
