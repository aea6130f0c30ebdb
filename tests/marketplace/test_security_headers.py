"""Every response's security headers, TRACE, cookies' SameSite, and templates free of
inline script (the browser side is tests/marketplace/test_csp_browser.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/listeners/", "/accounts/login/", "/api/listeners/", "/api/docs/", "/no/such/"]


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";"))}


@pytest.mark.parametrize("path", PAGES)
def test_every_response_has_a_csp_without_inline_script_and_a_permissions_policy(client, path):
    # when
    response = client.get(path)
    # then
    csp = _directives(response)
    assert csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["script-src"][:2] == ["'self'", csp["script-src"][1]]
    assert csp["script-src"][1].startswith("'nonce-")
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_nonce_is_new_for_each_request(client):
    # when
    first = _directives(client.get("/"))["script-src"][1]
    second = _directives(client.get("/"))["script-src"][1]
    # then
    assert first != second


def test_scripts_come_from_ourselves_and_the_configured_stripe_host_only(client, settings):
    # given: production's Stripe
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    settings.STRIPE_API_BASE = "https://api.stripe.com"
    # when
    csp = _directives(client.get("/"))
    # then
    stripe = ["https://js.stripe.com", "https://api.stripe.com", "https://hooks.stripe.com"]
    assert csp["script-src"][2:] == stripe
    assert csp["connect-src"] == ["'self'", *stripe]
    assert csp["frame-src"] == stripe


@pytest.mark.parametrize("method", ["TRACE", "TRACK"])
@pytest.mark.parametrize("path", ["/", "/api/auth/me/", "/healthz"])
def test_trace_answers_405(client, method, path):
    # when
    response = client.generic(method, path)
    # then
    assert response.status_code == 405
    assert "TRACE" not in response["Allow"]


def test_every_cookie_says_samesite(client):
    # given
    client.force_login(UserFactory())
    # when: the language switch sets the language cookie; the login page sets the CSRF one
    switched = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get("/accounts/login/")
    # then
    cookies = {**switched.cookies, **page.cookies}
    assert settings.LANGUAGE_COOKIE_NAME in cookies
    assert settings.CSRF_COOKIE_NAME in cookies
    for name, morsel in cookies.items():
        assert morsel["samesite"] == "Lax", name
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)  # an attribute inside a tag


def test_no_template_has_an_inline_script_or_event_handler():
    # given
    root = Path(settings.BASE_DIR)
    templates = [
        path
        for path in root.glob("**/templates/**/*.html")
        if ".venv" not in path.parts and "node_modules" not in path.parts
    ]
    # when
    offenders = [
        str(path.relative_to(root))
        for path in templates
        if INLINE_SCRIPT.search(path.read_text()) or INLINE_HANDLER.search(path.read_text())
    ]
    # then
    assert len(templates) > 20
    assert offenders == []
