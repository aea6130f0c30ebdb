"""The per-minute panel of the chat page: time used, money spent, the balance (client),
the warning and the pause with its resume button; kept live by `meter` frames (meter.js)."""

from django import template

from payments.money import yuan
from payments.wallet.selectors import wallet_available_fen
from sessions.models import Order
from sessions.services.metering import grace, minute_price_fen

register = template.Library()


@register.inclusion_tag("sessions/chat/meter_panel.html")
def meter_panel(order: Order, role: str) -> dict:
    if order.kind != Order.Kind.METERED:
        return {"metered": False}
    balance = wallet_available_fen(client_id=order.client_id) if role == "client" else None
    return {
        "metered": True,
        "order": order,
        "role": role,
        "spent": yuan(order.price_fen),
        "balance": None if balance is None else yuan(balance),
        "minute_price": yuan(minute_price_fen(terms=order.quote, at=order.ends_at)),
        "grace_ends_at": order.paused_at + grace() if order.paused_at else None,
    }
