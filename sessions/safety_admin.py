"""Admin pages of safety: escalations with their audit trail, message risk, flags and
labels (read-only: escalations are acknowledged and closed, messages labelled, on the staff
page `sessions:escalations`, audited), and the on-call roster (edited here)."""

from django.contrib import admin

from marketplace.admin_mixins import ReadOnlyAdmin
from sessions.models import (
    Escalation,
    EscalationEvent,
    MessageFlag,
    MessageLabel,
    MessageRisk,
    OnCall,
)


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
    list_display = (
        "id",
        "order",
        "listener",
        "state",
        "level",
        "source",
        "opened_at",
        "acknowledged_at",
        "outcome",
        "closed_at",
    )
    list_filter = ("state", "level", "source", "outcome")
    search_fields = ("=order__id",)
    raw_id_fields = (
        "order",
        "listener",
        "message",
        "opened_by",
        "paged_user",
        "acknowledged_by",
        "closed_by",
    )
    inlines = [EscalationEventInline]


@admin.register(MessageFlag)
class MessageFlagAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "order", "listener", "sender_role", "reason", "created_at")
    list_filter = ("kind", "sender_role", "reason")
    search_fields = ("=order__id", "=listener__id", "=call__id")
    raw_id_fields = ("message", "order", "listener", "call", "reported_by")


@admin.register(MessageRisk)
class MessageRiskAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "sender_role", "level", "conversation_level", "created_at")
    list_filter = ("level", "conversation_level", "sender_role")
    search_fields = ("=order__id",)
    raw_id_fields = ("message", "order")


@admin.register(MessageLabel)
class MessageLabelAdmin(ReadOnlyAdmin):
    list_display = ("id", "label", "level", "order", "labelled_by", "labelled_at")
    list_filter = ("label",)
    search_fields = ("=order__id",)
    raw_id_fields = ("message", "order", "labelled_by")


@admin.register(OnCall)
class OnCallAdmin(admin.ModelAdmin):
    """Who is paged for imminent risk, in order (docs/safety.md, On call)."""

    list_display = ("position", "user", "active")
    list_editable = ("active",)
    raw_id_fields = ("user",)
