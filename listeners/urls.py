from django.urls import path

from listeners import views

app_name = "listeners"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("apply/", views.apply, name="apply"),
    path("me/", views.my_profile, name="my_profile"),
    path("interests/", views.interests, name="interests"),
    path("<int:listener_id>/", views.profile, name="profile"),
    path("teams/<int:team_id>/", views.team, name="team"),
]
