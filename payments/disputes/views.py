"""Dispute pages: the parties' dispute page of an order, the staff desk (queue, one
dispute with its evidence and the decision form, second approval), and notifications.

Each view parses, authorises, calls one service or selector and renders. The desk answers
404 to anyone who is not staff, as if it did not exist.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.exceptions import DomainError, NotFound
from payments.disputes import notifications, selectors, services
from payments.disputes.forms import DisputeAnswerForm, DisputeDecideForm, DisputeOpenForm
from payments.disputes.models import Dispute
from payments.money import yuan
from payments.selectors import order_refunds


def staff_only(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def dispute(request: HttpRequest, order_id: int) -> HttpResponse:
    """The client opens a dispute here and follows it; the listener answers it here."""
    try:
        order, role = selectors.access_order_for_dispute(user=request.user, order_id=order_id)
    except NotFound as error:
        raise Http404(error.message) from error
    current = selectors.dispute_for_order(order_id=order.pk)
    if role == "listener" and current is None:
        raise Http404
    refusal = selectors.dispute_refusal(order=order) if current is None else None
    open_form = DisputeOpenForm()
    answer_form = DisputeAnswerForm()
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if role == "client" and current is None:
                open_form = DisputeOpenForm(request.POST)
                if open_form.is_valid():
                    services.dispute_open(
                        order_id=order.pk, client=request.user, **open_form.cleaned_data
                    )
                    messages.success(request, _("Your dispute is open. Settlement is on hold."))
                    return redirect("payments:dispute", order_id=order.pk)
            elif role == "listener" and current.listener_answered_at is None:
                answer_form = DisputeAnswerForm(request.POST)
                if answer_form.is_valid():
                    services.dispute_answer(
                        dispute_id=current.pk,
                        listener_user=request.user,
                        statement=answer_form.cleaned_data["statement"],
                    )
                    messages.success(request, _("Your statement was added to the dispute."))
                    return redirect("payments:dispute", order_id=order.pk)
            else:
                status = 409
        except DomainError as error:
            status = error.status
            (open_form if role == "client" else answer_form).add_error(None, error.message)
    context = {
        "order": order,
        "role": role,
        "dispute": current,
        "refusal": refusal,
        "open_form": open_form,
        "answer_form": answer_form,
        "refunds": [(refund, yuan(refund.amount_fen)) for refund in order_refunds(order=order)],
    }
    return render(request, "payments/disputes/dispute.html", context, status=status)


@staff_only
def desk(request: HttpRequest) -> HttpResponse:
    services.dispute_desk_viewed(staff=request.user)
    context = {
        "queue": list(selectors.desk_queue()),
        "resolved": selectors.desk_recently_resolved(),
    }
    return render(request, "payments/disputes/desk.html", context)


def _desk_context(request: HttpRequest, dispute: Dispute, form: DisputeDecideForm) -> dict:
    evidence = selectors.dispute_evidence(dispute=dispute)
    return {
        "evidence": evidence,
        "dispute": dispute,
        "order": dispute.order,
        "form": form,
        "available_yuan": yuan(evidence.escrow_available_fen),
        "price_yuan": yuan(dispute.order.price_fen),
        "amount_yuan": yuan(dispute.amount_fen or 0),
        "threshold_yuan": yuan(settings.DISPUTE_SECOND_APPROVAL_FEN),
        "can_approve": dispute.state == Dispute.State.AWAITING_APPROVAL
        and dispute.proposed_by_id != request.user.pk,
    }


@staff_only
def desk_dispute(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """One dispute with all its evidence; POST decides it."""
    try:
        current = selectors.access_dispute_for_staff(user=request.user, dispute_id=dispute_id)
    except NotFound as error:
        raise Http404(error.message) from error
    form = DisputeDecideForm()
    status = 200
    if request.method == "POST":
        form = DisputeDecideForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                decided = services.dispute_decide(
                    dispute_id=current.pk,
                    staff=request.user,
                    outcome=form.cleaned_data["outcome"],
                    amount_fen=form.cleaned_data["amount_fen"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                if decided.state == Dispute.State.AWAITING_APPROVAL:
                    messages.warning(
                        request, _("Proposed. Another staff member must approve this decision.")
                    )
                else:
                    messages.success(request, _("Decided. Both parties have been notified."))
                return redirect("payments:dispute_desk_detail", dispute_id=current.pk)
        current = selectors.access_dispute_for_staff(user=request.user, dispute_id=dispute_id)
    else:
        services.dispute_desk_viewed(staff=request.user, dispute=current)
    return render(
        request,
        "payments/disputes/desk_dispute.html",
        _desk_context(request, current, form),
        status=status,
    )


@staff_only
@require_POST
def desk_approve(request: HttpRequest, dispute_id: int) -> HttpResponse:
    try:
        services.dispute_approve(dispute_id=dispute_id, staff=request.user)
    except NotFound as error:
        raise Http404(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Approved and decided. Both parties have been notified."))
    return redirect("payments:dispute_desk_detail", dispute_id=dispute_id)


@staff_only
@require_POST
def desk_decline(request: HttpRequest, dispute_id: int) -> HttpResponse:
    try:
        services.dispute_proposal_decline(
            dispute_id=dispute_id, staff=request.user, note=request.POST.get("note", "")
        )
    except NotFound as error:
        raise Http404(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The proposal was sent back; the dispute is open again."))
    return redirect("payments:dispute_desk_detail", dispute_id=dispute_id)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first; showing them marks them read."""
    items = notifications.notifications_for_user(user=request.user)
    rows = [
        {
            "text": notifications.notification_text(kind=item.kind, params=item.params),
            "url": item.url,
            "at": item.created_at,
            "unread": item.read_at is None,
        }
        for item in items
    ]
    notifications.notifications_mark_read(user=request.user)
    return render(request, "payments/disputes/notifications.html", {"rows": rows})
