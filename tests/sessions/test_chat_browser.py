"""Two browsers (client and listener) chatting through a real daphne (HTTP + WebSocket)
with the Redis channel layer and PostgreSQL."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from playwright.sync_api import expect

from payments.invariants import assert_ledger_consistent
from payments.models import Refund
from sessions.models import Breach, Message, Order, ReplyClock
from sessions.services import lifecycle, orders
from sessions.services import watcher as watcher_services
from sessions.services.transitions import order_transition
from tests.sessions.chat_factories import ChatOrderFactory, session_cookie
from tests.sessions.factories import InstantOrderFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(90),
    pytest.mark.django_db(transaction=True),
]


def signed_in_page(browser, node, user):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "url": node.url}])
    return context, context.new_page()


def test_client_and_listener_chat_with_typing_receipts_and_a_dropped_connection(browser, node):
    # given
    order = ChatOrderFactory()
    client_ctx, client = signed_in_page(browser, node, order.client)
    listener_ctx, listener = signed_in_page(browser, node, order.listener.user)
    try:
        client.goto(f"{node.url}/chat/{order.pk}/")
        listener.goto(f"{node.url}/chat/dashboard/")
        for page in (client, listener):
            page.locator("#connection[data-state='open']").wait_for()
        # when: the client writes
        client.fill("#text", "你好，在吗？")
        client.press("#text", "Enter")
        # then: the listener sees it, and the client sees it read (the chat is open there)
        listener.locator(".chat-log:not([hidden]) .msg.theirs", has_text="你好，在吗？").wait_for()
        client.locator(".msg.mine[data-status='read']").wait_for()
        # when: the listener types and answers
        listener.type("#text", "在的")
        client.locator("#typing:not([hidden])").wait_for()
        listener.press("#text", "Enter")
        client.locator(".msg.theirs", has_text="在的").wait_for()
        # when: the client's connection drops; meanwhile both sides write
        client.evaluate("window.chatSocket.stopped = true; window.chatSocket.drop()")
        client.locator("#connection[data-state='reconnecting']").wait_for()
        listener.fill("#text", "你还在吗？")
        listener.press("#text", "Enter")
        listener.locator(".msg.mine[data-status='sent']", has_text="你还在吗？").wait_for()
        client.fill("#text", "刚才断线了")
        client.press("#text", "Enter")
        client.locator(".msg.mine.pending", has_text="刚才断线了").wait_for()
        client.evaluate("window.chatSocket.stopped = false; window.chatSocket.connect()")
        # then: the client catches up and its queued message goes out exactly once
        client.locator("#connection[data-state='open']").wait_for()
        client.locator(".msg.theirs", has_text="你还在吗？").wait_for()
        client.locator(".msg.mine:not(.pending)", has_text="刚才断线了").wait_for()
        listener.locator(".msg.theirs", has_text="刚才断线了").wait_for()
        assert client.locator(".msg", has_text="你还在吗？").count() == 1
        assert listener.locator(".msg", has_text="刚才断线了").count() == 1
        texts = list(
            Message.objects.filter(order=order).order_by("seq").values_list("text", flat=True)
        )
        assert texts == ["你好，在吗？", "在的", "你还在吗？", "刚才断线了"]
        assert re.match(r"\d\d:\d\d", client.locator("#time-left").inner_text())
    finally:
        client_ctx.close()
        listener_ctx.close()


def elsewhere(fn, /, **kwargs):
    """Run a service in another thread, as a webhook or the watcher would: Playwright's
    sync API keeps an event loop running in this one. Returns what it returned."""

    def run():
        try:
            return fn(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(run).result(timeout=30)


def paid_elsewhere(order_id: int) -> None:
    elsewhere(orders.order_mark_paid, order_id=order_id)


def test_instant_order_paid_while_the_dashboard_is_open_is_listed_live(browser, node):
    # given: the listener's dashboard is open, nothing waiting
    order = InstantOrderFactory()
    listener_ctx, listener = signed_in_page(browser, node, order.listener.user)
    try:
        listener.goto(f"{node.url}/chat/dashboard/")
        listener.locator("#connection[data-state='open']").wait_for()
        assert listener.locator(".pending-orders").is_hidden()
        # when: the client's payment lands (in another thread, as the payment webhook
        # would: Playwright's sync API keeps an event loop running in this one)
        paid_elsewhere(order.pk)
        # then: listed with its countdown; accepting it goes through the order services
        item = listener.locator(f"#pending-orders li[data-order='{order.pk}']")
        item.wait_for()
        assert "30" in item.inner_text()
        listener.wait_for_function(
            f"() => document.querySelector(\"li[data-order='{order.pk}'] .accept-left\")"
            ".textContent.length > 0"
        )
        item.get_by_role("button", name="接单").click()
        listener.wait_for_url(re.compile(r"/chat/dashboard/$"))
        listener.locator(f"#pending-orders li[data-order='{order.pk}']").wait_for(state="detached")
        order.refresh_from_db()
        assert order.state in (Order.State.ACCEPTED, Order.State.ACTIVE)
    finally:
        listener_ctx.close()


def running_paid_session() -> Order:
    """An instant 30-minute order paid through the local Stripe server, now running."""
    from tests.payments.helpers import order_paid

    order = order_paid(InstantOrderFactory(minutes=30))
    order_transition(order_id=order.pk, to=Order.State.ACCEPTED)
    return lifecycle.session_activate(order_id=order.pk)


def yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def test_breach_refund_lowers_the_money_held_on_the_clients_page_live(browser, node, local_stripe):
    # given: a paid running session; the client's page shows the whole price held
    order = elsewhere(running_paid_session)
    client_ctx, client = signed_in_page(browser, node, order.client)
    try:
        client.goto(f"{node.url}/chat/{order.pk}/")
        client.locator("#connection[data-state='open']").wait_for()
        expect(client.locator("#money-held")).to_have_text(yuan(order.price_fen))
        # and the two re-reads the page schedules on the state frame of connecting are
        # done (else they, not the breach, could be what updates the amount)
        client.wait_for_function(
            "() => performance.getEntriesByType('resource')"
            f".filter((e) => e.name.endsWith('/api/orders/{order.pk}/')).length === 2"
        )
        client.evaluate("window.sameDocument = true")
        # and the client's message is waiting for a reply
        client.fill("#text", "你在吗？")
        client.press("#text", "Enter")
        client.locator(".msg.mine:not(.pending)", has_text="你在吗？").wait_for()
        clock = ReplyClock.objects.get(order=order, status=ReplyClock.Status.OPEN)
        # when: the watcher sweeps just past the reply deadline and compensates
        result = elsewhere(watcher_services.clocks_sweep, now=clock.deadline + timedelta(seconds=1))
        # then: one breach, refunded through Stripe, its notice shown and the amount held
        # lowered by exactly the refund, on the same page (not reloaded)
        assert result.breaches == 1
        [breach] = Breach.objects.filter(order=order)
        per = order.price_fen * order.breach_refund_percent // 100
        assert breach.refund_fen == per > 0
        assert list(Refund.objects.filter(order=order).values_list("amount_fen", "status")) == [
            (per, Refund.Status.SUCCEEDED)
        ]
        client.locator(".msg.notice").wait_for()
        expect(client.locator("#money-held")).to_have_text(
            yuan(order.price_fen - per), timeout=10_000
        )
        assert client.evaluate("window.sameDocument") is True
        order.refresh_from_db()
        assert order.state == Order.State.ACTIVE
        assert_ledger_consistent()
    finally:
        client_ctx.close()
