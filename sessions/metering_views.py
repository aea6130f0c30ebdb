"""Per-minute sessions' pages: start one from the profile, resume a paused one.

Thin: parse, call one service, redirect. Refusals come back as messages on the page the
client came from.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from listeners.models import PricingTier
from marketplace.exceptions import DomainError
from marketplace.web import form_action
from sessions.services import metering


@login_required
@require_POST
def start(request: HttpRequest, tier_id: int) -> HttpResponse:
    tier = PricingTier.objects.filter(pk=tier_id).only("listener_id").first()
    try:
        order = metering.metered_order_create(client=request.user, tier_id=tier_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        if tier is None:
            return redirect("listeners:catalogue")
        return redirect("listeners:profile", listener_id=tier.listener_id)
    messages.success(request, _("Started: waiting for the listener to accept."))
    return redirect("sessions:order_detail", order_id=order.pk)


@login_required
@require_POST
def resume(request: HttpRequest, order_id: int) -> HttpResponse:
    with form_action(request):
        metering.metered_resume(user=request.user, order_id=order_id)
        messages.success(request, _("The session carries on."))
    return redirect("sessions:chat", order_id=order_id)
