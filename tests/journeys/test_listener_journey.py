"""The listener on a laptop: signing in lands on the dashboard, presence follows them
across our pages (the earnings page alone keeps them bookable), the switch sets away;
and one English pass of the client's phone header and pages."""

import pytest
from django.urls import reverse

from listeners.models import ListenerProfile
from sessions.services import orders
from sessions.services.orders import BookingError
from tests.factories import UserFactory
from tests.journeys.helpers import LAPTOP, assert_fits, context_for, elsewhere, sms_code, web_node
from tests.listeners.factories import ApprovedListenerFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(120),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def node(local_stripe):
    daphne = web_node(local_stripe)
    try:
        yield daphne
    finally:
        daphne.stop()
        print(daphne.output()[-4000:])


def presence_of(listener) -> str:
    listener.refresh_from_db()
    return listener.presence


def book_now(tier_id: int):
    return orders.order_create(client=UserFactory(), tier_id=tier_id, kind="instant", minutes=30)


def test_a_listeners_presence_follows_them_across_our_pages(browser, node):
    # given: an approved listener, offline, nothing open
    listener = ApprovedListenerFactory(presence=ListenerProfile.Presence.OFFLINE)
    tier = listener.tiers.get()
    context = context_for(browser, node, viewport=LAPTOP)
    page = context.new_page()
    try:
        # when: they sign in
        page.goto(node.url + "/accounts/login/")
        page.get_by_label("手机号").fill(listener.user.phone)
        page.get_by_role("button", name="发送验证码").click()
        page.get_by_label("短信验证码").fill(sms_code(node, listener.user.phone))
        page.get_by_role("button", name="继续").click()
        # then: the dashboard, which says what clients see
        page.wait_for_url(node.url + reverse("sessions:dashboard"))
        page.locator("html[data-presence='online']").wait_for()
        assert "客户看到你的状态： 在线" in page.inner_text("#presence")
        assert_fits(page, "dashboard")

        # when: they leave the dashboard for the earnings page (the chat socket closes)
        page.goto(node.url + reverse("payments:earnings"))
        page.locator("html[data-presence='online']").wait_for()
        # then: still online, and a client can book them now
        assert presence_of(listener) == "online"
        assert elsewhere(book_now, tier_id=tier.pk).state == "pending_payment"

        # when: they switch to away on the dashboard
        page.goto(node.url + reverse("sessions:dashboard"))
        page.check("#presence input[value=away]")
        page.click("#presence button[type=submit]")
        page.wait_for_load_state()
        # then: clients see them busy and cannot book them now
        assert "客户暂时无法预约你。" in page.inner_text("#presence")
        assert presence_of(listener) == "busy"
        with pytest.raises(BookingError):
            elsewhere(book_now, tier_id=tier.pk)
    finally:
        context.close()


def test_the_phone_header_and_pages_in_english(browser, node):
    # given
    client = UserFactory()
    ApprovedListenerFactory(display_name="Mia", languages=["en"])
    context = context_for(browser, node, client, language="en")
    page = context.new_page()
    try:
        for path in ("/", "/listeners/", "/help/", "/terms/", "/chat/orders/", "/accounts/"):
            # when
            page.goto(node.url + path)
            # then
            assert page.locator("html").get_attribute("lang") == "en"
            assert_fits(page, path)
            footer = page.inner_text("footer")
            assert "Help & FAQ" in footer
            assert "Become a listener" in footer
        page.click("#menu-toggle")
        assert page.locator("#site-nav").get_by_role("button", name="Log out").is_visible()
        assert_fits(page, "menu open")
        page.goto(node.url + "/no-such-page/")
        assert page.inner_text("h1") == "Page not found"
    finally:
        context.close()
