"""Admin page of calls: read-only for staff (when, who, how long; no content exists)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from marketplace.admin_mixins import ReadOnlyAdmin
from sessions.models import Call


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "kind", "state", "started_by", "started_at", "duration")
    list_filter = ("state", "kind")
    search_fields = ("=order__id",)
    raw_id_fields = ("order", "started_by", "ended_by")

    @admin.display(description=_("seconds with media"))
    def duration(self, call: Call) -> int:
        return call.seconds
