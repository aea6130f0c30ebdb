"""Weekly and monthly plans' pages: choose and buy one, its calendar, answer, cancel.

Thin: parse, call one service, render or redirect (docs/payments.md, "Plans").
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from listeners.models import PricingTier
from listeners.pricing import WALL_CLOCK
from marketplace.exceptions import DomainError, NotFound
from marketplace.web import form_action
from payments.wallet.selectors import wallet_available_fen
from sessions.models import Plan
from sessions.selectors.plans import plan_calendar
from sessions.services import plans


class PlanForm(forms.Form):
    days = forms.TypedChoiceField(
        label=gettext_lazy("Length"), choices=Plan.DAYS_CHOICES, coerce=int
    )
    first_day = forms.DateField(
        label=gettext_lazy("First day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    daily_start = forms.TimeField(
        label=gettext_lazy("Daily start (Beijing time)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    daily_minutes = forms.IntegerField(
        label=gettext_lazy("Minutes a day"), min_value=1, max_value=plans.MAX_DAILY_MINUTES
    )


def _tier_or_404(tier_id: int) -> PricingTier:
    tier = PricingTier.objects.select_related("listener").filter(pk=tier_id, is_active=True).first()
    if tier is None or not tier.plan_offers:
        raise Http404(_("This listener does not offer plans."))
    return tier


@login_required
@require_http_methods(["GET", "POST"])
def plan_buy(request: HttpRequest, tier_id: int) -> HttpResponse:
    """GET: the form. POST: the price of every day (a preview), then, confirmed, the
    purchase from the wallet."""
    tier = _tier_or_404(tier_id)
    tomorrow = timezone.now().astimezone(WALL_CLOCK).date() + timedelta(days=1)
    initial = {"days": request.GET.get("days", "7"), "first_day": tomorrow, "daily_start": "21:00"}
    form = PlanForm(request.POST or None, initial={**initial, "daily_minutes": tier.min_minutes})
    quote = None
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            if request.POST.get("confirm") == "1":
                plan = plans.plan_buy(client=request.user, tier_id=tier.pk, **values)
                messages.success(request, _("The plan is paid; the listener has been asked."))
                return redirect("sessions:plan_detail", plan_id=plan.pk)
            quote = plans.plan_quote(tier=tier, **values)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "sessions/plans/buy.html",
        {
            "tier": tier,
            "form": form,
            "quote": quote,
            "balance_fen": wallet_available_fen(client_id=request.user.pk),
        },
    )


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = (
        Plan.objects.select_related("listener", "listener__user", "client", "tier")
        .filter(pk=plan_id)
        .first()
    )
    if plan is None or request.user.pk not in (plan.client_id, plan.listener.user_id):
        raise Http404(_("No such plan."))
    days = plan_calendar(plan=plan)
    now = timezone.now()
    is_client = plan.client_id == request.user.pk
    return render(
        request,
        "sessions/plans/detail.html",
        {
            "plan": plan,
            "days": days,
            "is_client": is_client,
            "can_cancel": is_client
            and any(d.status in ("awaiting", "to_come") and d.order.starts_at > now for d in days),
            "can_answer": not is_client and any(d.status == "awaiting" for d in days),
            "delivered": sum(d.status == "delivered" for d in days),
            "missed": sum(d.status in ("missed", "not_accepted") for d in days),
            "to_come": sum(d.status in ("awaiting", "to_come", "live") for d in days),
        },
    )


@login_required
@require_POST
def plan_answer(request: HttpRequest, plan_id: int) -> HttpResponse:
    accept = request.POST.get("answer") == "accept"
    with form_action(request):
        plans.plan_answer(plan_id=plan_id, listener_user=request.user, accept=accept)
        messages.success(
            request, _("You accepted the plan.") if accept else _("You declined the plan.")
        )
    return redirect("sessions:plan_detail", plan_id=plan_id)


@login_required
@require_POST
def plan_cancel(request: HttpRequest, plan_id: int) -> HttpResponse:
    with form_action(request):
        plans.plan_cancel(plan_id=plan_id, client=request.user)
        messages.success(request, _("The plan is cancelled; the days to come are refunded."))
    return redirect("sessions:plan_detail", plan_id=plan_id)
