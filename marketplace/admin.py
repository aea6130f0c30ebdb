from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from marketplace.admin_mixins import ReadOnlyAdmin
from marketplace.models import Outage, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["phone", "display_name", "role", "is_staff", "is_active", "date_joined"]
    list_filter = ["role", "is_staff", "is_active"]
    search_fields = ["phone", "display_name"]
    fieldsets = [
        (None, {"fields": ["phone", "display_name", "role", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["phone", "role"]})]


@admin.register(Outage)
class OutageAdmin(ReadOnlyAdmin):
    """Measured outages (written by beat and the watcher); deadlines in them are excused."""

    list_display = ("cause", "started_at", "ended_at", "observed_by")
    list_filter = ("cause",)
