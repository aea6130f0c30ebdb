"""The OpenAPI schema's error responses, documented once for every operation.

Every refusal leaves in one shape (marketplace/api_errors.py), so one serializer describes
it. `AutoSchema` adds the errors an operation can give by its nature: 401 everywhere (a
wrong token is refused before any permission check); 403 where a permission beyond sign-in
or the CSRF check (writes by a signed-in browser) applies; 400 where a body or query is
read; 404 where the path names a row, or for a page past the last of a paginated list; 409
where a write can meet a state that refuses it; 413 and 415 where a body is read. What only
some operations give (a 404 for a row named in the body, 429) they declare with
`api_errors(...)`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import permissions, serializers

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BODY_METHODS = {"POST", "PUT", "PATCH"}


class ErrorOut(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable reason, e.g. `not_found`.")
    detail = serializers.CharField(help_text="What went wrong, in the caller's language.")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="On a 400 for invalid fields: the messages per field.",
    )


ERROR_DESCRIPTIONS = {
    400: _("The request is invalid (see `code`, and `fields` for invalid fields)."),
    401: _("Not signed in, or the token is not valid."),
    403: _("Not allowed (permission, or the CSRF check of a signed-in browser)."),
    404: _("No such thing, or not yours."),
    409: _("Refused by the current state (e.g. already done, or done at the same moment)."),
    413: _("The request body is too large."),
    415: _("The body's content type is not supported."),
    429: _("Too many requests; try again later."),
}


def api_errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """Error responses for `extend_schema(responses={...})`, in the API's error shape."""
    return {
        status: OpenApiResponse(ErrorOut, description=str(ERROR_DESCRIPTIONS[status]))
        for status in statuses
    }


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status, response in api_errors(*self._implied_errors()).items():
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    response, str(status), direction=direction
                )
        return dict(sorted(responses.items()))

    def _implied_errors(self) -> list[int]:
        statuses = [401]
        method = self.method.upper()
        has_query = any(p.get("in") == "query" for p in self._get_parameters())
        if method in UNSAFE_METHODS or has_query:
            statuses.append(400)
        if method in UNSAFE_METHODS or self._checks_more_than_sign_in():
            statuses.append(403)
        if "{" in self.path or self._paginated():
            statuses.append(404)  # the path names a row, or a page past the last
        if method in UNSAFE_METHODS:
            statuses.append(409)
        if method in BODY_METHODS:
            statuses += [413, 415]
        return statuses

    def _paginated(self) -> bool:
        return self.method.upper() == "GET" and self._is_list_view() and bool(self._get_paginator())

    def _checks_more_than_sign_in(self) -> bool:
        """A permission other than AllowAny / IsAuthenticated can refuse a signed-in caller
        (403); a missing sign-in is a 401, since token authentication comes first."""
        return not all(
            isinstance(permission, (permissions.AllowAny, permissions.IsAuthenticated))
            for permission in self.view.get_permissions()
        )


def paginated(item: type[serializers.Serializer], *, name: str) -> serializers.Serializer:
    """The schema of a page of `item`s as DRF's PageNumberPagination answers it, for views
    that paginate by hand (drf-spectacular wraps only generic list views)."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(help_text="Items on all pages."),
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null."),
            "previous": serializers.URLField(allow_null=True, help_text="The previous page."),
            "results": item(many=True),
        },
    )
