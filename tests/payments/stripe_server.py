"""The local Stripe server for tests: started once per test process (unless the
STRIPE_API_BASE environment variable names one), with settings and the SDK pointed at it."""

from __future__ import annotations

import atexit
import os
import threading

import stripe
from django.conf import settings

_lock = threading.Lock()
_url: str | None = None


def local_stripe_url() -> str:
    global _url
    with _lock:
        if _url is None:
            if os.environ.get("STRIPE_API_BASE"):
                _url = os.environ["STRIPE_API_BASE"].rstrip("/")
            else:
                from marketplace import embedded

                proc, _url = embedded.start_stripe()
                atexit.register(embedded._stop, proc)
            # Once: a test may point settings at a proxy in front of this server.
            settings.STRIPE_API_BASE = _url
            settings.STRIPE_JS_URL = f"{_url}/js.stripe.com/v3/"
            stripe.api_base = _url
            stripe.api_key = settings.STRIPE_SECRET_KEY
        return _url
