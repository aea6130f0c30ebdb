"""In a real browser: a client opens a dispute, a staff member resolves it on the desk with
a partial refund, and the client sees the refund on the order and in notifications."""

import pytest
from django.urls import reverse

from payments.disputes.models import Dispute
from payments.models import Refund
from tests.browser import sign_in
from tests.factories import StaffUserFactory
from tests.payments.dispute_helpers import finished_order


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dispute_resolved_with_a_partial_refund_reaches_the_client(browser, page, live_server):
    # given: a paid session that ended an hour ago
    order = finished_order(hours_ago=1)
    sign_in(page.context, live_server, order.client)
    # when: the client opens a dispute on its page
    page.goto(live_server.url + reverse("payments:dispute", args=[order.pk]))
    page.check("input[name=reason][value=slow_replies]")
    page.fill("textarea[name=statement]", "回复经常超过一分钟。")
    page.click(".dispute-form button[type=submit]")
    # then: it is open and settlement is on hold
    assert page.get_attribute("#dispute-state", "data-state") == "open"
    assert "回复经常超过一分钟。" in page.inner_text(".statement")

    # when: a staff member resolves it on the desk with a partial refund of ¥1.50
    staff_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    staff_context.set_default_timeout(10_000)
    try:
        sign_in(staff_context, live_server, StaffUserFactory())
        desk = staff_context.new_page()
        desk.goto(live_server.url + reverse("payments:dispute_desk"))
        desk.click(f"#dispute-queue a[href$='/disputes/desk/{Dispute.objects.get().pk}/']")
        assert "回复经常超过一分钟。" in desk.inner_text("#client-statement")
        desk.check("input[name=outcome][value=partial_refund]")
        desk.fill("input[name=amount_yuan]", "1.50")
        desk.fill("textarea[name=reason]", "两次回复超时。")
        desk.click("#decide-form button[type=submit]")
        # then: the desk shows it resolved
        assert desk.get_attribute("#dispute-state", "data-state") == "resolved"
        assert "1.50" in desk.inner_text("#decision")
    finally:
        staff_context.close()

    # then: the client sees the refund on the order, the decision, and a notification
    page.goto(live_server.url + reverse("sessions:order_detail", args=[order.pk]))
    assert "¥1.50" in page.inner_text("main")
    page.goto(live_server.url + reverse("payments:dispute", args=[order.pk]))
    assert "两次回复超时。" in page.inner_text("#dispute-decision")
    page.goto(live_server.url + reverse("payments:notifications"))
    assert "1.50" in page.inner_text("#notifications")
    assert "两次回复超时。" in page.inner_text("#notifications")
    refund = Refund.objects.get()
    assert (refund.amount_fen, refund.status, refund.cause) == (150, "succeeded", "dispute")
