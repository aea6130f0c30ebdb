from django.urls import path

from care import views

app_name = "care"
urlpatterns = [
    path("usage/", views.usage, name="usage"),
    path("limits/", views.limits, name="limits"),
    path("step-back/", views.step_back, name="step_back"),
    path("resources/", views.resources, name="resources"),
    path("privacy/", views.privacy, name="privacy"),
    path("account/export/", views.account_export, name="export"),
    path("account/close/", views.account_close, name="close"),
    path("nudges/<int:nudge_id>/", views.nudge_choose, name="nudge_choose"),
    path("staff/", views.staff_overview, name="staff"),
    path("staff/clients/<int:client_id>/", views.staff_client, name="staff_client"),
]
