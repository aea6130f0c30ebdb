"""Two browsers (client and listener) chatting through a real daphne (HTTP + WebSocket)
with the Redis channel layer and PostgreSQL."""

import re

import pytest
from django.conf import settings

from sessions.models import Message
from tests.sessions.chat_daphne import Daphne
from tests.sessions.chat_factories import ChatOrderFactory, session_cookie

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
