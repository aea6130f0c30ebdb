"""Client-care pages: my usage, my limits, step back (pause), support resources, the
privacy note, export and close, the nudge answers, and the staff's aggregate view.
Thin: parse, authorise, call one service or selector, render."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from care import selectors
from care.forms import CloseForm, IncomeForm, LimitForm, PauseForm
from care.models import CareProfile, Nudge
from care.presenters import limit_rows, night_window_text, usage_context
from care.services import account as account_services
from care.services import nudges as nudge_services
from care.services.profile import income_set
from marketplace import exclusion
from marketplace.exceptions import DomainError, NotFound
from payments.money import yuan
from payments.services.limits import limit_set, limits_for_client
from sessions.services.safety import HOTLINES


@login_required
def usage(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    data = selectors.usage_for_client(client=request.user, now=now)
    context = usage_context(data, now=now)
    context["nudges"] = [
        (nudge, nudge_services.nudge_text(nudge))
        for nudge in selectors.nudges_for_client(client_id=request.user.pk)
    ]
    return render(request, "care/usage.html", context)


@login_required
def limits(request: HttpRequest) -> HttpResponse:
    limit_form, income_form = LimitForm(), None
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "income":
            income_form = IncomeForm(request.POST)
            if income_form.is_valid():
                income_set(client=request.user, income_fen=income_form.cleaned_data["income_yuan"])
                messages.success(request, _("Saved."))
                return redirect("care:limits")
        else:
            limit_form = LimitForm(request.POST)
            if limit_form.is_valid():
                try:
                    with transaction.atomic():
                        view = limit_set(
                            client_id=request.user.pk,
                            kind=limit_form.cleaned_data["kind"],
                            minutes=limit_form.cleaned_data["minutes"],
                        )
                except DomainError as exc:
                    limit_form.add_error(None, exc.message)
                else:
                    if view.has_pending:
                        messages.info(
                            request, _("Saved. A higher limit or no limit applies after 24 hours.")
                        )
                    else:
                        messages.success(request, _("Saved. The limit applies now."))
                    return redirect("care:limits")
        status = 400
    profile = CareProfile.objects.filter(client=request.user).first()
    income = profile.monthly_income_fen if profile else None
    if income_form is None:
        income_form = IncomeForm(initial={"income_yuan": yuan(income) if income else ""})
    return render(
        request,
        "care/limits.html",
        {
            "rows": limit_rows(limits_for_client(client_id=request.user.pk)),
            "limit_form": limit_form,
            "income_form": income_form,
            "night_window": night_window_text(),
        },
        status=status,
    )


@login_required
def step_back(request: HttpRequest) -> HttpResponse:
    form = PauseForm()
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "end_early":
                exclusion.exclusion_end_request(user_id=request.user.pk)
                messages.info(request, _("Your pause will end 24 hours after you first asked."))
                return redirect("care:step_back")
            form = PauseForm(request.POST)
            if form.is_valid():
                exclusion.exclusion_start(user_id=request.user.pk, days=form.cleaned_data["days"])
                messages.success(request, _("Your account is paused. Take care."))
                return redirect("care:step_back")
        except DomainError as exc:
            form.add_error(None, exc.message)
        status = 400
    pause = exclusion.exclusion_active(user_id=request.user.pk)
    return render(
        request,
        "care/step_back.html",
        {
            "form": form,
            "pause": pause,
            "pause_ends_at": exclusion.effective_end(pause) if pause else None,
        },
        status=status,
    )


def resources(request: HttpRequest) -> HttpResponse:
    hotlines = [
        {"name": _(item["name"]), "phone": item["phone"], "note": _(item["note"])}
        for item in HOTLINES
    ]
    return render(request, "care/resources.html", {"hotlines": hotlines})


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "care/privacy.html")


@login_required
def account_export(request: HttpRequest) -> HttpResponse:
    document = account_services.account_export(user=request.user)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    return response


@login_required
def account_close(request: HttpRequest) -> HttpResponse:
    form = CloseForm()
    status = 200
    if request.method == "POST":
        form = CloseForm(request.POST)
        if form.is_valid():
            try:
                account_services.account_close(user=request.user)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                logout(request)
                messages.info(request, _("Your account is closed. Thank you, and take care."))
                return redirect("home")
        status = 400
    return render(
        request,
        "care/close.html",
        {"form": form, "refusal": account_services.account_close_refusal(user=request.user)},
        status=status,
    )


CHOICE_TARGETS = {
    Nudge.Choice.LIMIT: "care:limits",
    Nudge.Choice.BREAK: "care:step_back",
    Nudge.Choice.RESOURCES: "care:resources",
}


@login_required
@require_POST
def nudge_choose(request: HttpRequest, nudge_id: int) -> HttpResponse:
    choice = request.POST.get("choice", "")
    try:
        nudge_services.nudge_choose(client=request.user, nudge_id=nudge_id, choice=choice)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("care:usage")
    if choice in CHOICE_TARGETS:
        return redirect(CHOICE_TARGETS[choice])
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("care:usage")


# --- Staff -------------------------------------------------------------------------------


def _staff_only(request: HttpRequest) -> None:
    if not (request.user.is_authenticated and request.user.is_staff):
        raise Http404


def staff_overview(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    since, rules = selectors.staff_rule_counts()
    return render(
        request,
        "care/staff.html",
        {
            "since": since,
            "rules": rules,
            "choices": Nudge.Choice.choices,
            "paused": selectors.staff_paused_count(),
            "clients": selectors.clients_with_reason(),
        },
    )


def staff_client(request: HttpRequest, client_id: int) -> HttpResponse:
    _staff_only(request)
    client = selectors.access_client_usage_for_staff(staff_user=request.user, client_id=client_id)
    if client is None:
        raise Http404
    now = timezone.now()
    context = usage_context(selectors.usage_for_client(client=client, now=now), now=now)
    context["client"] = client
    return render(request, "care/staff_client.html", context)
