"""Order endpoints: book (POST /api/orders/), list mine, one of mine, cancel.

Thin: parse, authorise, call one service, render. Another client's order is a 404.
"""

import contextlib

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api_schema import api_errors
from marketplace.exceptions import DomainError
from payments.selectors import order_escrow_balance_fen
from payments.services import payments as payment_services
from sessions.models import Order
from sessions.selectors.orders import access_order_for_user, orders_for_client
from sessions.services import metering
from sessions.services import orders as order_services


class OrderCreateIn(serializers.Serializer):
    tier = serializers.IntegerField(min_value=1, max_value=2**62)
    # Plan days are booked with their plan, never one by one.
    kind = serializers.ChoiceField([c for c in Order.Kind.choices if c[0] != Order.Kind.PLAN])
    start = serializers.DateTimeField(required=False)
    minutes = serializers.IntegerField(required=False, min_value=1, max_value=24 * 60)
    package = serializers.IntegerField(required=False, min_value=1, max_value=2**62)

    def validate(self, attrs):
        if attrs["kind"] == Order.Kind.METERED:
            if "minutes" in attrs or "package" in attrs or "start" in attrs:
                raise serializers.ValidationError(
                    "A per-minute session starts now and is charged minute by minute."
                )
            return attrs
        if ("minutes" in attrs) == ("package" in attrs):
            raise serializers.ValidationError("Give either minutes or package.")
        if attrs["kind"] == Order.Kind.APPOINTMENT and "start" not in attrs:
            raise serializers.ValidationError({"start": "An appointment needs a start."})
        return attrs


class OrderOut(serializers.ModelSerializer):
    listener = serializers.IntegerField(source="listener_id")
    tier = serializers.IntegerField(source="tier_id")
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = Order
        fields = [
            "id",
            "listener",
            "tier",
            "kind",
            "state",
            "state_label",
            "starts_at",
            "ends_at",
            "minutes",
            "price_fen",
            "currency",
            "quote",
            "reply_window_seconds",
            "breach_refund_percent",
            "breach_refund_cap_percent",
            "breach_termination_count",
            "created_at",
            "payment_deadline",
            "accept_deadline",
            "paid_at",
        ]


class OrderDetailOut(OrderOut):
    escrow_fen = serializers.SerializerMethodField()
    payment = serializers.SerializerMethodField()

    class Meta(OrderOut.Meta):
        fields = [*OrderOut.Meta.fields, "escrow_fen", "payment"]

    def get_escrow_fen(self, order) -> int:
        return order_escrow_balance_fen(order=order)

    def get_payment(self, order) -> dict | None:
        payment = getattr(order, "payment", None)
        if payment is None:
            return None
        mine = self.context.get("is_client", False)
        return {
            "status": payment.status,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "client_secret": payment.client_secret
            if mine and order.state == Order.State.PENDING_PAYMENT
            else "",
        }


class OrdersApi(ListAPIView):
    serializer_class = OrderOut

    def get_queryset(self):
        return orders_for_client(client=self.request.user)

    @extend_schema(request=OrderCreateIn, responses={201: OrderDetailOut, **api_errors(404)})
    def post(self, request: Request) -> Response:
        data = OrderCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["kind"] == Order.Kind.METERED:
            order = metering.metered_order_create(client=request.user, tier_id=values["tier"])
            out = OrderDetailOut(order, context={"is_client": True})
            return Response(out.data, status=status.HTTP_201_CREATED)
        order = order_services.order_create(
            client=request.user,
            tier_id=values["tier"],
            kind=values["kind"],
            start=values.get("start"),
            minutes=values.get("minutes"),
            package_id=values.get("package"),
        )
        # The order stands even if Stripe is down; the pay step creates the intent then.
        with contextlib.suppress(DomainError):
            payment_services.payment_prepare(order_id=order.pk)
        order = Order.objects.select_related("payment").get(pk=order.pk)
        out = OrderDetailOut(order, context={"is_client": True})
        return Response(out.data, status=status.HTTP_201_CREATED)


class OrderApi(APIView):
    @extend_schema(responses=OrderDetailOut)
    def get(self, request: Request, order_id: int) -> Response:
        order = access_order_for_user(user=request.user, order_id=order_id)
        if order.state == Order.State.PENDING_PAYMENT:
            payment_services.payment_sync(order_id=order.pk)
            order = access_order_for_user(user=request.user, order_id=order_id)
        return Response(
            OrderDetailOut(order, context={"is_client": order.client_id == request.user.pk}).data
        )


class OrderCancelApi(APIView):
    @extend_schema(request=None, responses=OrderDetailOut)
    def post(self, request: Request, order_id: int) -> Response:
        order = access_order_for_user(user=request.user, order_id=order_id, as_client=True)
        order = order_services.order_cancel(order_id=order.pk, client=request.user)
        return Response(OrderDetailOut(order, context={"is_client": True}).data)


class OrderResumeApi(APIView):
    @extend_schema(request=None, responses=OrderDetailOut)
    def post(self, request: Request, order_id: int) -> Response:
        """Resume a per-minute session paused at zero balance (after a top-up)."""
        order = access_order_for_user(user=request.user, order_id=order_id, as_client=True)
        order = metering.metered_resume(user=request.user, order_id=order.pk)
        return Response(OrderDetailOut(order, context={"is_client": True}).data)
