"""Reply-clock pages: a session's latency timeline and the pause forms of the chat page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.exceptions import NotFound
from marketplace.web import form_action
from sessions.selectors.clocks import access_order_timeline, order_timeline
from sessions.services import pauses


@login_required
def timeline(request: HttpRequest, order_id: int) -> HttpResponse:
    try:
        order = access_order_timeline(user=request.user, order_id=order_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    data = _with_datetimes(order_timeline(order=order))
    return render(
        request,
        "sessions/clocks/timeline.html",
        {"order": order, "timeline": data, "entries": data["entries"]},
    )


_TIME_KEYS = ("sent_at", "deadline", "replied_at", "stopped_at", "recorded_at", "requested_at")


def _with_datetimes(value):
    """The timeline's ISO timestamps (as the API gives them) as datetimes, so the page
    shows them in the viewer's time zone (Asia/Shanghai by default), not as UTC text."""
    if isinstance(value, list):
        return [_with_datetimes(item) for item in value]
    if isinstance(value, dict):
        return {
            key: parse_datetime(item)
            if key in _TIME_KEYS and isinstance(item, str)
            else _with_datetimes(item)
            for key, item in value.items()
        }
    return value


def _minutes(value: str | None) -> int | str | None:
    try:
        return int(value or "")
    except ValueError:
        return value


@login_required
@require_POST
def pause_ask(request: HttpRequest, order_id: int) -> HttpResponse:
    with form_action(request):
        pauses.pause_request(
            user=request.user, order_id=order_id, minutes=_minutes(request.POST.get("minutes"))
        )
        messages.success(request, _("Pause requested: waiting for the client."))
    return redirect("sessions:chat", order_id=order_id)


@login_required
@require_POST
def pause_answer(request: HttpRequest, order_id: int, pause_id: int) -> HttpResponse:
    with form_action(request):
        pauses.pause_answer(
            user=request.user,
            order_id=order_id,
            pause_id=pause_id,
            accept=request.POST.get("answer") == "accept",
        )
    return redirect("sessions:chat", order_id=order_id)
