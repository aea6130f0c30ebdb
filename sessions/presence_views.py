"""A listener's presence from any page: the page heartbeat and the online/away/offline
switch. Thin: parse, call one presence service, answer."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.web import form_action
from sessions.services import presence

PAGE_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


@require_POST
def presence_ping(request: HttpRequest) -> JsonResponse:
    """POST {page}: one of our pages is open in the listener's tab (sessions/static/
    sessions/presence.js, every 20 s). Answers the presence clients see."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "signed_out"}, status=401)
    page_id = request.POST.get("page", "")
    if not PAGE_ID.match(page_id):
        return JsonResponse({"error": "page_invalid"}, status=400)
    state = presence.presence_page_seen(user=request.user, page_id=page_id)
    if state is None:
        raise Http404
    return JsonResponse({"presence": state})


@login_required
@require_POST
def presence_set(request: HttpRequest) -> HttpResponse:
    """The dashboard's switch: online / away / offline."""
    with form_action(request):
        presence.presence_choose(user=request.user, availability=request.POST.get("status", ""))
        messages.success(request, _("Your status is saved."))
    return redirect("sessions:dashboard")
