"""Admin page of hand-overs (read-only: the audit of every proposal; only
`sessions.services.handover` writes them)."""

from django.contrib import admin

from marketplace.admin_mixins import ReadOnlyAdmin
from sessions.models import Handover


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "order",
        "from_listener",
        "to_listener",
        "within_team",
        "state",
        "proposed_at",
        "answered_at",
        "answered_by",
    )
    list_filter = ("state", "within_team")
    raw_id_fields = ("order", "from_listener", "to_listener", "answered_by")
