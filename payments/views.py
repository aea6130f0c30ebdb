"""Edges of payments: the Stripe webhook, the client's budget page, the listener's earnings,
and the pay endpoint Stripe.js posts the card token to."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplace.exceptions import DomainError, NotFound
from marketplace.jsonlimits import json_loads_bounded
from payments.forms import BudgetForm
from payments.money import yuan
from payments.selectors import listener_earnings
from payments.services import budget as budget_services
from payments.services import payments as payment_services
from payments.services.webhooks import WebhookRejected, webhook_receive
from sessions.selectors.orders import access_order_for_user

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Verified on the raw body, stored by event id, acknowledged at once."""
    try:
        _row, created = webhook_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except WebhookRejected:
        return JsonResponse({"code": "bad_signature", "detail": "invalid signature"}, status=400)
    return JsonResponse({"received": True, "duplicate": not created})


@login_required
@require_POST
def order_pay(request: HttpRequest, order_id: int) -> JsonResponse:
    """Stripe.js hands the card token here; the server confirms the PaymentIntent and says
    what Stripe answered (the order is paid only on Stripe's word)."""
    try:
        order = access_order_for_user(user=request.user, order_id=order_id, as_client=True)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    try:
        data = json_loads_bounded((request.body or b"{}").decode())
    except (ValueError, RequestDataTooBig):  # not JSON, too deep, or too large: no card
        data = {}
    token = data.get("token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token.startswith("tok_") or len(token) > 100:
        return JsonResponse({"code": "card_missing", "detail": _("Enter a card.")}, status=400)
    try:
        payment = payment_services.payment_confirm(order_id=order.pk, token=token)
    except DomainError as exc:
        return JsonResponse({"code": exc.code, "detail": exc.message}, status=exc.status)
    return JsonResponse(
        {
            "status": payment.status,
            "client_secret": payment.client_secret if payment.status == "requires_action" else "",
        }
    )


@login_required
def budget(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = BudgetForm(request.POST)
        if form.is_valid():
            try:
                budget_services.budget_cap_set(client=request.user, cap_fen=form.cap_fen())
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your budget was saved."))
                return redirect("payments:budget")
    else:
        form = BudgetForm()
    view = budget_services.budget_for_client(client=request.user)
    return render(
        request,
        "payments/budget.html",
        {
            "form": form,
            "budget": view,
            "cap_yuan": yuan(view.cap_fen or 0),
            "spent_yuan": yuan(view.spent_fen),
            "held_yuan": yuan(view.held_fen),
            "pending_yuan": yuan(view.pending_cap_fen or 0),
        },
    )


@login_required
def earnings(request: HttpRequest) -> HttpResponse:
    listener = getattr(request.user, "listener_profile", None)
    if listener is None:
        raise Http404
    earned = listener_earnings(listener=listener)
    return render(
        request,
        "payments/earnings.html",
        {
            "pending": yuan(earned.pending_fen),
            "available": yuan(earned.available_fen),
            "in_payout": yuan(earned.in_payout_fen),
            "paid_out": yuan(earned.paid_out_fen),
        },
    )
