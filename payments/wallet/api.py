"""Wallet API. Shapes are checked here; the rules (bounds, budget, balance) are the
services' and come back as {"code", "detail"}.

GET  /api/wallet/                          balance, top-ups, charges, refunds, withdrawals
POST /api/wallet/topups/                   {"amount_fen"}: a top-up with its client secret
POST /api/wallet/topups/{id}/confirm/      {"token"}: pay it with a Stripe.js card token
POST /api/wallet/withdrawals/              {"amount_fen"}: refund to the top-ups' cards
Another client's top-up is a 404.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.exceptions import NotFound
from payments.disputes.api import StrictFenField
from payments.wallet import selectors, services
from payments.wallet.models import TopUp


class AmountIn(serializers.Serializer):
    amount_fen = StrictFenField()


class TokenIn(serializers.Serializer):
    token = serializers.RegexField(r"^tok_[A-Za-z0-9_]{1,96}$")


class TopUpOut(serializers.Serializer):
    id = serializers.IntegerField()
    amount_fen = serializers.IntegerField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    succeeded_at = serializers.DateTimeField(allow_null=True)
    payment_deadline = serializers.DateTimeField()


class TopUpDetailOut(TopUpOut):
    client_secret = serializers.SerializerMethodField()
    last_error = serializers.CharField()

    def get_client_secret(self, topup: TopUp) -> str:
        return "" if topup.status == TopUp.Status.SUCCEEDED else topup.client_secret


class LineOut(serializers.Serializer):
    at = serializers.DateTimeField()
    amount_fen = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id", allow_null=True)


class WithdrawalPartOut(serializers.Serializer):
    topup = serializers.IntegerField(source="topup_id")
    amount_fen = serializers.IntegerField()
    status = serializers.CharField()


class WithdrawalOut(serializers.Serializer):
    id = serializers.IntegerField()
    amount_fen = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    parts = WithdrawalPartOut(many=True)


class WalletOut(serializers.Serializer):
    balance_fen = serializers.IntegerField()
    available_fen = serializers.IntegerField()
    topups = TopUpOut(many=True)
    charges = LineOut(many=True)
    refunds = LineOut(many=True)
    withdrawals = WithdrawalOut(many=True)


def _my_topup(request: Request, topup_id: int) -> TopUp:
    topup = TopUp.objects.filter(pk=topup_id, client=request.user).first()
    if topup is None:
        raise NotFound(_("No such top-up."))
    return topup


@extend_schema(responses=WalletOut)
@api_view(["GET"])
def wallet(request: Request) -> Response:
    return Response(WalletOut(selectors.wallet_statement(client_id=request.user.pk)).data)


@extend_schema(request=AmountIn, responses={201: TopUpDetailOut})
@api_view(["POST"])
def topup_create(request: Request) -> Response:
    data = AmountIn(data=request.data)
    data.is_valid(raise_exception=True)
    topup = services.wallet_topup_start(
        client=request.user, amount_fen=data.validated_data["amount_fen"]
    )
    return Response(TopUpDetailOut(topup).data, status=status.HTTP_201_CREATED)


@extend_schema(request=TokenIn, responses=TopUpDetailOut)
@api_view(["POST"])
def topup_confirm(request: Request, topup_id: int) -> Response:
    topup = _my_topup(request, topup_id)
    data = TokenIn(data=request.data)
    data.is_valid(raise_exception=True)
    topup = services.topup_confirm(topup_id=topup.pk, token=data.validated_data["token"])
    return Response(TopUpDetailOut(topup).data)


@extend_schema(request=AmountIn, responses={201: WithdrawalOut})
@api_view(["POST"])
def withdrawal_create(request: Request) -> Response:
    data = AmountIn(data=request.data)
    data.is_valid(raise_exception=True)
    withdrawal = services.wallet_withdraw(
        client=request.user, amount_fen=data.validated_data["amount_fen"]
    )
    return Response(WithdrawalOut(withdrawal).data, status=status.HTTP_201_CREATED)
