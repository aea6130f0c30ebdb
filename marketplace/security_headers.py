"""Security headers of every response, and methods nobody may use.

Django 5.2 has no Content-Security-Policy of its own, so this middleware sets one: scripts
only from our own origin (no inline script, no `onclick=`; pages that need an inline
script mark it with the request's nonce, `request.csp_nonce`), and Stripe.js from its
configured host (`STRIPE_JS_URL`, and the API it talks to, `STRIPE_API_BASE`) where the
product loads it; nothing from any other host. Styles may be inline (the admin's and
Swagger UI's attributes need it; a style cannot run code). A Permissions-Policy turns off
the device features the product never uses. TRACE (and TRACK) answer 405.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

REFUSED_METHODS = {"TRACE", "TRACK"}
ALLOWED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
UNUSED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
    "xr-spatial-tracking",
)


def permissions_policy(*, allow: tuple[str, ...] = ()) -> str:
    """Every unused feature off, except those in `allow`, which our own origin may use
    (the chat page of a session with calls: microphone, camera, autoplay)."""
    return ", ".join(
        f"{feature}=(self)" if feature in allow else f"{feature}=()" for feature in UNUSED_FEATURES
    )


PERMISSIONS_POLICY = permissions_policy()
CALL_FEATURES = ("autoplay", "camera", "microphone")


def _origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def stripe_origins() -> list[str]:
    """Where Stripe.js comes from and what it talks to (real Stripe, or the local one)."""
    origins = [_origin(settings.STRIPE_JS_URL), _origin(settings.STRIPE_API_BASE)]
    if _origin(settings.STRIPE_JS_URL) == "https://js.stripe.com":
        origins.append("https://hooks.stripe.com")  # 3-D Secure frames
    return list(dict.fromkeys(origin for origin in origins if origin))


def content_security_policy(*, nonce: str) -> str:
    stripe = " ".join(stripe_origins())
    frame_src = stripe or "'none'"
    directives = [
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}' {stripe}".rstrip(),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        f"connect-src 'self' {stripe}".rstrip(),
        f"frame-src {frame_src}",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
    return "; ".join(directives)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in REFUSED_METHODS:
            return HttpResponseNotAllowed(ALLOWED_METHODS)
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(nonce=request.csp_nonce)
        )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
