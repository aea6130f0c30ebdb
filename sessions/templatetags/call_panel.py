"""The call panel of the chat page: call buttons for the kinds the tier offers, the ring
with accept/decline, and the call itself (mute, camera, hang up, quality); call.js."""

import json

from django import template
from django.conf import settings

from sessions.models import Order
from sessions.services.calls import calls_for_page

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
