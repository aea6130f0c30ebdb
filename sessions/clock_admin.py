"""Admin pages of the reply clock: read-only evidence for staff (nobody can add, change or
delete a clock, a breach or a pause here; only the clock services write them)."""

from django.contrib import admin

from marketplace.admin_mixins import ReadOnlyAdmin
from sessions.models import Breach, Pause, ReplyClock


@admin.register(ReplyClock)
class ReplyClockAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "status", "opened_at", "deadline", "latency_ms", "missed")
    list_filter = ("status",)
    search_fields = ("=order__id",)
    raw_id_fields = ("order", "listener", "opened_by", "closed_by")


@admin.register(Breach)
class BreachAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "deadline", "recorded_at", "streak", "refund_fen", "terminated")
    list_filter = ("terminated",)
    search_fields = ("=order__id",)
    raw_id_fields = ("clock", "order", "listener")


@admin.register(Pause)
class PauseAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "state", "seconds", "requested_at", "starts_at", "ends_at")
    list_filter = ("state",)
    raw_id_fields = ("order", "requested_by")
