"""The safety panel of the chat page and the dashboard: hotline resources for the client,
the guidance panel for the listener. Rendered hidden unless an escalation is open; the
page's safety.js shows it when a `safety` frame of kind "crisis" arrives."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from sessions.models import Escalation, Order
from sessions.selectors.chat import listener_id_for_user
from sessions.services import safety

register = template.Library()


@register.inclusion_tag("sessions/safety/panel.html")
def safety_panel(order: Order | None, role: str, user=None) -> dict:
    """`order` for one chat; for the dashboard pass None and the signed-in listener."""
    listener_id = listener_id_for_user(user_id=user.pk) if user is not None else None
    if order is not None:
        escalation = Escalation.objects.filter(
            order_id=order.pk, state=Escalation.State.OPEN
        ).first()
    elif listener_id is not None:
        escalation = Escalation.objects.filter(
            listener_id=listener_id, state=Escalation.State.OPEN
        ).first()
    else:
        escalation = None
    return {
        "role": role,
        "session_id": order.pk if order is not None else "",
        "escalation": escalation,
        "client_title": _(safety.CLIENT_TITLE),
        "client_text": _(safety.CLIENT_TEXT),
        "client_danger": _(safety.CLIENT_DANGER),
        "resources": [
            {"name": _(r["name"]), "phone": r["phone"], "note": _(r["note"])}
            for r in safety.HOTLINES
        ],
        "listener_title": _(safety.LISTENER_TITLE),
        "guidance": [_(line) for line in safety.GUIDANCE],
        "listener_note": _(safety.LISTENER_NOTE),
        "off_platform_text": _(safety.OFF_PLATFORM_TEXT),
    }
