"""Staff views of disputes in the admin: read-only. Decisions are made on the dispute desk
(payments:dispute_desk), where they run through the escrow services and are audited."""

from django.contrib import admin

from marketplace.admin_mixins import ReadOnlyAdmin
from payments.disputes.models import Dispute, DisputeAuditEntry, Notification


class AuditInline(admin.TabularInline):
    model = DisputeAuditEntry
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "action", "detail"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "order",
        "client",
        "reason",
        "state",
        "outcome",
        "amount_fen",
        "created_at",
    ]
    list_filter = ["state", "reason", "outcome"]
    search_fields = ["order__id", "client__phone"]
    raw_id_fields = ["order", "client", "refund", "proposed_by", "approved_by"]
    inlines = [AuditInline]


@admin.register(DisputeAuditEntry)
class DisputeAuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "dispute"]
    list_filter = ["action"]
    raw_id_fields = ["dispute", "actor"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "kind", "read_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user"]
