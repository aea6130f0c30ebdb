"""Pages of the open request pool: the client's request page and the listener's claim
(the dashboard lists the requests). Thin: parse, call one pool service, redirect."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from listeners.models import Tag
from marketplace.web import form_action
from sessions.models import OpenRequest
from sessions.services import pool


class RequestForm(forms.Form):
    tags = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Topics (any of them)"),
        queryset=Tag.objects.order_by("id"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    minutes = forms.IntegerField(label=gettext_lazy("Minutes"), initial=30)
    budget_yuan = forms.DecimalField(
        label=gettext_lazy("Budget (¥)"), max_digits=9, decimal_places=2, initial=Decimal(50)
    )
    reply_window_seconds = forms.IntegerField(
        label=gettext_lazy("Longest wait for each reply (seconds)"), initial=60
    )
    when = forms.ChoiceField(
        label=gettext_lazy("When"),
        choices=(("now", gettext_lazy("Now")), ("later", gettext_lazy("At a time"))),
        initial="now",
        required=False,  # left out: now
        widget=forms.RadioSelect,
    )
    start = forms.DateTimeField(
        label=gettext_lazy("Start (for a time; Beijing time)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean(self):
        data = super().clean()
        if data.get("when") == "later" and not data.get("start"):
            self.add_error("start", _("Choose when the session starts."))
        return data


@login_required
@require_http_methods(["GET", "POST"])
def pool_page(request: HttpRequest) -> HttpResponse:
    """The client posts a request for now or a later time and sees theirs (with how many
    listeners who fit are online, the honest wait)."""
    form = RequestForm(request.POST if request.POST.get("action") == "post" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "cancel":
            with form_action(request):
                pool.request_cancel(request_id=request.POST.get("request_id"), client=request.user)
                messages.success(request, _("Your request is withdrawn."))
            return redirect("sessions:pool")
        if form.is_valid():
            data = form.cleaned_data
            with form_action(request):
                pool.request_post(
                    client=request.user,
                    tag_slugs=[tag.slug for tag in data["tags"]],
                    minutes=data["minutes"],
                    budget_fen=int(data["budget_yuan"] * 100),
                    reply_window_seconds=data["reply_window_seconds"],
                    start=data["start"] if data.get("when") == "later" else None,
                )
                messages.success(request, _("Your request is posted."))
            return redirect("sessions:pool")
    pool.requests_expire(client_id=request.user.pk)
    mine = list(
        OpenRequest.objects.filter(client=request.user)
        .select_related("order", "claimed_by")
        .prefetch_related("tags")[:10]
    )
    for item in mine:
        if item.state == OpenRequest.State.OPEN:
            item.eligible = pool.eligible_listener_count(request=item)
    return render(
        request,
        "sessions/pool/pool.html",
        {"form": form, "requests": mine},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def pool_claim(request: HttpRequest, request_id: int) -> HttpResponse:
    with form_action(request):
        order = pool.request_claim(request_id=request_id, listener_user=request.user)
        messages.success(
            request,
            _("The request is yours: order #%(order)s awaits the client's payment.")
            % {"order": order.pk},
        )
    return redirect("sessions:dashboard")
