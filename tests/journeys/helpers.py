"""Shared pieces of the journey browser tests: a real web node (daphne: pages and the
chat socket) pointed at the local Stripe, browser contexts per role and viewport, and the
layout check that nothing is wider than the screen."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection

from tests.sessions.chat_daphne import Daphne
from tests.sessions.chat_factories import session_cookie

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}

# Everything visible that sticks out of the viewport, except what sits inside a box
# that scrolls or clips sideways on purpose (a wide table in its scroller).
OVERFLOW_JS = """() => {
  const vw = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || (r.right <= vw + 1 && r.left >= -1)) continue;
    if (el.closest(".visually-hidden, .skip-link")) continue;
    let p = el.parentElement, clipped = false;
    while (p && p !== document.body) {
      const overflow = getComputedStyle(p).overflowX;
      if (["auto", "scroll", "hidden", "clip"].includes(overflow)) { clipped = true; break; }
      p = p.parentElement;
    }
    const name = `${el.tagName.toLowerCase()}.${el.className}`;
    if (!clipped) wide.push(`${name} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  return { viewport: vw, page: document.documentElement.scrollWidth, wide: wide.slice(0, 8) };
}"""


def web_node(stripe_url: str) -> Daphne:
    """A daphne node on this test run's database and Redis, paying through `stripe_url`,
    printing SMS codes to its log (the sign-up reads them there)."""
    return Daphne(
        redis_url=settings.REDIS_URL,
        extra_env={
            "STRIPE_API_BASE": stripe_url,
            "STRIPE_JS_URL": f"{stripe_url}/js.stripe.com/v3/",
            "SMS_BACKEND": "marketplace.sms.ConsoleSmsBackend",
        },
    ).wait()


def context_for(browser, node, user=None, *, viewport=PHONE, language="zh-hans", zone=None):
    """A browser context on `node`, signed in as `user`; in Beijing time unless `zone`
    names the browser's time zone (e.g. "America/New_York")."""
    options = {"timezone_id": zone} if zone else {}
    context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
    context.set_default_timeout(15_000)
    cookies = [{"name": "django_language", "value": language, "url": node.url}]
    if user is not None:
        cookies.append({"name": "sessionid", "value": session_cookie(user), "url": node.url})
    context.add_cookies(cookies)
    return context


def sms_code(node, phone: str) -> str:
    """The newest code the node 'sent' to `phone` (printed by ConsoleSmsBackend)."""
    codes = re.findall(rf"SMS to {phone}: \D*(\d{{6}})", node.output())
    assert codes, node.output()[-2000:]
    return codes[-1]


def assert_fits(page, where: str) -> None:
    """No horizontal scrolling and no element wider than the viewport."""
    found = page.evaluate(OVERFLOW_JS)
    assert found["page"] <= found["viewport"], (where, found)
    assert found["wide"] == [], (where, found)


def elsewhere(fn, /, **kwargs):
    """Run a service in another thread, as a webhook, the dashboard or the watcher
    would: Playwright's sync API keeps an event loop running in this one."""

    def run():
        try:
            return fn(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(run).result(timeout=30)
