from django.urls import path

from care import api

app_name = "care-api"
urlpatterns = [
    path("me/usage/", api.my_usage, name="usage"),
    path("me/limits/", api.my_limits, name="limits"),
    path("me/income/", api.my_income, name="income"),
]
