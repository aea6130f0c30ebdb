"""Two browsers (client and listener) chatting through a real daphne (HTTP + WebSocket)
with the Redis channel layer and PostgreSQL."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection

from sessions.models import Message, Order
from sessions.services import orders
from tests.sessions.chat_daphne import Daphne
from tests.sessions.chat_factories import ChatOrderFactory, session_cookie
from tests.sessions.factories import InstantOrderFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.timeout(90),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def node():
    daphne = Daphne(redis_url=settings.REDIS_URL)
    try:
        yield daphne.wait()
    finally:
        daphne.stop()
        print(daphne.output()[-3000:])  # shown when the test fails


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


def paid_elsewhere(order_id: int) -> None:
    def run():
        try:
            orders.order_mark_paid(order_id=order_id)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(run).result(timeout=30)


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
            f"document.querySelector(\"li[data-order='{order.pk}'] .accept-left\")"
            ".textContent.length > 0"
        )
        item.get_by_role("button", name="接单").click()
        listener.wait_for_url(re.compile(r"/chat/dashboard/$"))
        listener.locator(f"#pending-orders li[data-order='{order.pk}']").wait_for(state="detached")
        order.refresh_from_db()
        assert order.state in (Order.State.ACCEPTED, Order.State.ACTIVE)
    finally:
        listener_ctx.close()
