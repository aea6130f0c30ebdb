"""Safety endpoint of the API: the listener escalates ("I'm worried about this client").
Levels and signals the platform computed are never exposed here (staff only)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sessions.services import safety


class ListenerEscalationIn(serializers.Serializer):
    level = serializers.ChoiceField(sorted(safety.LISTENER_LEVELS))
    note = serializers.CharField(max_length=safety.MAX_NOTE_CHARS)


class ListenerEscalationOut(serializers.Serializer):
    escalation = serializers.IntegerField()
    session = serializers.IntegerField()
    title = serializers.CharField()
    guidance = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField()


class OrderEscalationsApi(APIView):
    """The order's listener opens (or raises) the order's safety escalation at the level
    they choose, with a note; the answer is the guidance to show them at once. 404 for
    anyone but the order's listener."""

    @extend_schema(request=ListenerEscalationIn, responses={201: ListenerEscalationOut})
    def post(self, request: Request, order_id: int) -> Response:
        data = ListenerEscalationIn(data=request.data)
        data.is_valid(raise_exception=True)
        escalation = safety.escalation_open_by_listener(
            user=request.user, order_id=order_id, **data.validated_data
        )
        frame = safety.crisis_frame(escalation, recipient=request.user, role="listener")
        return Response(
            {
                "escalation": escalation.pk,
                "session": escalation.order_id,
                "title": frame["title"],
                "guidance": frame["guidance"],
                "note": frame["note"],
            },
            status=status.HTTP_201_CREATED,
        )
