"""Reviews API: write a review, reply, report, and the public list of a listener's reviews.

Shapes are checked here; every rule (who, when, how many stars, how long) is the
services' and comes back as {"code", "detail"}.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from listeners.models import ListenerProfile
from marketplace.api_schema import paginated
from marketplace.exceptions import NotFound
from reviews import selectors, services
from reviews.models import MAX_REASON_LENGTH, Review, ReviewReport

# Generous shape limits; the exact length rules are the services'.
_TEXT_SHAPE_LIMIT = 5000


class ReviewIn(serializers.Serializer):
    stars = serializers.IntegerField()
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=20, default=list
    )
    text = serializers.CharField(
        allow_blank=True, default="", max_length=_TEXT_SHAPE_LIMIT, trim_whitespace=False
    )


class ReplyIn(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, max_length=_TEXT_SHAPE_LIMIT)


class ReportIn(serializers.Serializer):
    reason = serializers.CharField(max_length=40)
    note = serializers.CharField(allow_blank=True, default="", max_length=MAX_REASON_LENGTH * 2)


class TagOut(serializers.Serializer):
    slug = serializers.CharField()
    label = serializers.CharField()


class ReplyOut(serializers.Serializer):
    text = serializers.CharField(source="reply_text")
    at = serializers.DateTimeField(source="replied_at")


class ReviewOut(serializers.Serializer):
    id = serializers.IntegerField()
    listener = serializers.IntegerField(source="listener_id")
    stars = serializers.IntegerField()
    tags = serializers.SerializerMethodField()
    text = serializers.CharField()
    author = serializers.CharField(source="author_label")
    created_at = serializers.DateTimeField()
    reply = serializers.SerializerMethodField()

    @extend_schema_field(TagOut(many=True))
    def get_tags(self, review: Review) -> list[dict]:
        return [{"slug": slug, "label": label} for slug, label in review.tag_items]

    @extend_schema_field(ReplyOut(allow_null=True))
    def get_reply(self, review: Review) -> dict | None:
        return ReplyOut(review).data if review.has_reply else None


class ReportOut(serializers.Serializer):
    id = serializers.IntegerField()
    review = serializers.IntegerField(source="review_id")
    reason = serializers.CharField()


@extend_schema(request=ReviewIn, responses={201: ReviewOut})
@api_view(["POST"])
def order_review_create(request: Request, order_id: int) -> Response:
    data = ReviewIn(data=request.data)
    data.is_valid(raise_exception=True)
    review = services.review_create(order_id=order_id, client=request.user, **data.validated_data)
    return Response(ReviewOut(review).data, status=status.HTTP_201_CREATED)


@extend_schema(request=ReplyIn, responses=ReviewOut)
@api_view(["POST"])
def review_reply(request: Request, review_id: int) -> Response:
    data = ReplyIn(data=request.data)
    data.is_valid(raise_exception=True)
    review = services.review_reply(
        review_id=review_id, listener_user=request.user, text=data.validated_data["text"]
    )
    return Response(ReviewOut(review).data)


@extend_schema(request=ReportIn, responses={201: ReportOut})
@api_view(["POST"])
def review_report(request: Request, review_id: int) -> Response:
    data = ReportIn(data=request.data)
    data.is_valid(raise_exception=True)
    report: ReviewReport = services.review_report(
        review_id=review_id, reporter=request.user, **data.validated_data
    )
    return Response(ReportOut(report).data, status=status.HTTP_201_CREATED)


class ReviewPagination(PageNumberPagination):
    page_size = 10
    page_size_query_param = "page_size"
    max_page_size = 50


@extend_schema(
    parameters=[
        OpenApiParameter("page", int, description="1, 2, ...; past the last page: 404"),
        OpenApiParameter("page_size", int, description="1-50 (default 10)"),
    ],
    responses={200: paginated(ReviewOut, name="PaginatedReviewList")},
)
@api_view(["GET"])
@permission_classes([AllowAny])
def listener_reviews(request: Request, listener_id: int) -> Response:
    """A listener's visible reviews, newest first, paginated (public)."""
    public = ListenerProfile.objects.filter(
        pk=listener_id, verification=ListenerProfile.Verification.APPROVED
    )
    if not public.exists():
        raise NotFound(_("No such listener."))
    paginator = ReviewPagination()
    page = paginator.paginate_queryset(
        selectors.reviews_for_listener(listener_id=listener_id), request
    )
    return paginator.get_paginated_response(ReviewOut(page, many=True).data)
