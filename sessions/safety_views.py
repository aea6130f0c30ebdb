"""Pages of safety. Staff: open escalations (overdue pages first), one escalation with its
transcript, risk and labels, any order's transcript (from the dispute desk),
acknowledging, closing with an outcome, labelling a message, off-platform requests
counted per listener, the calls the parties reported — 404 for everyone else. The listener: the
"I'm worried about this client" form of the dashboard (the API twin is safety_api)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.exceptions import NotFound
from marketplace.web import form_action
from sessions.models import Escalation, MessageLabel, Order
from sessions.selectors import safety as selectors
from sessions.services import safety as services
from sessions.services import safety_labels, safety_paging


def _staff_only(request: HttpRequest) -> None:
    if not (request.user.is_authenticated and request.user.is_staff):
        raise Http404


def escalations(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    now = timezone.now()
    open_ = list(selectors.escalations_for_staff(state=Escalation.State.OPEN))
    for escalation in open_:
        escalation.is_overdue = escalation.overdue(now=now)
    open_.sort(key=lambda e: (not e.is_overdue, -e.level, -e.opened_at.timestamp()))
    return render(
        request,
        "sessions/safety/escalations.html",
        {
            "open": open_,
            "closed": list(
                selectors.escalations_for_staff(state=Escalation.State.CLOSED, limit=20)
            ),
            "flag_counts": selectors.off_platform_counts_by_listener(),
            "call_reports": list(selectors.call_reports()[:50]),
            "outcomes": Escalation.Outcome.choices,
        },
    )


def escalation_detail(request: HttpRequest, escalation_id: int) -> HttpResponse:
    try:
        escalation = selectors.access_escalation_for_staff(
            user=request.user, escalation_id=escalation_id
        )
    except NotFound as exc:
        raise Http404 from exc
    escalation.is_overdue = escalation.overdue(now=timezone.now())
    return render(
        request,
        "sessions/safety/escalation.html",
        {
            "e": escalation,
            "events": list(escalation.events.select_related("actor").order_by("at", "id")),
            "transcript": selectors.staff_transcript(
                order_id=escalation.order_id, client_id=escalation.order.client_id
            ),
            "outcomes": Escalation.Outcome.choices,
            "labels": MessageLabel.Label.choices,
            "back": request.path,
        },
    )


@require_POST
def escalation_acknowledge(request: HttpRequest, escalation_id: int) -> HttpResponse:
    _staff_only(request)
    with form_action(request):
        safety_paging.escalation_acknowledge(staff=request.user, escalation_id=escalation_id)
        messages.success(request, _("Acknowledged: paging stopped."))
    return redirect("sessions:escalation_detail", escalation_id=escalation_id)


@require_POST
def escalation_close(request: HttpRequest, escalation_id: int) -> HttpResponse:
    _staff_only(request)
    with form_action(request):
        services.escalation_close(
            staff=request.user,
            escalation_id=escalation_id,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        )
    return redirect("sessions:escalations")


def order_transcript(request: HttpRequest, order_id: int) -> HttpResponse:
    """Any order's transcript with risk and labels, for staff (linked from the dispute
    desk): a missed crisis has no escalation to start from."""
    _staff_only(request)
    order = Order.objects.filter(pk=order_id).select_related("client", "listener").first()
    if order is None:
        raise Http404
    return render(
        request,
        "sessions/safety/order_transcript.html",
        {
            "order": order,
            "escalations": list(Escalation.objects.filter(order=order).order_by("-id")),
            "transcript": selectors.staff_transcript(order_id=order.pk, client_id=order.client_id),
            "labels": MessageLabel.Label.choices,
            "back": request.path,
        },
    )


@require_POST
def message_label(request: HttpRequest, order_id: int, message_id: int) -> HttpResponse:
    _staff_only(request)
    with form_action(request):
        safety_labels.message_label(
            staff=request.user,
            message_id=message_id,
            order_id=order_id,
            label=request.POST.get("label", ""),
            level=request.POST.get("level", "high"),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Label saved."))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("sessions:order_transcript", order_id=order_id)


@login_required
@require_POST
def listener_escalate(request: HttpRequest, order_id: int) -> HttpResponse:
    """The dashboard's "I'm worried about this client" form without JavaScript."""
    with form_action(request):
        services.escalation_open_by_listener(
            user=request.user,
            order_id=order_id,
            level=request.POST.get("level", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Thank you. Staff have been told; the guidance is shown."))
    return redirect("sessions:dashboard")
