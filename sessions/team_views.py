"""Team pages that need the sessions layer: the listener's own team page (members'
status and workload for the owner, invitations, creating a team) and booking "the
team" from its public page. Thin: parse, call one service, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from listeners import services as listener_services
from listeners.models import MAX_TEAM_COMMISSION_PERCENT, ListenerProfile, TeamInvite
from marketplace.web import form_action
from payments.selectors import team_payable_fen
from sessions.services.orders import BookingError
from sessions.services.team_routing import team_book
from sessions.services.workload import listener_workload, reason_text


def _int_or_none(value: str):
    value = (value or "").strip()
    return int(value) if value.lstrip("-").isdigit() else value or None


@login_required
@require_http_methods(["GET", "POST"])
def my_team(request: HttpRequest) -> HttpResponse:
    listener = ListenerProfile.objects.filter(user=request.user).first()
    if listener is None:
        raise Http404(_("Only listeners have a team."))
    if request.method == "POST":
        action, post = request.POST.get("action"), request.POST
        with form_action(request):
            if action == "create":
                listener_services.team_create(
                    owner=listener,
                    name=post.get("name", ""),
                    commission_percent=_int_or_none(post.get("commission_percent")),
                )
                messages.success(request, _("Your team is created."))
            elif action == "invite":
                listener_services.team_invite(owner=listener, phone=post.get("phone", ""))
                messages.success(request, _("The invitation is sent."))
            elif action == "commission":
                listener_services.team_commission_set(
                    owner=listener, commission_percent=_int_or_none(post.get("commission_percent"))
                )
                messages.success(request, _("The team's share is saved."))
            elif action in ("accept", "decline"):
                listener_services.team_invite_answer(
                    listener=listener, invite_id=post.get("invite_id"), accept=action == "accept"
                )
                messages.success(request, _("Your answer is saved."))
            else:
                raise Http404
        return redirect("sessions:my_team")
    team = listener_services.team_of(listener)
    rows = []
    if team is not None and team.owner_id == listener.pk:
        for member in (
            ListenerProfile.objects.filter(team_membership__team=team)
            .select_related("user")
            .order_by("id")
        ):
            workload = listener_workload(listener=member)
            rows.append(
                {
                    "member": member,
                    "presence": ListenerProfile.Presence(member.presence).label,
                    "workload": workload,
                    "reasons": [reason_text(code, workload) for code in workload.reasons],
                }
            )
    invites = TeamInvite.objects.filter(
        listener=listener, state=TeamInvite.State.PENDING
    ).select_related("team", "team__owner")
    return render(
        request,
        "sessions/team/my_team.html",
        {
            "listener": listener,
            "team": team,
            "rows": rows,
            "invites": invites,
            "max_commission": MAX_TEAM_COMMISSION_PERCENT,
            "team_payable_fen": team_payable_fen(team_id=team.pk) if rows else None,
        },
    )


@login_required
@require_POST
def book_team(request: HttpRequest, team_id: int) -> HttpResponse:
    minutes = _int_or_none(request.POST.get("minutes"))
    with form_action(request):
        if not isinstance(minutes, int):
            raise BookingError(_("Choose how many minutes."), code="minutes_invalid")
        order = team_book(client=request.user, team_id=team_id, minutes=minutes)
        return redirect("sessions:pay", order_id=order.pk)
    return redirect("listeners:team", team_id=team_id)
