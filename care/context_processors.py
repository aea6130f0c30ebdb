"""`care_nudge`: the calm card base.html shows on a client's booking page and on the page of
a session that has ended (never anywhere else, never as a block)."""

from __future__ import annotations

from care.models import Nudge
from care.services.nudges import nudge_for_page, nudge_text
from sessions.models import Order

BOOKING_VIEWS = {"sessions:book"}
SESSION_VIEWS = {"sessions:order_detail", "sessions:chat"}
ENDED = (Order.State.COMPLETED, Order.State.TERMINATED, Order.State.SETTLED)


def nudge_card(request) -> dict:
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or user is None or not user.is_authenticated or user.is_staff:
        return {}
    if request.method != "GET":
        return {}
    if match.view_name in BOOKING_VIEWS:
        place = Nudge.Place.BOOKING
    elif match.view_name in SESSION_VIEWS:
        ended = Order.objects.filter(
            pk=match.kwargs.get("order_id"), client_id=user.pk, state__in=ENDED
        ).exists()
        if not ended:
            return {}
        place = Nudge.Place.SESSION_END
    else:
        return {}
    nudge = nudge_for_page(client=user, place=place)
    if nudge is None:
        return {}
    return {"care_nudge": nudge, "care_nudge_text": nudge_text(nudge)}
