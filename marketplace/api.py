"""Account API: SMS sign-in for app clients (token auth), log out everywhere."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace import services
from marketplace.api_schema import api_errors
from marketplace.selectors import client_ip


class SmsRequestIn(serializers.Serializer):
    phone = serializers.CharField(max_length=20)


class SmsVerifyIn(SmsRequestIn):
    code = serializers.RegexField(r"^\d{6}$", max_length=6)


class MeOut(serializers.Serializer):
    id = serializers.IntegerField()
    phone = serializers.CharField(source="masked_phone")
    display_name = serializers.CharField()
    role = serializers.CharField()


class SmsRequestOut(serializers.Serializer):
    detail = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds the code stays valid.")
    resend_in = serializers.IntegerField(help_text="Seconds before another code may be asked.")


class SmsVerifyOut(serializers.Serializer):
    token = serializers.CharField(help_text='Send as "Authorization: Token <token>".')
    created = serializers.BooleanField(help_text="True when this sign-in created the account.")
    user = MeOut()


@extend_schema(request=SmsRequestIn, responses={202: SmsRequestOut, **api_errors(429)})
@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes([])  # limited per phone and per IP by the service itself
def sms_request(request: Request) -> Response:
    """Send a 6-digit sign-in code to a mainland mobile number."""
    data = SmsRequestIn(data=request.data)
    data.is_valid(raise_exception=True)
    services.sms_code_request(phone=data.validated_data["phone"], ip=client_ip(request))
    body = {
        "detail": _("We sent a 6-digit code to your phone."),
        "expires_in": settings.SMS_CODE_TTL_SECONDS,
        "resend_in": settings.SMS_CODE_RESEND_SECONDS,
    }
    return Response(body, status=status.HTTP_202_ACCEPTED)


@extend_schema(request=SmsVerifyIn, responses={200: SmsVerifyOut, **api_errors(429)})
@api_view(["POST"])
@permission_classes([AllowAny])
def sms_verify(request: Request) -> Response:
    """Check the code; sign up (as a client) or log in, and return an API token."""
    data = SmsVerifyIn(data=request.data)
    data.is_valid(raise_exception=True)
    user, created = services.sms_code_verify(**data.validated_data, ip=client_ip(request))
    return Response(
        {"token": services.api_token_issue(user=user), "created": created, "user": MeOut(user).data}
    )


@extend_schema(responses=MeOut)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request: Request) -> Response:
    return Response(MeOut(request.user).data)


@extend_schema(request=None, responses={204: None})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def logout_everywhere(request: Request) -> Response:
    """End every web session and delete every API token of the caller."""
    services.user_logout_everywhere(user=request.user)
    return Response(status=status.HTTP_204_NO_CONTENT)
