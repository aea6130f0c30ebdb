"""The chat page heals itself in a real browser (Debian's Chromium via Playwright) against a
real daphne: a network cut while the other side writes, a Redis restart that loses pushes
to a socket that stays open, and a line that goes silent. Every message is shown once, in
order, without a reload; the connection indicator says what the socket really is."""

import asyncio
import threading

import pytest
from django.conf import settings
from django.db import connection

from sessions.models import Message
from tests.faults import private_database
from tests.sessions.chat_daphne import ChatClient, Daphne, PrivateRedis
from tests.sessions.chat_factories import ChatOrderFactory, session_cookie

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(90),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def private_pg():
    with private_database() as server:
        yield server


def start_node(redis_url: str, **env) -> Daphne:
    node = Daphne(redis_url=redis_url, extra_env=env)
    try:
        return node.wait()
    except RuntimeError:
        print(node.output())
        node.stop()
        raise


def phone_page(browser, node, user):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "url": node.url}])
    return context, context.new_page()


def shown(page) -> list[str]:
    return page.locator("#messages .msg:not(.notice) .bubble").all_inner_texts()


class TabThread:
    """The other side as a scripted tab on its own event loop (Playwright's sync API
    holds this thread's loop)."""

    def __init__(self, url: str, cookie: str) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.tab = ChatClient(url, cookie)
        self.run(self.tab.open(attempts=6))

    def run(self, coroutine, timeout: float = 20):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def say(self, session: int, client_id: str, text: str) -> None:
        async def send_and_wait():
            await self.tab.send(session, client_id, text)
            await self.tab.wait_for(
                lambda f: f["type"] == "message.ack" and f["client_id"] == client_id
            )

        self.run(send_and_wait())

    def close(self) -> None:
        self.run(self.tab.close())
        self.loop.call_soon_threadsafe(self.loop.stop)


def test_the_clients_page_offline_while_the_listener_writes_shows_everything_once(browser):
    # given: the client's chat page open and connected; the listener on a socket
    order = ChatOrderFactory()
    node = start_node(settings.REDIS_URL)
    context, client = phone_page(browser, node, order.client)
    listener = TabThread(node.url, session_cookie(order.listener.user))
    try:
        client.goto(f"{node.url}/chat/{order.pk}/")
        client.locator("#connection[data-state='open']").wait_for()
        listener.say(order.pk, "l1", "第一条")
        client.locator(".msg.theirs", has_text="第一条").wait_for()
        # when: the client's network is cut while the listener writes three messages
        context.set_offline(True)
        client.locator("#connection[data-state='offline']").wait_for()
        offline_label = client.locator("#connection").inner_text()
        for n, text in enumerate(["断网时一", "断网时二", "断网时三"], start=2):
            listener.say(order.pk, f"l{n}", text)
        client.wait_for_timeout(2000)
        during = shown(client)
        context.set_offline(False)
        # then: back without a reload, every message once and in order
        client.locator("#connection[data-state='open']").wait_for()
        client.locator(".msg.theirs", has_text="断网时三").wait_for()
        client.wait_for_timeout(500)  # a duplicate would arrive now
        assert offline_label == "已离线，等待网络恢复…"
        assert during == ["第一条"]
        assert shown(client) == ["第一条", "断网时一", "断网时二", "断网时三"]
        assert client.evaluate("performance.getEntriesByType('navigation').length") == 1
    finally:
        listener.close()
        context.close()
        node.stop()
        print(node.output()[-3000:])


def test_pushes_lost_in_a_redis_restart_reach_the_open_page_without_a_reload(browser):
    # given: the client's page on a node whose channel layer is a private Redis
    order = ChatOrderFactory()
    redis = PrivateRedis().start()
    node = start_node(redis.url)
    context, client = phone_page(browser, node, order.client)
    listener = TabThread(node.url, session_cookie(order.listener.user))
    try:
        client.goto(f"{node.url}/chat/{order.pk}/")
        client.locator("#connection[data-state='open']").wait_for()
        listener.say(order.pk, "before", "重启前")
        client.locator(".msg.theirs", has_text="重启前").wait_for()
        # when: Redis dies; the listener's next two messages are stored, their pushes lost
        redis.stop()
        listener.say(order.pk, "during-1", "重启中一")
        listener.say(order.pk, "during-2", "重启中二")
        redis.start()
        client.wait_for_timeout(2500)  # the node's subscriptions come back (redis-py retries)
        listener.say(order.pk, "after", "重启后")
        # then: the page sees the gap (seq 4 after 1) and fills exactly 2 and 3, in order
        client.locator(".msg.theirs", has_text="重启中二").wait_for()
        client.locator(".msg.theirs", has_text="重启后").wait_for()
        client.wait_for_timeout(500)
        assert shown(client) == ["重启前", "重启中一", "重启中二", "重启后"]
        assert client.evaluate("performance.getEntriesByType('navigation').length") == 1
    finally:
        listener.close()
        context.close()
        node.stop()
        print(node.output()[-3000:])
        redis.stop()


def test_a_line_that_goes_silent_turns_the_indicator_to_reconnecting_then_heals(browser):
    # given: the client's page, its socket routed through the test (a line we can cut)
    order = ChatOrderFactory()
    node = start_node(settings.REDIS_URL)
    context, client = phone_page(browser, node, order.client)
    cut = {"on": False}

    def relay(ws):
        server = ws.connect_to_server()
        ws.on_message(lambda message: None if cut["on"] else server.send(message))
        server.on_message(lambda message: None if cut["on"] else ws.send(message))

    client.route_web_socket("**/ws/chat/", relay)
    try:
        client.goto(f"{node.url}/chat/{order.pk}/")
        client.locator("#connection[data-state='open']").wait_for()
        # when: nothing gets through any more, though the socket stays open; a heartbeat
        cut["on"] = True
        client.evaluate("window.chatSocket.ping()")
        # then: within the heartbeat timeout the page stops claiming to be connected
        client.locator("#connection[data-state='reconnecting']").wait_for(timeout=12_000)
        cut["on"] = False
        client.locator("#connection[data-state='open']").wait_for(timeout=15_000)
    finally:
        context.close()
        node.stop()
        print(node.output()[-3000:])


def test_a_message_refused_while_the_database_is_down_is_marked_retried_and_stored_once(
    browser, private_pg
):
    # given: the client's page on a node whose database is a private server
    order = ChatOrderFactory()
    node = start_node(settings.REDIS_URL, DATABASE_URL=private_pg.url("fault"))
    context, client = phone_page(browser, node, order.client)
    try:
        client.goto(f"{node.url}/chat/{order.pk}/")
        client.locator("#connection[data-state='open']").wait_for()
        # when: the database stops and the client sends
        private_pg.stop()
        client.fill("#text", "数据库停了吗")
        client.press("#text", "Enter")
        # then: the message says it is not sent yet and is being retried, with a button
        retrying = client.locator(".msg.mine[data-status='retrying']", has_text="数据库停了吗")
        retrying.wait_for()
        assert retrying.locator("button.retry").inner_text() == "重试"
        # when: the database is back; then the page's own retry stores it, once
        private_pg.start()
        client.locator(".msg.mine[data-status='sent']", has_text="数据库停了吗").wait_for(
            timeout=20_000
        )
        assert client.locator("button.retry").count() == 0
        assert client.locator(".msg.mine", has_text="数据库停了吗").count() == 1
        connection.close()  # this process's connection did not survive the stop either
        assert list(Message.objects.filter(order=order).values_list("text", flat=True)) == [
            "数据库停了吗"
        ]
    finally:
        context.close()
        node.stop()
        print(node.output()[-3000:])


def test_the_dashboard_fills_the_gaps_of_every_session_it_shows_after_a_redis_restart(browser):
    # given: a listener with two running sessions on the dashboard (a laptop), both clients
    # on sockets, the node's channel layer a private Redis
    first = ChatOrderFactory()
    second = ChatOrderFactory(listener=first.listener)
    redis = PrivateRedis().start()
    node = start_node(redis.url)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    context.set_default_timeout(15_000)
    cookie = session_cookie(first.listener.user)
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": node.url}])
    dashboard = context.new_page()
    clients = [TabThread(node.url, session_cookie(order.client)) for order in (first, second)]
    try:
        dashboard.goto(f"{node.url}/chat/dashboard/")
        dashboard.locator("#connection[data-state='open']").wait_for()
        for tab, order in zip(clients, (first, second), strict=True):
            tab.say(order.pk, f"{order.pk}-a", f"{order.pk} 重启前")
        # when: Redis dies while both clients write, then comes back and each writes again
        redis.stop()
        for tab, order in zip(clients, (first, second), strict=True):
            tab.say(order.pk, f"{order.pk}-b", f"{order.pk} 重启中")
        redis.start()
        dashboard.wait_for_timeout(2500)  # the node's subscriptions come back
        for tab, order in zip(clients, (first, second), strict=True):
            tab.say(order.pk, f"{order.pk}-c", f"{order.pk} 重启后")
        # then: every session's transcript complete, once each, in order
        for order in (first, second):
            log = dashboard.locator(f".chat-log[data-session='{order.pk}']")
            log.locator(".msg.theirs", has_text=f"{order.pk} 重启后").wait_for(state="attached")
            log.locator(".msg.theirs", has_text=f"{order.pk} 重启中").wait_for(state="attached")
        dashboard.wait_for_timeout(500)
        for order in (first, second):
            texts = dashboard.locator(
                f".chat-log[data-session='{order.pk}'] .msg.theirs .bubble"
            ).all_text_contents()
            assert texts == [f"{order.pk} 重启前", f"{order.pk} 重启中", f"{order.pk} 重启后"]
    finally:
        for tab in clients:
            tab.close()
        context.close()
        node.stop()
        print(node.output()[-3000:])
        redis.stop()
