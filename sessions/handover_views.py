"""Hand-over (转单) forms: the listener proposes from the dashboard, the listener asked
(without a team) answers on their dashboard, the client answers in the chat. Thin: one
service call each (sessions.services.handover)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.web import form_action
from sessions.services import handover as handover_services


@login_required
@require_POST
def handover_propose(request: HttpRequest) -> HttpResponse:
    with form_action(request):
        handover = handover_services.handover_propose(
            user=request.user,
            order_id=request.POST.get("session", ""),
            to_listener_id=request.POST.get("to", ""),
        )
        if handover.state == handover.State.PROPOSED:
            messages.success(request, _("Hand-over proposed: waiting for the client."))
        else:
            messages.success(request, _("Hand-over proposed: waiting for the listener you asked."))
    return redirect("sessions:dashboard")


@login_required
@require_POST
def handover_listener_answer(request: HttpRequest, handover_id: int) -> HttpResponse:
    with form_action(request):
        handover_services.handover_listener_answer(
            user=request.user,
            handover_id=handover_id,
            accept=request.POST.get("answer") == "accept",
        )
    return redirect("sessions:dashboard")


@login_required
@require_POST
def handover_answer(request: HttpRequest, order_id: int, handover_id: int) -> HttpResponse:
    with form_action(request):
        handover_services.handover_answer(
            user=request.user,
            order_id=order_id,
            handover_id=handover_id,
            accept=request.POST.get("answer") == "accept",
        )
    return redirect("sessions:chat", order_id=order_id)
