"""Web pages of the marketplace app: home, sign-in by SMS code, log out, health."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from redis.exceptions import RedisError

from marketplace import heartbeats, services
from marketplace.exceptions import DomainError
from marketplace.forms import CodeForm, PhoneForm
from marketplace.middleware import SESSION_EPOCH_KEY
from marketplace.selectors import client_ip


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


def login_view(request: HttpRequest) -> HttpResponse:
    """Step 1 sends a code to the phone; step 2 checks it and signs in (or up)."""
    form: PhoneForm = PhoneForm()
    code_sent = False
    if request.method == "POST":
        if request.POST.get("action") == "send":
            form = PhoneForm(request.POST)
            if form.is_valid():
                phone = form.cleaned_data["phone"]
                try:
                    services.sms_code_request(phone=phone, ip=client_ip(request))
                    code_sent = True
                    form = CodeForm(initial={"phone": phone})
                    messages.info(request, _("We sent a 6-digit code to your phone."))
                except DomainError as error:
                    form.add_error("phone", error.message)
        else:
            form = CodeForm(request.POST)
            code_sent = True
            if form.is_valid():
                try:
                    user, created = services.sms_code_verify(
                        phone=form.cleaned_data["phone"], code=form.cleaned_data["code"]
                    )
                except DomainError as error:
                    form.add_error("code", error.message)
                else:
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    request.session[SESSION_EPOCH_KEY] = user.session_epoch
                    if created:
                        messages.success(request, _("Welcome! Your account is ready."))
                    return redirect(_safe_next(request))
    status = 400 if request.method == "POST" and form.errors else 200
    context = {"form": form, "code_sent": code_sent, "next": _safe_next(request)}
    return render(request, "accounts/login.html", context, status=status)


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """Staff sign in to the admin with the same SMS flow as everyone else."""
    if request.user.is_authenticated:
        if request.user.is_staff:
            return redirect(_safe_next(request) or "admin:index")
        raise Http404
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': _safe_next(request)})}")


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


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, Redis and background-process heartbeats; 503 when any is down or stale."""
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as error:  # noqa: BLE001 - any driver error means "down"
        checks["database"] = {"ok": False, "error": type(error).__name__}

    now = time.time()
    try:
        cache.get("healthz-probe")
        checks["redis"] = {"ok": True}
        for name in ("beat", "worker"):
            age = heartbeats.beat_age_seconds(name, now=now)
            fresh = age is not None and age <= settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS
            checks[name] = {"ok": fresh, "age_seconds": None if age is None else round(age, 1)}
    except RedisError as error:
        checks["redis"] = {"ok": False, "error": type(error).__name__}
        for name in ("beat", "worker"):
            checks[name] = {"ok": False, "age_seconds": None}

    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"ok": healthy, "checks": checks}, status=200 if healthy else 503)
