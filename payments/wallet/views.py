"""Wallet pages: the wallet (balance, statement, top-up and withdrawal forms), a top-up's
pay page, and the endpoint Stripe.js posts the card token to."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.exceptions import DomainError
from payments.money import yuan
from payments.wallet import selectors, services
from payments.wallet.forms import YuanAmountForm
from payments.wallet.models import TopUp

# The page asks Stripe about at most this many of the newest unpaid top-ups.
SYNC_ON_VIEW = 3


def _my_topup(request: HttpRequest, topup_id: int) -> TopUp:
    topup = TopUp.objects.filter(pk=topup_id, client=request.user).first()
    if topup is None:
        raise Http404(_("No such top-up."))
    return topup


def _sync_recent(client) -> None:
    """A verified retrieve of recent unpaid top-ups: the browser's return is only a hint."""
    recent = TopUp.objects.filter(
        client=client,
        stripe_payment_intent_id__isnull=False,
        payment_deadline__gt=timezone.now(),
    ).exclude(status__in=[TopUp.Status.SUCCEEDED, TopUp.Status.CANCELED])
    for topup in recent.order_by("-id")[:SYNC_ON_VIEW]:
        services.topup_sync(topup_id=topup.pk)


@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    topup_form = YuanAmountForm(prefix="topup")
    withdraw_form = YuanAmountForm(prefix="withdraw")
    if request.method == "POST":
        action = request.POST.get("action")
        form = YuanAmountForm(request.POST, prefix="withdraw" if action == "withdraw" else "topup")
        if action == "withdraw":
            withdraw_form = form
        else:
            topup_form = form
        if form.is_valid():
            try:
                if action == "withdraw":
                    services.wallet_withdraw(client=request.user, amount_fen=form.amount_fen())
                else:
                    topup = services.wallet_topup_start(
                        client=request.user, amount_fen=form.amount_fen()
                    )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                if action == "withdraw":
                    messages.success(request, _("Your withdrawal is on its way back to your card."))
                    return redirect("payments:wallet")
                return redirect("payments:wallet_topup_pay", topup_id=topup.pk)
    else:
        _sync_recent(request.user)
    statement = selectors.wallet_statement(client_id=request.user.pk)
    return render(
        request,
        "payments/wallet.html",
        {
            "statement": statement,
            "balance_yuan": yuan(statement.balance_fen),
            "available_yuan": yuan(statement.available_fen),
            "steps": [yuan(fen).split(".")[0] for fen in services.TOPUP_STEPS_FEN],
            "min_yuan": yuan(services.TOPUP_MIN_FEN),
            "max_yuan": yuan(services.TOPUP_MAX_FEN),
            "topup_form": topup_form,
            "withdraw_form": withdraw_form,
        },
    )


@login_required
def topup_pay(request: HttpRequest, topup_id: int) -> HttpResponse:
    topup = _my_topup(request, topup_id)
    if topup.status == TopUp.Status.SUCCEEDED:
        return redirect("payments:wallet")
    error = ""
    try:
        services.topup_prepare(topup_id=topup.pk)
    except DomainError as exc:
        error = exc.message
    return render(
        request,
        "payments/wallet_topup_pay.html",
        {
            "topup": topup,
            "amount_yuan": yuan(topup.amount_fen),
            "error": error,
            "stripe_js_url": settings.STRIPE_JS_URL,
            "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        },
    )


@login_required
@require_POST
def topup_confirm(request: HttpRequest, topup_id: int) -> JsonResponse:
    """Stripe.js hands the card token here; the wallet is credited only on Stripe's word."""
    topup = _my_topup(request, topup_id)
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = {}
    token = data.get("token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token.startswith("tok_") or len(token) > 100:
        return JsonResponse({"code": "card_missing", "detail": _("Enter a card.")}, status=400)
    try:
        topup = services.topup_confirm(topup_id=topup.pk, token=token)
    except DomainError as exc:
        return JsonResponse({"code": exc.code, "detail": exc.message}, status=exc.status)
    return JsonResponse(
        {
            "status": topup.status,
            "client_secret": topup.client_secret if topup.status == "requires_action" else "",
        }
    )
