from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from marketplace import timezones

# Navigation per role: (url name, label). Entries whose page is not installed are skipped.
NAVIGATION = {
    "anonymous": [("listeners:catalogue", _("Listeners"))],
    "client": [
        ("listeners:catalogue", _("Listeners")),
        ("sessions:my_orders", _("My orders")),
        ("payments:budget", _("Budget")),
        ("care:usage", _("My usage")),
        ("listeners:interests", _("My interests")),
        ("payments:notifications", _("Notifications")),
    ],
    "listener": [
        ("sessions:dashboard", _("Dashboard")),
        ("listeners:my_profile", _("My profile")),
        ("payments:earnings", _("Earnings")),
        ("reviews:mine", _("My reviews")),
        ("payments:notifications", _("Notifications")),
    ],
    "staff": [
        ("listeners:catalogue", _("Listeners")),
        ("payments:dispute_desk", _("Dispute desk")),
        ("sessions:escalations", _("Safety escalations")),
        ("care:staff", _("Client care")),
        ("admin:index", _("Admin")),
    ],
}


def _role(user) -> str:
    if user is None or not user.is_authenticated:
        return "anonymous"
    if user.is_staff:
        return "staff"
    return user.role


def navigation(request):
    """`nav_links` for the signed-in role (each with `active` for the current page)."""
    role = _role(getattr(request, "user", None))
    path = getattr(request, "path", "")
    links = []
    for url_name, label in NAVIGATION.get(role, []):
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        links.append(
            {
                "name": url_name,
                "url": url,
                "label": label,
                "active": url != "/" and path.startswith(url),
            }
        )
    # `site_languages`, not `languages`: a page may have its own (the catalogue filter does).
    return {"nav_role": role, "nav_links": links, "site_languages": settings.LANGUAGES}


def viewer_timezone(request):
    """`viewer_tz`: the zone the page's times are shown in (base.html renders the body in
    it and hands it to scripts as `<body data-tz>`); `platform_tz`: Beijing time, the
    clock of the rules, for what must read on it (a budget month, a care week)."""
    return {
        "viewer_tz": timezones.viewer_zone_name(request),
        "platform_tz": timezones.platform_zone_name(),
    }
