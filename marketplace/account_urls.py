from django.urls import path

from marketplace import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_view, name="account"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("logout-everywhere/", views.logout_everywhere_view, name="logout_everywhere"),
]
