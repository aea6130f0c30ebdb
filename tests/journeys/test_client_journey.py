"""The client's whole journey on a 390 px phone, in Chinese, against a real web node
(pages and the chat socket), the local Stripe and PostgreSQL: sign up, browse and
filter, open a profile, book, pay, be taken to the chat when the listener accepts (no
reload), chat, see a missed reply counted and refunded, end, review, dispute with an
amount, a staff decision on a laptop, and the client seeing it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from listeners import services as listener_services
from payments.invariants import assert_ledger_consistent
from payments.models import Refund
from reviews.models import Review
from sessions.models import Order, ReplyClock
from sessions.services import lifecycle, orders
from sessions.services import watcher as watcher_services
from tests.factories import StaffUserFactory
from tests.journeys.helpers import LAPTOP, assert_fits, context_for, elsewhere, sms_code, web_node
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(180),
    pytest.mark.django_db(transaction=True),
]

PHONE_NUMBER = "13800138111"


@pytest.fixture
def node(local_stripe):
    daphne = web_node(local_stripe)
    try:
        yield daphne
    finally:
        daphne.stop()
        print(daphne.output()[-4000:])  # shown when the test fails


def accept_and_start(order_id: int) -> None:
    """What the listener's dashboard does on "accept" for an instant order."""
    order = Order.objects.select_related("listener__user").get(pk=order_id)
    orders.order_accept(order_id=order_id, listener_user=order.listener.user)
    lifecycle.session_activate(order_id=order_id)


def test_a_client_goes_from_sign_up_to_a_decided_dispute_on_a_phone(browser, node):
    # given: a listener online with a ¥30 and a ¥40 tier (30 s reply window)
    listener = ApprovedListenerFactory(
        display_name="小林", languages=["zh", "en"], tier__price_per_hour_fen=3000
    )
    tier = PricingTierFactory(
        listener=listener, price_per_hour_fen=4000, reply_window_seconds=30, min_minutes=15
    )
    listener_services.listener_prices_refresh(listener=listener)
    context = context_for(browser, node)
    page = context.new_page()
    try:
        # when: sign up with the SMS code
        page.goto(node.url + "/accounts/login/")
        page.get_by_label("手机号").fill(PHONE_NUMBER)
        page.get_by_role("button", name="发送验证码").click()
        page.get_by_label("短信验证码").fill(sms_code(node, PHONE_NUMBER))
        page.get_by_role("button", name="继续").click()
        page.wait_for_url(node.url + "/")
        # then: the header fits the phone; the menu opens the navigation
        assert_fits(page, "home")
        assert not page.locator("#site-nav").is_visible()
        page.click("#menu-toggle")
        assert page.locator("#site-nav").get_by_role("link", name="我的订单").is_visible()
        assert page.locator("#site-nav").get_by_role("button", name="退出登录").is_visible()
        assert_fits(page, "home, menu open")

        # when: browse with "min ¥35"
        page.goto(node.url + "/listeners/?price_min=35")
        # then: the filters are folded, the card reads the price that matches
        assert page.locator("#filters").get_attribute("open") is None
        card = page.locator(".listener-card", has_text="小林")
        assert "¥40.00" in card.inner_text()
        assert "¥30.00" not in card.inner_text()
        assert_fits(page, "catalogue")

        # when: open the profile
        card.get_by_role("link", name="小林").click()
        # then: languages in Chinese
        assert "普通话、英语" in page.inner_text("main")
        assert_fits(page, "profile")

        # when: book the ¥40 tier now, 30 minutes, and pay
        page.goto(node.url + reverse("sessions:book", args=[tier.pk]))
        page.fill("#minutes", "30")
        page.click("#book-submit")
        page.wait_for_selector("#card-element input")
        assert "消息一直没有回复时，之后每再过 30 秒，再记一次超时。" in page.inner_text("main")
        page.fill("#card-element input[placeholder=number]", "4242424242424242")
        page.fill("#card-element input[placeholder=exp_month]", "12")
        page.fill("#card-element input[placeholder=exp_year]", "30")
        page.fill("#card-element input[placeholder=cvc]", "123")
        page.fill("#card-element input[placeholder=postal_code]", "10001")
        page.click("#pay-submit")
        # then: paid, waiting for the listener
        page.wait_for_selector("#order-wait")
        order = Order.objects.get(client__phone=PHONE_NUMBER)
        assert order.state == Order.State.PAID
        assert_fits(page, "order waiting")

        # when: the listener accepts (on their dashboard)
        elsewhere(accept_and_start, order_id=order.pk)
        # then: the order page opens the chat by itself; paid time started at acceptance
        page.wait_for_url(node.url + reverse("sessions:chat", args=[order.pk]), timeout=15_000)
        order.refresh_from_db()
        assert order.ends_at - order.starts_at == timedelta(minutes=30)
        assert order.starts_at == order.accepted_at
        page.locator("#connection[data-state='open']").wait_for()

        # when: the client writes and the listener stays silent past the window
        page.fill("#text", "你好，在吗？")
        page.press("#text", "Enter")
        page.locator(".msg.mine:not(.pending)", has_text="你好，在吗？").wait_for()
        clock = ReplyClock.objects.get(order=order)
        elsewhere(watcher_services.clocks_sweep, now=clock.deadline + timedelta(seconds=1))
        # then: the chat says what happens next, and the refund is issued
        page.locator(
            ".msg.system", has_text="第 1 次超时；再超时 2 次将结束服务并退还剩余时间。"
        ).wait_for()
        assert_fits(page, "chat")
        breach_refund = Refund.objects.get(order=order, cause=Refund.Cause.BREACH)

        # when: the client ends the session, through the page that says what it costs
        page.click("#end-early button[type=submit]")
        page.click("#end-confirm")
        page.locator("#session-state", has_text="已完成").wait_for()

        # when: the client opens the order, the timeline and writes a review
        page.goto(node.url + reverse("sessions:order_detail", args=[order.pk]))
        assert f"¥{breach_refund.amount_fen // 100}.{breach_refund.amount_fen % 100:02d}" in (
            page.inner_text("main")
        )
        page.click("#link-timeline")
        sent = timezone.localtime(clock.opened_at).strftime("%H:%M:%S")
        assert page.inner_text("#timeline-zone") == "时间均为北京时间。"
        assert page.locator("time.sent").first.inner_text() == sent
        assert_fits(page, "timeline")
        page.goto(node.url + reverse("sessions:order_detail", args=[order.pk]))
        page.click("#link-review")
        page.check("input[name=stars][value='4']")
        page.fill("textarea[name=text]", "回复慢了一次，其他都好。")
        page.click(".review-form button[type=submit]")
        page.wait_for_load_state()
        assert Review.objects.get(order=order).stars == 4

        # when: the client disputes, asking ¥5.00 back
        page.goto(node.url + reverse("payments:dispute", args=[order.pk]))
        page.check("input[name=reason][value=slow_replies]")
        page.fill("textarea[name=statement]", "有一次超过一分钟没有回复。")
        page.fill("input[name=requested_yuan]", "5.00")
        page.click(".dispute-form button[type=submit]")
        assert "¥5.00" in page.inner_text("#requested")
        assert_fits(page, "dispute")

        # when: staff decide on a laptop: ¥5.00 back
        staff = context_for(browser, node, StaffUserFactory(), viewport=LAPTOP)
        try:
            desk = staff.new_page()
            desk.goto(node.url + reverse("payments:dispute_desk"))
            desk.click("#dispute-queue a")
            assert "¥5.00" in desk.inner_text("#requested")
            assert "第 1 次超时" in desk.inner_text("#transcript")
            desk.check("input[name=outcome][value=partial_refund]")
            desk.fill("input[name=amount_yuan]", "5.00")
            desk.fill("textarea[name=reason]", "按申请退还 5 元。")
            desk.click("#decide-form button[type=submit]")
            assert desk.get_attribute("#dispute-state", "data-state") == "resolved"
        finally:
            staff.close()

        # then: the client sees it: the badge, the decision, the refund
        page.goto(node.url + "/")
        assert page.locator("#menu-toggle .badge").inner_text() != ""
        page.goto(node.url + reverse("payments:dispute", args=[order.pk]))
        assert "按申请退还 5 元。" in page.inner_text("#dispute-decision")
        refund = Refund.objects.get(order=order, cause=Refund.Cause.DISPUTE)
        assert (refund.amount_fen, refund.status) == (500, Refund.Status.SUCCEEDED)
        assert_ledger_consistent()
    finally:
        context.close()
