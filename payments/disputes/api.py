"""Disputes API. Shapes are checked here; every rule (who, when, how much) is the
services' and comes back as {"code", "detail"}.

Parties:  POST/GET /api/orders/{id}/dispute/         open (client) / read (client, listener)
          POST     /api/disputes/{id}/answer/         the listener's statement
Staff:    GET      /api/disputes/desk/                the queue, oldest first
          GET      /api/disputes/desk/{id}/           one dispute (audited)
          POST     /api/disputes/desk/{id}/decide/    {"outcome", "amount_fen"?, "reason"}
          POST     /api/disputes/desk/{id}/approve/   second approval
Everyone: GET      /api/notifications/
Staff endpoints answer 404 to anyone else.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.api_schema import api_errors
from marketplace.exceptions import NotFound
from payments.disputes import notifications, selectors, services
from payments.disputes.models import Dispute, Notification
from payments.disputes.services import MAX_STATEMENT_LENGTH


@extend_schema_field(OpenApiTypes.INT)
class StrictFenField(serializers.Field):
    """An integer number of fen, given as a JSON integer: 12.5, "100" or true are refused
    (the services then refuse zero, negative and absurd amounts)."""

    default_error_messages = {"invalid": _("The amount must be a whole number of fen.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class DisputeOpenIn(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Dispute.Reason.choices)
    statement = serializers.CharField(max_length=MAX_STATEMENT_LENGTH * 2, allow_blank=True)


class StatementIn(serializers.Serializer):
    statement = serializers.CharField(max_length=MAX_STATEMENT_LENGTH * 2, allow_blank=True)


class DecideIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Dispute.Outcome.choices)
    amount_fen = StrictFenField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class DisputeOut(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id")
    state = serializers.CharField()
    reason = serializers.CharField()
    statement = serializers.CharField()
    listener_statement = serializers.CharField()
    created_at = serializers.DateTimeField()
    outcome = serializers.CharField()
    amount_fen = serializers.IntegerField(allow_null=True)
    decision_reason = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.state != Dispute.State.RESOLVED:
            # A proposal awaiting approval is the desk's business, not yet the parties'.
            data.update(outcome="", amount_fen=None, decision_reason="")
        return data


class DeskDisputeOut(DisputeOut):
    client = serializers.IntegerField(source="client_id")
    listener = serializers.IntegerField(source="order.listener_id")
    proposed_by = serializers.IntegerField(source="proposed_by_id", allow_null=True)
    approved_by = serializers.IntegerField(source="approved_by_id", allow_null=True)
    refund = serializers.IntegerField(source="refund_id", allow_null=True)

    def to_representation(self, instance):
        return serializers.Serializer.to_representation(self, instance)


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.SerializerMethodField()
    url = serializers.CharField()
    created_at = serializers.DateTimeField()
    read = serializers.SerializerMethodField()

    def get_text(self, item: Notification) -> str:
        return notifications.notification_text(kind=item.kind, params=item.params)

    def get_read(self, item: Notification) -> bool:
        return item.read_at is not None


@extend_schema(request=DisputeOpenIn, responses={201: DisputeOut, 200: DisputeOut})
@api_view(["GET", "POST"])
def order_dispute(request: Request, order_id: int) -> Response:
    """POST: the client opens a dispute on their finished order. GET: either party reads
    the order's dispute. Someone else's order is 404."""
    if request.method == "GET":
        selectors.access_order_for_dispute(user=request.user, order_id=order_id)
        dispute = selectors.dispute_for_order(order_id=order_id)
        if dispute is None:
            raise NotFound(_("This order has no dispute."))
        return Response(DisputeOut(dispute).data)
    data = DisputeOpenIn(data=request.data)
    data.is_valid(raise_exception=True)
    dispute = services.dispute_open(order_id=order_id, client=request.user, **data.validated_data)
    return Response(DisputeOut(dispute).data, status=status.HTTP_201_CREATED)


@extend_schema(request=StatementIn, responses=DisputeOut)
@api_view(["POST"])
def dispute_answer(request: Request, dispute_id: int) -> Response:
    data = StatementIn(data=request.data)
    data.is_valid(raise_exception=True)
    dispute = services.dispute_answer(
        dispute_id=dispute_id, listener_user=request.user, **data.validated_data
    )
    return Response(DisputeOut(dispute).data)


def _staff(request: Request) -> None:
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise NotFound(_("No such dispute."))


@extend_schema(responses={200: DeskDisputeOut(many=True), **api_errors(404)})
@api_view(["GET"])
def desk_queue(request: Request) -> Response:
    _staff(request)
    services.dispute_desk_viewed(staff=request.user)
    return Response(DeskDisputeOut(selectors.desk_queue(), many=True).data)


@extend_schema(responses=DeskDisputeOut)
@api_view(["GET"])
def desk_dispute(request: Request, dispute_id: int) -> Response:
    dispute = selectors.access_dispute_for_staff(user=request.user, dispute_id=dispute_id)
    services.dispute_desk_viewed(staff=request.user, dispute=dispute)
    return Response(DeskDisputeOut(dispute).data)


@extend_schema(request=DecideIn, responses=DeskDisputeOut)
@api_view(["POST"])
def desk_decide(request: Request, dispute_id: int) -> Response:
    _staff(request)
    data = DecideIn(data=request.data)
    data.is_valid(raise_exception=True)
    dispute = services.dispute_decide(
        dispute_id=dispute_id, staff=request.user, **data.validated_data
    )
    return Response(DeskDisputeOut(dispute).data)


@extend_schema(request=None, responses=DeskDisputeOut)
@api_view(["POST"])
def desk_approve(request: Request, dispute_id: int) -> Response:
    _staff(request)
    dispute = services.dispute_approve(dispute_id=dispute_id, staff=request.user)
    return Response(DeskDisputeOut(dispute).data)


@extend_schema(responses=NotificationOut(many=True))
@api_view(["GET"])
def notification_list(request: Request) -> Response:
    items = notifications.notifications_for_user(user=request.user)
    return Response(NotificationOut(items, many=True).data)
