from django.urls import path

from reviews import views

app_name = "reviews"
urlpatterns = [
    path("orders/<int:order_id>/", views.write, name="write"),
    path("mine/", views.mine, name="mine"),
    path("<int:review_id>/reply/", views.reply, name="reply"),
    path("<int:review_id>/report/", views.report, name="report"),
    path("listeners/<int:listener_id>/", views.listener_reviews, name="listener"),
]
