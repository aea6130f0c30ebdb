"""The client's own care endpoints: usage, limits, income. Values are checked strictly:
only JSON integers (or null) are accepted, so NaN, Infinity, floats, strings and huge values
are refused with a clear error and change nothing."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from care.presenters import limits_json, usage_json
from care.selectors import usage_for_client
from care.services.profile import income_set
from marketplace.exceptions import DomainError
from payments.services.limits import limit_set, limits_for_client


def _whole_or_null(data, key: str):
    if not isinstance(data, dict) or key not in data:
        raise DomainError(_("Send %(key)s: a whole number or null.") % {"key": key}, code="invalid")
    value = data[key]
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise DomainError(_("Send %(key)s: a whole number or null.") % {"key": key}, code="invalid")
    return value


@extend_schema(responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def my_usage(request: Request) -> Response:
    """Spend (ledger) and chat hours (sessions) per week and month for the last 6 months."""
    return Response(usage_json(usage_for_client(client=request.user)))


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["GET", "POST"])
def my_limits(request: Request) -> Response:
    """GET: the limits. POST {"kind", "minutes": int|null}: lower now, raise after 24 h."""
    if request.method == "POST":
        minutes = _whole_or_null(request.data, "minutes")
        kind = request.data.get("kind")
        if not isinstance(kind, str):
            raise DomainError(_("Choose a limit."), code="limit_kind_invalid")
        with transaction.atomic():
            limit_set(client_id=request.user.pk, kind=kind, minutes=minutes)
    return Response(limits_json(limits_for_client(client_id=request.user.pk)))


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
def my_income(request: Request) -> Response:
    """POST {"monthly_income_fen": int|null}: optional, used only for your own nudges."""
    income = _whole_or_null(request.data, "monthly_income_fen")
    profile = income_set(client=request.user, income_fen=income)
    return Response({"monthly_income_fen": profile.monthly_income_fen})
