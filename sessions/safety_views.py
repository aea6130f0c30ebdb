"""Staff pages of safety: open crisis escalations, closing one with a note, and
off-platform requests counted per listener. Staff only; everyone else gets a 404."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from marketplace.web import form_action
from sessions.models import Escalation
from sessions.selectors import safety as selectors
from sessions.services import safety as services


def _staff_only(request: HttpRequest) -> None:
    if not (request.user.is_authenticated and request.user.is_staff):
        raise Http404


def escalations(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    return render(
        request,
        "sessions/safety/escalations.html",
        {
            "open": list(selectors.escalations_for_staff(state=Escalation.State.OPEN)),
            "closed": list(
                selectors.escalations_for_staff(state=Escalation.State.CLOSED, limit=20)
            ),
            "flag_counts": selectors.off_platform_counts_by_listener(),
        },
    )


@require_POST
def escalation_close(request: HttpRequest, escalation_id: int) -> HttpResponse:
    _staff_only(request)
    with form_action(request):
        services.escalation_close(
            staff=request.user, escalation_id=escalation_id, note=request.POST.get("note", "")
        )
    return redirect("sessions:escalations")
