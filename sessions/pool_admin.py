"""Admin page of the open request pool (read-only: only `sessions.services.pool` writes
requests)."""

from django.contrib import admin

from marketplace.admin_mixins import ReadOnlyAdmin
from sessions.models import OpenRequest


@admin.register(OpenRequest)
class OpenRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "client", "state", "minutes", "budget_fen", "created_at", "claimed_by")
    list_filter = ("state",)
    raw_id_fields = ("client", "claimed_by", "order")
