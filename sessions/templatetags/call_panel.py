"""The call panel of the chat page: call buttons for the kinds the tier offers, the ring
with accept/decline, and the call itself (mute, camera, hang up, quality); call.js.
The ring notice of calls in sessions the page does not show (call-ring.js) and the report
form of a call's transcript entry (call-report.js), on the chat page and the dashboard."""

import json

from django import template
from django.conf import settings
from django.utils import timezone

from marketplace.models import User
from sessions.models import MessageFlag, Order
from sessions.services.calls import (
    RING_SECONDS,
    calls_for_page,
    calls_reported_by,
    calls_ringing_for,
)

register = template.Library()


@register.inclusion_tag("sessions/chat/call_panel.html")
def call_panel(order: Order, role: str) -> dict:
    page = calls_for_page(order=order)
    return {
        "offered": bool(page["kinds"]),
        "order": order,
        "role": role,
        "kinds": page["kinds"],
        "video": "video" in page["kinds"],
        "live": json.dumps(page["live"]) if page["live"] else "",
        "ice": json.dumps(settings.WEBRTC_ICE_SERVERS),
    }


@register.inclusion_tag("sessions/chat/call_rings.html")
def call_rings(user: User, role: str, order: Order | None = None) -> dict:
    """The ring notice: calls ringing for `user` in their sessions other than `order`
    (the chat page's own call rings in its call panel)."""
    now = timezone.now()
    ringing = calls_ringing_for(user_id=user.pk, now=now)
    return {
        "role": role,
        "session": order.pk if order is not None else "",
        "ringing": json.dumps(ringing),
        "server_now": now.isoformat(),
        "ring_seconds": RING_SECONDS,
    }


@register.inclusion_tag("sessions/chat/call_report.html", takes_context=True)
def call_report_form(
    context: template.Context,
    user: User,
    order_ids: list[int] | None = None,
    order: Order | None = None,
) -> dict:
    """ "Report this call" on the call entries of these sessions' transcripts (the chat
    page: `order`'s only)."""
    ids = [order.pk] if order is not None else list(order_ids or [])
    return {
        "csrf_token": context.get("csrf_token"),
        "reported": json.dumps(calls_reported_by(user_id=user.pk, order_ids=ids)),
        "session": order.pk if order is not None else "",
        "reasons": MessageFlag.ReportReason.choices,
    }
