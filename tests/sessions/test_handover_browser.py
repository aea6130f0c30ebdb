"""Hand-over in real browsers through daphne: a listener on the dashboard (a laptop)
hands a chat to a teammate, the client (a phone) accepts in the chat, and the teammate's
dashboard shows the chat live, with its transcript, and can reply."""

import re

import pytest

from listeners.services import team_create, team_invite, team_invite_answer
from sessions.models import Handover, Message, Order
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory
from tests.sessions.chat_factories import ChatOrderFactory, MessageFactory, session_cookie

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(120),
    pytest.mark.django_db(transaction=True),
]

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def signed_in(browser, node, user, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "url": node.url}])
    return context, context.new_page()


def test_a_listener_hands_a_chat_to_a_teammate_and_the_client_accepts(browser, node):
    # given: a team of two; the owner is in a chat that has a message already
    owner, mate = ApprovedListenerFactory(), ApprovedListenerFactory(display_name="小满")
    team_create(owner=owner, name="夜航", commission_percent=10)
    invite = team_invite(owner=owner, phone=mate.user.phone)
    team_invite_answer(listener=mate, invite_id=invite.pk, accept=True)
    tier = PricingTierFactory(listener=owner, same_price_at_night=True)
    order = ChatOrderFactory(listener=owner, tier=tier)
    MessageFactory(order=order, sender=order.client, seq=1, text="最近睡不着")
    contexts = []
    try:
        ctx, old = signed_in(browser, node, owner.user, LAPTOP)
        contexts.append(ctx)
        ctx, new = signed_in(browser, node, mate.user, LAPTOP)
        contexts.append(ctx)
        ctx, client = signed_in(browser, node, order.client, PHONE)
        contexts.append(ctx)
        old.goto(f"{node.url}/chat/dashboard/")
        new.goto(f"{node.url}/chat/dashboard/")
        client.goto(f"{node.url}/chat/{order.pk}/")
        for page in (old, new, client):
            page.locator("#connection[data-state='open']").wait_for()
        assert new.locator(f"#session-list li[data-session='{order.pk}']").count() == 0
        # when: the owner proposes the hand-over from the dashboard
        form = old.locator("#handover-form")
        form.wait_for()
        form.locator("select").select_option(str(mate.pk))
        form.get_by_role("button", name="提议转单").click()
        old.get_by_text("已提议转单：等待客户回应。").wait_for()
        # then: the client's phone shows the proposal live, and it fits the phone
        offer = client.locator("#handover-offer")
        offer.wait_for()
        offer.get_by_text("提议把这个聊天转给 小满").wait_for()
        assert client.evaluate("document.documentElement.scrollWidth") <= 390
        # when: the client accepts
        offer.get_by_role("button", name="接受新的倾听者").click()
        client.wait_for_url(re.compile(rf"/chat/{order.pk}/$"))
        # then: the teammate's dashboard lists the chat live with the whole transcript
        row = new.locator(f"#session-list li[data-session='{order.pk}']")
        row.wait_for()
        row.click()
        new.locator(".chat-log:not([hidden]) .msg.theirs", has_text="最近睡不着").wait_for()
        new.locator(".chat-log:not([hidden]) .msg", has_text="这个聊天已转给 小满").wait_for()
        assert new.locator("#reply-window").inner_text() != "–"
        # and can reply, which the client sees
        new.fill("#text", "你好，我是小满，接着陪你聊")
        new.press("#text", "Enter")
        client.locator(".msg.theirs", has_text="我是小满").wait_for()
        client.locator("#other-name", has_text="小满").wait_for()
        # and the previous listener can no longer write in it
        old.locator("#handed-away:not([hidden])").wait_for()
        assert old.locator("#text").is_disabled()
        order.refresh_from_db()
        assert order.listener_id == mate.pk
        assert Handover.objects.get(order=order).state == Handover.State.ACCEPTED
        last = Message.objects.filter(order=order).order_by("-seq").first()
        assert last.sender_id == mate.user_id
        assert Order.objects.get(pk=order.pk).state == Order.State.ACTIVE
    finally:
        for context in contexts:
            context.close()


def test_without_a_team_the_listener_asked_accepts_on_the_dashboard_first(browser, node):
    # given: a listener in no team, in a chat; another listener online on the dashboard
    alone, helper = ApprovedListenerFactory(), ApprovedListenerFactory(display_name="阿青")
    tier = PricingTierFactory(listener=alone, same_price_at_night=True)
    order = ChatOrderFactory(listener=alone, tier=tier)
    contexts = []
    try:
        ctx, old = signed_in(browser, node, alone.user, LAPTOP)
        contexts.append(ctx)
        ctx, new = signed_in(browser, node, helper.user, LAPTOP)
        contexts.append(ctx)
        ctx, client = signed_in(browser, node, order.client, PHONE)
        contexts.append(ctx)
        new.goto(f"{node.url}/chat/dashboard/")
        client.goto(f"{node.url}/chat/{order.pk}/")
        for page in (new, client):
            page.locator("#connection[data-state='open']").wait_for()
        old.goto(f"{node.url}/chat/dashboard/")  # the helper is online by now
        old.locator("#connection[data-state='open']").wait_for()
        # when: the listener proposes
        form = old.locator("#handover-form")
        form.locator("select").select_option(str(helper.pk))
        form.get_by_role("button", name="提议转单").click()
        old.get_by_text("已提议转单：等待你邀请的倾听者回应。").wait_for()
        # then: the helper's dashboard shows the offer live; the client is not asked yet
        offer = new.locator("#handovers-offered li[data-handover]")
        offer.wait_for()
        assert "想把与" in offer.inner_text()
        assert client.locator("#handover-offer").is_hidden()
        # when: the helper accepts, then the client
        with new.expect_navigation():
            offer.get_by_role("button", name="接单").click()
        new.locator("#connection[data-state='open']").wait_for()
        card = client.locator("#handover-offer")
        card.wait_for()
        card.get_by_role("button", name="接受新的倾听者").click()
        # then: the chat is the helper's, live on their dashboard
        new.locator(f"#session-list li[data-session='{order.pk}']").wait_for()
        order.refresh_from_db()
        assert order.listener_id == helper.pk
        assert Handover.objects.get(order=order).state == Handover.State.ACCEPTED
    finally:
        for context in contexts:
            context.close()
