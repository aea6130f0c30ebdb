"""Calls in the API: a party reports an ended call of their session to staff, from its
transcript entry (docs/chat.md "Reporting a call"). Thin: parse, call the service."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sessions.models import MessageFlag
from sessions.services import calls


class CallReportIn(serializers.Serializer):
    # Checked by the service, after the session and the call: someone else's call is a
    # 404 whatever the body says.
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )


class CallReportOut(serializers.Serializer):
    report = serializers.IntegerField(source="pk")
    session = serializers.IntegerField(source="order_id")
    call = serializers.IntegerField(source="call_id")
    reason = serializers.ChoiceField(MessageFlag.ReportReason.choices)
    created_at = serializers.DateTimeField()


class CallReportApi(APIView):
    """POST {"reason", "note"}: 201 with the report; 404 for a session or call that is
    not the user's; 400 for a bad reason or note; 409 while the call is under way or when
    this user already reported it."""

    @extend_schema(request=CallReportIn, responses={201: CallReportOut})
    def post(self, request: Request, order_id: int, call_id: int) -> Response:
        data = CallReportIn(data=request.data)
        data.is_valid(raise_exception=True)
        report = calls.call_report(
            user=request.user, order_id=order_id, call_id=call_id, **data.validated_data
        )
        return Response(CallReportOut(report).data, status=status.HTTP_201_CREATED)
