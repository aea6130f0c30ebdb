"""Chat endpoints of the API (the order endpoints live beside them in api_urls)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sessions import events
from sessions.selectors.chat import TRANSCRIPT_PAGE, access_order_for_user, messages_after


class AfterSeqSerializer(serializers.Serializer):
    after_seq = serializers.IntegerField(min_value=0, max_value=2**31, default=0)
    limit = serializers.IntegerField(
        min_value=1, max_value=TRANSCRIPT_PAGE, default=TRANSCRIPT_PAGE
    )


class ChatMessageSerializer(serializers.Serializer):
    """Shape of one message (documentation only: rows are rendered by sessions.events)."""

    session = serializers.IntegerField()
    seq = serializers.IntegerField()
    sender = serializers.IntegerField(allow_null=True)
    role = serializers.ChoiceField(["client", "listener", "system"])
    kind = serializers.ChoiceField(["text", "system"])
    code = serializers.CharField()
    text = serializers.CharField()
    at = serializers.DateTimeField()


class ChatTranscriptSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    messages = ChatMessageSerializer(many=True)
    last_seq = serializers.IntegerField()
    more = serializers.BooleanField()


class OrderMessagesApi(APIView):
    """The transcript of one session for its client or listener, after a given seq."""

    @extend_schema(
        parameters=[
            OpenApiParameter("after_seq", int, description="Only messages with a larger seq."),
            OpenApiParameter("limit", int, description=f"At most this many (≤ {TRANSCRIPT_PAGE})."),
        ],
        responses=ChatTranscriptSerializer,
    )
    def get(self, request: Request, order_id: int) -> Response:
        params = AfterSeqSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        order = access_order_for_user(user=request.user, order_id=order_id)
        limit = params.validated_data["limit"]
        after_seq = params.validated_data["after_seq"]
        page = messages_after(order=order, after_seq=after_seq, limit=limit + 1)
        more = len(page) > limit
        page = page[:limit]
        return Response(
            {
                "session": order.pk,
                "messages": [events.message_dict(m, client_user_id=order.client_id) for m in page],
                "last_seq": page[-1].seq if page else after_seq,
                "more": more,
            }
        )
