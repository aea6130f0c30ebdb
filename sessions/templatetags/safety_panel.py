"""The safety panel of the chat page and the dashboard: hotline resources for the client
(from high risk on), the guidance panel for the listener, and the listener's "I'm worried
about this client" form. Rendered hidden unless an escalation is open; the page's
safety.js shows it when a `safety` frame of kind "crisis" (or "concern") arrives."""

from __future__ import annotations

from django import template
from django.utils import translation
from django.utils.translation import gettext as _

from sessions.models import Escalation, Order
from sessions.risk import Level
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
    language = translation.get_language() or "zh-hans"
    # The client sees the panel from high risk on; the listener whenever one is open.
    shown = escalation is not None and (role != "client" or escalation.risk_level >= Level.HIGH)
    level = escalation.risk_level if escalation is not None else Level.HIGH
    return {
        "role": role,
        "session_id": order.pk if order is not None else "",
        "escalation": escalation,
        "shown": shown,
        "client": safety.client_texts(language=language),
        "listener": safety.listener_texts(language=language, level=level, escalated=True),
        "off_platform_text": _(safety.OFF_PLATFORM_TEXT),
    }


@register.inclusion_tag("sessions/safety/worry_form.html")
def worry_form() -> dict:
    """The dashboard's "I'm worried about this client" form (safety.js posts it to the
    API for the chat shown; without JavaScript it posts to the page endpoint)."""
    return {"levels": safety.LISTENER_LEVELS}
