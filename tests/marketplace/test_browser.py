"""A new client signs up in Debian's Chromium, sees the home page in Chinese, switches to
English. The live server runs in a thread of this process, so the SMS outbox is shared."""

import re

import pytest

from marketplace.models import User
from tests.marketplace.conftest import code_sent_to

PHONE = "13800138000"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_as_a_client_then_switch_to_english(page, live_server):
    # given: the home page, in Chinese by default
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "有人在听，秒回你。"

    # when: sign up with the SMS code
    page.locator(".topbar").get_by_role("link", name="登录").click()
    page.get_by_label("手机号").fill("138 0013 8000")
    page.get_by_role("button", name="发送验证码").click()
    page.get_by_text("验证码（6 位数字）已发送到你的手机。").wait_for()
    page.get_by_label("短信验证码").fill(code_sent_to(PHONE))
    page.get_by_role("button", name="继续").click()

    # then: signed in on the home page, in Chinese
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_text("欢迎！你的账号已创建。").is_visible()
    assert page.locator(".account-link").inner_text() == "138****8000"
    assert page.locator("h1").inner_text() == "有人在听，秒回你。"
    assert page.get_by_role("link", name="浏览倾听师").is_visible()
    user = User.objects.get(phone=PHONE)
    assert user.role == User.Role.CLIENT

    # when: switch to English
    with page.expect_navigation():
        page.locator("#language-select").select_option("en")

    # then
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Someone answers, within seconds."
    assert page.get_by_role("link", name="Browse listeners").is_visible()
    page.click("#menu-toggle")  # on a phone the navigation folds behind the menu button
    assert re.search(r"Log out", page.locator(".topbar").inner_text())


# How many lines each of the header's tools takes, and the layout check of the journeys.
HEADER_LINES_JS = """() => [...document.querySelectorAll('.topbar-tools > *, .brand')]
  .filter((el) => el.getBoundingClientRect().width > 0)
  .map((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    return [el.className || el.tagName, tops.size];
  })"""


@pytest.mark.parametrize("width", [390, 360])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_phone_header_fits_on_one_line_in_each_language(browser, live_server, width, language):
    from tests.journeys.helpers import assert_fits

    # given: a visitor on a phone, in each language
    context = browser.new_context(viewport={"width": width, "height": 844}, locale="zh-CN")
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    try:
        # when
        page.goto(live_server.url + "/")
        # then: brand, language, "Sign in" and the menu each on one line, nothing wider
        # than the screen
        lines = page.evaluate(HEADER_LINES_JS)
        assert [count for _name, count in lines] == [1] * len(lines), lines
        assert len(lines) == 4, lines
        assert_fits(page, f"header {language} {width}px")
        # and the brand is whole (it gives way with an ellipsis only on narrower screens)
        brand = page.locator(".brand")
        assert brand.evaluate("(b) => b.scrollWidth <= b.clientWidth")
    finally:
        context.close()
