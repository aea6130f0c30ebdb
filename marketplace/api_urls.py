from django.urls import path

from marketplace import api

app_name = "auth-api"
urlpatterns = [
    path("sms/request/", api.sms_request, name="sms-request"),
    path("sms/verify/", api.sms_verify, name="sms-verify"),
    path("me/", api.me, name="me"),
    path("logout-everywhere/", api.logout_everywhere, name="logout-everywhere"),
]
