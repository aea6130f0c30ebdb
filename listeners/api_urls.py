from django.urls import path

from listeners import api

app_name = "listeners-api"
urlpatterns = [
    path("listeners/", api.catalogue, name="catalogue"),
    path("listeners/apply/", api.apply, name="apply"),
    path("listeners/me/", api.me, name="me"),
    path("listeners/me/tiers/", api.tiers, name="tiers"),
    path("listeners/me/tiers/<int:tier_id>/", api.tier, name="tier"),
    path("listeners/me/tiers/<int:tier_id>/packages/", api.packages, name="packages"),
    path("listeners/me/packages/<int:package_id>/", api.package, name="package"),
    path("listeners/<int:listener_id>/", api.detail, name="detail"),
    path("quotes/", api.quote, name="quote"),
    path("me/interests/", api.interests, name="interests"),
]
