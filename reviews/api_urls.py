from django.urls import path

from reviews import api

app_name = "reviews-api"
urlpatterns = [
    path("orders/<int:order_id>/review/", api.order_review_create, name="order-review"),
    path("reviews/<int:review_id>/reply/", api.review_reply, name="reply"),
    path("reviews/<int:review_id>/report/", api.review_report, name="report"),
    path("listeners/<int:listener_id>/reviews/", api.listener_reviews, name="listener-reviews"),
]
