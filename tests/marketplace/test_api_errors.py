"""Bad bodies on the API: deep nesting, NaN, oversized bodies and DRF's own refusals all
answer 4xx in the API's error shape {"code", "detail"}, and nothing is stored."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from marketplace.models import SmsCode
from sessions.models import Order
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEEP = ("[" * 1_000 + "]" * 1_000).encode()  # 2 KB, a RecursionError in a plain decoder
DEEP_IN_OBJECT = b'{"phone": "13800138000", "x": ' + b"{" * 600 + b"}" * 600 + b"}"
JSON_ENDPOINTS = ["/api/quotes/", "/api/auth/sms/request/", "/api/auth/sms/verify/", "/api/orders/"]


@pytest.fixture
def api():
    client = APIClient()
    client.cookies["django_language"] = "en"
    token = Token.objects.create(user=UserFactory())
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _post(api, path, body: bytes, content_type="application/json"):
    return api.generic("POST", path, body, content_type=content_type)


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
@pytest.mark.parametrize("body", [DEEP, DEEP_IN_OBJECT], ids=["array", "object"])
def test_json_nested_a_thousand_levels_is_refused_with_400(api, path, body):
    # when
    response = _post(api, path, body)
    # then
    assert response.status_code == 400
    assert response.json() == {
        "code": "parse_error",
        "detail": "The request body is nested too deeply.",
    }
    assert SmsCode.objects.count() == 0
    assert Order.objects.count() == 0


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_in_json_are_refused_with_400(api, literal):
    # when
    response = _post(api, "/api/quotes/", b'{"tier": 1, "minutes": ' + literal + b"}")
    # then
    assert response.status_code == 400
    assert response.json() == {
        "code": "parse_error",
        "detail": "The request body is not valid JSON.",
    }


def test_json_nested_within_the_limit_reaches_validation(api):
    # when: shallow nesting is an ordinary (wrong) value, answered by the serializer
    response = _post(api, "/api/auth/sms/request/", b'{"phone": [[["13800138000"]]]}')
    # then
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["detail"]) == ("invalid", "Not a valid string.")
    assert body["fields"] == {"phone": ["Not a valid string."]}
    assert SmsCode.objects.count() == 0


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_10_mb_body_on_the_api_is_answered_413_in_json(api, content_type):
    # when
    response = _post(api, "/api/auth/sms/request/", b"x" * 10_000_000, content_type)
    # then
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "too_large", "detail": "The request body is too large."}
    assert SmsCode.objects.count() == 0


def test_unauthenticated_is_answered_in_the_error_shape():
    # when
    response = APIClient().get("/api/auth/me/", HTTP_COOKIE="django_language=en")
    # then
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
    }


def test_a_wrong_method_is_answered_in_the_error_shape(api):
    # when
    response = api.delete("/api/auth/me/")
    # then
    assert response.status_code == 405
    assert response.json() == {
        "code": "method_not_allowed",
        "detail": 'Method "DELETE" not allowed.',
    }
