"""The pool in a real browser: a client posts a request on a phone, a listener takes it
from the dashboard, and the client's page then links to the order to pay."""

import pytest
from playwright.sync_api import expect

from sessions.models import OpenRequest, Order
from tests.browser import sign_in
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_client_posts_a_request_a_listener_takes_it(browser, page, live_server):
    # given: one online listener who fits (at any hour: no night surcharge)
    listener = ApprovedListenerFactory(tier=False)
    PricingTierFactory(
        listener=listener,
        price_per_hour_fen=6000,
        reply_window_seconds=30,
        same_price_at_night=True,
    )
    client = UserFactory()
    sign_in(page.context, live_server, client)
    # when: the client posts a request on a phone
    page.goto(f"{live_server.url}/chat/pool/")
    page.fill("#id_minutes", "30")
    page.fill("#id_budget_yuan", "30")
    page.fill("#id_reply_window_seconds", "60")
    page.get_by_role("button", name="发布我的请求").click()
    # then: it waits, with the honest count, and the page fits the phone
    expect(page.get_by_role("heading", name="你的请求正在等待")).to_be_visible()
    expect(page.get_by_text("1 位合适的倾听者在线。")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # when: the listener takes it from the dashboard (their own browser)
    listener_context = browser.new_context(locale="zh-CN")
    sign_in(listener_context, live_server, listener.user)
    dashboard = listener_context.new_page()
    dashboard.goto(f"{live_server.url}/chat/dashboard/")
    dashboard.locator("#open-requests").get_by_role("button", name="接下").click()
    expect(dashboard.get_by_text("请求归你了")).to_be_visible()
    # then: the client's page links to the order to pay
    order = Order.objects.get(client=client)
    page.reload()
    expect(
        page.get_by_role("link", name=f"与 {listener.display_name} 的订单 #{order.pk}")
    ).to_be_visible()
    assert OpenRequest.objects.get(client=client).state == "claimed"
    listener_context.close()
