"""Reply-clock endpoints: a session's latency timeline (read-only, for both parties and
staff) and pauses by agreement (the listener asks, the client answers). Clock and breach
rows have no write endpoint at all."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sessions import events
from sessions.selectors.clocks import access_order_timeline, order_timeline
from sessions.services import pauses


class PauseAskIn(serializers.Serializer):
    minutes = serializers.IntegerField(min_value=1, max_value=15)


class PauseAnswerIn(serializers.Serializer):
    accept = serializers.BooleanField()


def _pause_out(pause) -> dict:
    frame = events.pause_frame(pause)
    del frame["type"]
    frame["id"] = frame.pop("pause")
    return frame


class OrderTimelineApi(APIView):
    """Each client message that started a reply clock, its reply, deadlines, misses and
    refunds granted, plus agreed pauses. 404 for anyone but the parties and staff."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request, order_id: int) -> Response:
        order = access_order_timeline(user=request.user, order_id=order_id)
        return Response(order_timeline(order=order))


class OrderPausesApi(APIView):
    """The listener asks for a pause of 1-15 minutes; the client must accept it."""

    @extend_schema(request=PauseAskIn, responses={201: dict})
    def post(self, request: Request, order_id: int) -> Response:
        data = PauseAskIn(data=request.data)
        data.is_valid(raise_exception=True)
        pause = pauses.pause_request(
            user=request.user, order_id=order_id, minutes=data.validated_data["minutes"]
        )
        return Response(_pause_out(pause), status=status.HTTP_201_CREATED)


class OrderPauseAnswerApi(APIView):
    """The client accepts or declines the listener's pause request."""

    @extend_schema(request=PauseAnswerIn, responses={200: dict})
    def post(self, request: Request, order_id: int, pause_id: int) -> Response:
        data = PauseAnswerIn(data=request.data)
        data.is_valid(raise_exception=True)
        pause = pauses.pause_answer(
            user=request.user,
            order_id=order_id,
            pause_id=pause_id,
            accept=data.validated_data["accept"],
        )
        return Response(_pause_out(pause))
