"""Web pages of the marketplace app: home, sign-in by SMS code, log out, health."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from redis.exceptions import RedisError

from marketplace import heartbeats, services
from marketplace.exceptions import DomainError
from marketplace.forms import CodeForm, PhoneForm
from marketplace.selectors import client_ip


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def _safe_next(request: HttpRequest, default: str = settings.LOGIN_REDIRECT_URL) -> str:
    """The `next` URL when it points at this site, else the default page (resolved)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return resolve_url(default)


def login_view(request: HttpRequest) -> HttpResponse:
    """One page for sign-up and log-in.

    Step 1 (`action=send`) sends a code to the phone; step 2 (`action=verify`) checks it and
    signs in, creating a client account for a new number. Refusals keep the user on the
    step they were on, with the reason under the field.
    """
    form: PhoneForm = PhoneForm()
    code_sent = False
    step_error = ""  # a refusal that belongs to no field of the form shown
    status = 200
    if request.method == "POST":
        on_code_step = request.POST.get("step") == "code"
        if request.POST.get("action") == "send":
            form = PhoneForm(request.POST)
            if form.is_valid():
                try:
                    sms_code = services.sms_code_request(
                        phone=form.cleaned_data["phone"], ip=client_ip(request)
                    )
                except DomainError as error:
                    status = error.status
                    if on_code_step:  # keep the code field: the last code may still work
                        form = CodeForm(initial={"phone": form.cleaned_data["phone"]})
                        code_sent = True
                        step_error = error.message
                    else:
                        form.add_error("phone", error.message)
                else:
                    code_sent = True
                    form = CodeForm(initial={"phone": sms_code.phone})
                    messages.info(request, _("We sent a 6-digit code to your phone."))
            else:
                status = 400
        else:
            form = CodeForm(request.POST)
            code_sent = True
            if form.is_valid():
                try:
                    user, created = services.sms_code_verify(
                        phone=form.cleaned_data["phone"],
                        code=form.cleaned_data["code"],
                        ip=client_ip(request),
                    )
                except DomainError as error:
                    status = error.status
                    form.add_error("code", error.message)
                else:
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    if created:
                        messages.success(request, _("Welcome! Your account is ready."))
                    return redirect(_safe_next(request))
            else:
                status = 400
    context = {
        "form": form,
        "code_sent": code_sent,
        "step_error": step_error,
        "next": _safe_next(request),
        "sms_on_console": settings.SMS_BACKEND.endswith("ConsoleSmsBackend"),
    }
    return render(request, "accounts/login.html", context, status=status)


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """Staff sign in to the admin with the same SMS flow as everyone else."""
    if request.user.is_authenticated:
        if request.user.is_staff:
            return redirect(_safe_next(request, default="admin:index"))
        raise Http404
    next_url = _safe_next(request, default="admin:index")
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")


@login_required
def account_view(request: HttpRequest) -> HttpResponse:
    """Who is signed in, and the two ways out (this device, every device)."""
    return render(request, "accounts/account.html")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("home")


@require_POST
@login_required
def logout_everywhere_view(request: HttpRequest) -> HttpResponse:
    services.user_logout_everywhere(user=request.user)
    logout(request)
    messages.info(request, _("You have been logged out on every device."))
    return redirect("home")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database (named: engine and server version), Redis and background-process
    heartbeats; 503 when any is down or stale."""
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        checks["database"] = {"ok": True, "engine": connection.display_name, "version": version}
    except DatabaseError as error:  # Django wraps every driver error in DatabaseError
        checks["database"] = {"ok": False, "error": type(error).__name__}

    now = time.time()
    try:
        cache.get("healthz-probe")
        checks["redis"] = {"ok": True}
        for name in heartbeats.CHECKED:
            age = heartbeats.beat_age_seconds(name, now=now)
            fresh = age is not None and age <= settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS
            checks[name] = {"ok": fresh, "age_seconds": None if age is None else round(age, 1)}
    except RedisError as error:
        checks["redis"] = {"ok": False, "error": type(error).__name__}
        for name in heartbeats.CHECKED:
            checks[name] = {"ok": False, "age_seconds": None}

    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"ok": healthy, "checks": checks}, status=200 if healthy else 503)
