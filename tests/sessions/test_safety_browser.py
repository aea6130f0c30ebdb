"""The safety panels in a real browser through a real daphne (HTTP + WebSocket, Redis
channel layer, PostgreSQL): the client's hotline panel on a phone, on screen above the
messages the moment a crisis message is sent, pinned until dismissed; the listener's
"I'm worried about this client" button on the dashboard, showing the guidance at once."""

import pytest
from playwright.sync_api import expect

from sessions.models import Escalation
from tests.sessions.chat_factories import ChatOrderFactory, session_cookie

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(90),
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 390, "height": 844}


def signed_in_page(browser, node, user, viewport=PHONE):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "url": node.url}])
    return context, context.new_page()


def box(page, selector):
    return page.locator(selector).bounding_box()


def test_the_clients_panel_is_on_screen_above_the_messages_after_a_crisis_message(browser, node):
    # given: a phone, the chat open and scrolled as far down as it goes
    order = ChatOrderFactory()
    context, page = signed_in_page(browser, node, order.client)
    try:
        page.goto(f"{node.url}/chat/{order.pk}/")
        page.locator("#connection[data-state='open']").wait_for()
        assert page.locator("#safety-panel").is_hidden()
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        # when: the client writes in crisis
        page.fill("#text", "我真的不想活了")
        page.press("#text", "Enter")
        # then: the panel shows, entirely inside the viewport, above the messages
        panel = page.locator("#safety-panel")
        expect(panel).to_be_visible()
        expect(panel.locator(".safety-title")).to_have_text("您并不孤单")
        page.wait_for_function(
            "(() => { const r = document.getElementById('safety-panel').getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= window.innerHeight; })()"
        )
        panel_box, messages_box = box(page, "#safety-panel"), box(page, "#messages")
        assert panel_box["y"] + panel_box["height"] <= messages_box["y"] + 1
        assert panel_box["height"] > 100
        expect(page.get_by_role("button", name="显示求助热线")).to_be_hidden()
        # with tap-to-call numbers
        call = panel.get_by_role("link", name="400-161-9995")
        assert call.get_attribute("href") == "tel:4001619995"
        assert panel.get_by_role("link", name="120").get_attribute("href") == "tel:120"
        # and it stays pinned while the page scrolls
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        top = page.evaluate("document.getElementById('safety-panel').getBoundingClientRect().top")
        assert 0 <= top < PHONE["height"]
        # when: dismissed, it folds to its title and a button to show the numbers again
        page.get_by_role("button", name="收起").click()
        expect(page.locator("#safety-body")).to_be_hidden()
        expect(page.get_by_role("button", name="显示求助热线")).to_be_visible()
        # and stays folded after a reload (the escalation is still open)
        page.reload()
        page.locator("#connection[data-state='open']").wait_for()
        expect(page.get_by_role("button", name="显示求助热线")).to_be_visible()
        expect(page.locator("#safety-body")).to_be_hidden()
        expect(page.get_by_role("button", name="收起")).to_be_hidden()
        page.get_by_role("button", name="显示求助热线").click()
        expect(page.get_by_role("link", name="400-161-9995")).to_be_visible()
    finally:
        context.close()
    assert Escalation.objects.get(order=order).level == 2


def test_the_listeners_button_opens_an_escalation_and_shows_the_guidance(browser, node):
    # given: the listener's dashboard with the chat open
    order = ChatOrderFactory()
    context, page = signed_in_page(browser, node, order.listener.user)
    try:
        page.goto(f"{node.url}/chat/dashboard/")
        page.locator("#connection[data-state='open']").wait_for()
        page.locator(f"#session-list button[data-session='{order.pk}']").click()
        assert page.locator("#safety-panel").is_hidden()
        # when: "I'm worried about this client", at high, with a note
        page.get_by_text("我担心这位来访者").click()
        page.get_by_label("来访者可能伤害自己或受到伤害").check()
        page.fill("#worry-note", "他说把猫送人了，在跟我道别")
        page.get_by_role("button", name="通知工作人员").click()
        # then: the guidance panel at once, and the escalation stored as the listener's
        panel = page.locator("#safety-panel")
        expect(panel).to_be_visible()
        expect(page.locator("#safety-title")).to_have_text("客户可能正处于危机中")
        expect(page.locator("#safety-chat")).to_have_text(f"#{order.pk}")
        expect(page.locator("#safety-guidance li").last).to_have_text(
            "平台工作人员已收到通知，会跟进处理。"
        )
    finally:
        context.close()
    escalation = Escalation.objects.get(order=order)
    assert (escalation.level, escalation.source, escalation.open_note) == (
        2,
        "listener",
        "他说把猫送人了，在跟我道别",
    )
