"""The Content-Security-Policy in Debian's Chromium: the main pages, the API docs and the
pay page (with Stripe.js from its configured host) load and work without one violation,
and nothing is fetched from any host but ours and Stripe's."""

import pytest

from tests.browser import sign_in
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, recording CSP violations (event and console) and every host it asks."""
    page.add_init_script(LISTEN)
    seen = {"console": [], "hosts": set()}
    page.on(
        "console",
        lambda msg: (
            seen["console"].append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    page.on("request", lambda request: seen["hosts"].add(request.url.split("/")[2]))
    return page, seen


def _violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def test_main_pages_raise_no_csp_violation(watched, live_server):
    # given
    page, seen = watched
    listener = ApprovedListenerFactory()
    PricingTierFactory(listener=listener)
    host = live_server.url.split("/")[2]
    pages = ["/", "/listeners/", f"/listeners/{listener.pk}/", "/accounts/login/"]
    # when
    found = {}
    for path in pages:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        found[path] = _violations(page)
    # then
    assert found == {path: [] for path in pages}
    assert seen["console"] == []
    assert seen["hosts"] == {host}


def test_the_language_switch_works_without_inline_script(watched, live_server):
    # given
    page, seen = watched
    page.goto(live_server.url + "/")
    # when
    with page.expect_navigation():
        page.locator("#language-select").select_option("en")
    # then
    assert page.locator("html").get_attribute("lang") == "en"
    assert _violations(page) == []
    assert seen["console"] == []


def test_the_api_docs_render_from_our_own_static_files(watched, live_server):
    # given
    page, seen = watched
    # when
    page.goto(live_server.url + "/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    page.locator(".opblock-tag").first.wait_for()
    # then: Swagger UI drew the schema, loaded from this host only
    assert "Instant-reply listener marketplace API" in page.locator(".info .title").inner_text()
    assert _violations(page) == []
    assert seen["console"] == []
    assert seen["hosts"] == {live_server.url.split("/")[2]}


def test_the_pay_page_loads_stripe_js_from_its_host_only(watched, live_server, local_stripe):
    # given
    page, seen = watched
    tier = PricingTierFactory()
    sign_in(page.context, live_server, UserFactory())
    page.goto(f"{live_server.url}/chat/book/{tier.pk}/")
    page.fill("#minutes", "30")
    # when
    page.click("#book-submit")
    page.wait_for_selector("#card-element input")
    # then
    assert _violations(page) == []
    assert seen["console"] == []
    stripe_host = local_stripe.split("/")[2]
    assert seen["hosts"] == {live_server.url.split("/")[2], stripe_host}
