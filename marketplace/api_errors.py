"""The API's one error shape: {"code": ..., "detail": ...}, plus "fields" on a 400 that
names fields. Domain errors, DRF's own (authentication, permission, throttling, parsing,
validation) and a body over the size limit all leave in it, so a client reads every
refusal the same way (docs/foundation.md)."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from marketplace.exceptions import DomainError

API_PREFIX = "/api/"


def _first_message(detail) -> str:
    """The first message of a DRF error detail (a string, a list or a dict of them)."""
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
        return ""
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ""
    return str(detail)


def _first_code(codes) -> str:
    if isinstance(codes, dict):
        for value in codes.values():
            return _first_code(value)
    if isinstance(codes, list):
        return _first_code(codes[0]) if codes else "invalid"
    return str(codes or "invalid")


def too_large_body() -> dict[str, str]:
    return {"code": "too_large", "detail": _("The request body is too large.")}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "detail": exc.message}, status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        return Response(too_large_body(), status=413)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    body: dict = {"code": _first_code(exc.get_codes()), "detail": _first_message(exc.detail)}
    if isinstance(exc, exceptions.ValidationError):
        body["code"] = "invalid"
        if isinstance(exc.detail, dict):
            body["fields"] = exc.detail
    response.data = body
    return response


class ApiBodyLimitMiddleware:
    """A body announced larger than API_MAX_BODY_BYTES on /api/ is answered 413 in the
    API's shape before anything reads it (Django's own refusal is an HTML page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path.startswith(API_PREFIX):
            from django.conf import settings

            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.API_MAX_BODY_BYTES:
                return JsonResponse(too_large_body(), status=413)
        return self.get_response(request)


def not_found(request: HttpRequest, exception: Exception | None = None):
    """handler404: on /api/ a JSON 404 in the API's shape (e.g. `/api/orders/abc/`, which no
    route matches); elsewhere Django's page."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"code": "not_found", "detail": _("Not found.")}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
