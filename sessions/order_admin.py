"""Admin pages of orders and chat messages: read-only for staff (state changes, refunds
and messages go through the services, which lock, audit and notify)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from marketplace.admin_mixins import ReadOnlyAdmin
from sessions.models import Message, Order
from sessions.system_texts import message_text


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "state", "kind", "client", "listener", "starts_at", "price_fen")
    list_filter = ("state", "kind")
    search_fields = ("=id", "client__phone", "listener__display_name")
    raw_id_fields = ("client", "listener", "tier")
    date_hierarchy = "created_at"


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "order", "seq", "kind", "sender", "shown_text", "created_at")
    list_filter = ("kind",)
    search_fields = ("=order__id",)
    raw_id_fields = ("order", "sender")

    @admin.display(description=_("text"))
    def shown_text(self, message: Message) -> str:
        """System lines in the staff member's language (stored as code + parameters)."""
        return message_text(message)[:120]
