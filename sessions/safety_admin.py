"""Admin pages of safety: escalations with their audit trail, and message flags. Read-only:
escalations are closed (with a note, audited) on the staff page `sessions:escalations`."""

from django.contrib import admin

from marketplace.admin_mixins import ReadOnlyAdmin
from sessions.models import Escalation, EscalationEvent, MessageFlag


class EscalationEventInline(admin.TabularInline):
    model = EscalationEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "listener", "state", "opened_at", "alerted_at", "closed_at")
    list_filter = ("state",)
    search_fields = ("=order__id",)
    raw_id_fields = ("order", "listener", "message", "closed_by")
    inlines = [EscalationEventInline]


@admin.register(MessageFlag)
class MessageFlagAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "order", "listener", "sender_role", "created_at")
    list_filter = ("kind", "sender_role")
    search_fields = ("=order__id", "=listener__id")
    raw_id_fields = ("message", "order", "listener")
