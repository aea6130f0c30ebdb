"""What /api/schema/ says, checked against what the API does (the fuzz test checks every
answer against it; these pin the parts a generated client depends on)."""

import pytest
import yaml
from rest_framework.test import APIClient

from tests.listeners.factories import ApprovedListenerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return yaml.safe_load(APIClient().get("/api/schema/").content)


def _responses(schema, path, method):
    return schema["paths"][path][method]["responses"]


def test_every_operation_documents_its_errors_in_the_error_shape(schema):
    # then: each operation names 401, and each error response is the one shape
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "401" in responses, (method, path)
            for status, response in responses.items():
                if status.startswith("4"):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/ErrorOut", (method, path, status)
    assert set(schema["components"]["schemas"]["ErrorOut"]["required"]) == {"code", "detail"}


def test_errors_follow_what_an_operation_reads(schema):
    # then
    assert set(_responses(schema, "/api/auth/me/", "get")) == {"200", "401"}
    assert set(_responses(schema, "/api/orders/{order_id}/", "get")) == {"200", "401", "404"}
    assert set(_responses(schema, "/api/orders/", "post")) == {
        "201",
        "400",
        "401",
        "403",
        "404",
        "409",
        "413",
        "415",
    }
    assert set(_responses(schema, "/api/auth/sms/request/", "post")) == {
        "202",
        "400",
        "401",
        "403",
        "409",
        "413",
        "415",
        "429",
    }


def test_a_quote_is_documented_as_minutes_or_a_package(schema):
    # when
    body = schema["paths"]["/api/quotes/"]["post"]["requestBody"]["content"]["application/json"]
    components = schema["components"]["schemas"]
    # then
    assert body["schema"] == {"$ref": "#/components/schemas/QuoteIn"}
    assert components["QuoteIn"] == {
        "oneOf": [
            {"$ref": "#/components/schemas/QuoteByMinutesIn"},
            {"$ref": "#/components/schemas/QuoteByPackageIn"},
        ]
    }
    assert set(components["QuoteByMinutesIn"]["required"]) == {"tier_id", "minutes"}
    assert set(components["QuoteByPackageIn"]["required"]) == {"tier_id", "package_id"}


def test_a_quote_with_both_or_neither_is_refused_as_documented():
    # when
    api = APIClient()
    both = api.post("/api/quotes/", {"tier_id": 1, "minutes": 30, "package_id": 1}, format="json")
    neither = api.post("/api/quotes/", {"tier_id": 1}, format="json")
    # then
    assert (both.status_code, both.json()["code"]) == (400, "invalid")
    assert (neither.status_code, neither.json()["code"]) == (400, "invalid")


def test_listener_reviews_are_documented_as_the_page_they_are(schema):
    # given
    listener = ApprovedListenerFactory()
    # when
    response = APIClient().get(f"/api/listeners/{listener.pk}/reviews/")
    documented = _responses(schema, "/api/listeners/{listener_id}/reviews/", "get")["200"]
    page = schema["components"]["schemas"]["PaginatedReviewList"]
    # then
    assert documented["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedReviewList"
    }
    assert (
        set(page["properties"])
        == set(response.json())
        == {
            "count",
            "next",
            "previous",
            "results",
        }
    )
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/ReviewOut"}


@pytest.mark.parametrize("query", ["night=", "page=", "online=", "page_size=", "reply_within="])
def test_an_empty_typed_catalogue_filter_is_refused(query):
    # when
    response = APIClient().get(f"/api/listeners/?{query}", HTTP_COOKIE="django_language=en")
    # then
    name = query.rstrip("=")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_filter",
        "detail": f"The filter {name} needs a value.",
    }


def test_an_api_path_no_route_matches_is_a_json_404():
    # when
    response = APIClient().get("/api/orders/not-a-number/", HTTP_COOKIE="django_language=en")
    # then
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_a_page_no_route_matches_is_still_a_page():
    # when
    response = APIClient().get("/no/such/page/")
    # then
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
