"""Listener pages: catalogue, profile, applying, the listener's own page, interests."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from listeners import selectors, services
from listeners.forms import (
    ApplyForm,
    InterestsForm,
    LimitsForm,
    PackageForm,
    ProfileForm,
    SettingsForm,
    ShiftsForm,
    TierForm,
)
from listeners.models import ListenerProfile, Tag
from listeners.validation import LANGUAGE_CHOICES
from marketplace.exceptions import DomainError, NotFound

RATING_CHOICES = ["4.5", "4", "3"]
REPLY_WITHIN_CHOICES = [10, 30, 60]


def catalogue(request: HttpRequest) -> HttpResponse:
    error = None
    tags = list(selectors.tags_all())  # read once: the filter form, the tag filter, cards
    interest_tag_ids = selectors.client_interest_tag_ids(user=request.user)
    try:
        filters = selectors.catalogue_filters_parse(request.GET, tags=tags)
    except DomainError as refused:
        error, filters = refused.message, selectors.CatalogueFilters()
        result = selectors.CataloguePage(
            listeners=[], page=1, page_size=filters.page_size, has_next=False
        )
    else:
        result = selectors.listener_catalogue_page(
            filters=filters, interest_tag_ids=interest_tag_ids, tags=tags
        )

    def page_url(page: int) -> str:
        return f"?{urlencode({**filters.as_query(), 'page': page}, doseq=True)}"

    context = {
        "filters": filters,
        "result": result,
        "error": error,
        "tags": tags,
        "languages": LANGUAGE_CHOICES,
        "rating_choices": RATING_CHOICES,
        "reply_choices": REPLY_WITHIN_CHOICES,
        "sorts": [
            ("recommended", _("Recommended")),
            ("rating", _("Rating")),
            ("price", _("Price")),
            ("reply_speed", _("Reply speed")),
        ],
        "price_min": request.GET.get("price_min", ""),
        "price_max": request.GET.get("price_max", ""),
        "next_url": page_url(result.page + 1) if result.has_next else None,
        "previous_url": page_url(result.page - 1) if result.has_previous else None,
        "has_interests": bool(interest_tag_ids),
        # How many filters are set (the folded filter box on a phone says so).
        "active_filters": len(set(filters.as_query()) - {"sort", "page_size"}),
    }
    return render(request, "listeners/catalogue.html", context, status=400 if error else 200)


def profile(request: HttpRequest, listener_id: int) -> HttpResponse:
    try:
        listener = selectors.listener_profile_detail(listener_id=listener_id)
    except NotFound:
        raise Http404 from None
    start, end = selectors.night_window_for(listener)
    context = {
        "listener": listener,
        "stats": listener.stats,
        "pricing": selectors.pricing_table(listener=listener),
        "night_start": start,
        "night_end": end,
    }
    return render(request, "listeners/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    existing = selectors.listener_of_user(user=request.user)
    if existing is not None and existing.verification != ListenerProfile.Verification.REJECTED:
        return redirect("listeners:my_profile")
    if request.user.is_staff:
        messages.error(request, _("Staff accounts cannot apply as listeners."))
        return redirect("home")
    form = ApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.listener_apply(
                user=request.user,
                display_name=data["display_name"],
                bio=data["bio"],
                languages=data["languages"],
                tag_slugs=[tag.slug for tag in data["tags"]],
                legal_name=data["legal_name"],
                id_number=data["id_number"],
                avatar=data.get("avatar"),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you! We will review your application shortly."))
            return redirect("listeners:my_profile")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "listeners/apply.html", {"form": form, "previous": existing}, status=status
    )


def _my_forms(listener: ListenerProfile, data=None, files=None, action: str = "") -> dict:
    return {
        "profile_form": ProfileForm(
            data if action == "profile" else None,
            files if action == "profile" else None,
            initial={
                "display_name": listener.display_name,
                "bio": listener.bio,
                "languages": listener.languages,
                "tags": list(listener.tags.all()),
            },
            prefix="profile",
        ),
        "settings_form": SettingsForm(
            data if action == "settings" else None,
            initial={
                "presence": listener.presence,
                "max_concurrent_chats": listener.max_concurrent_chats,
                "takes_night_orders": listener.takes_night_orders,
                "night_start": listener.night_start,
                "night_end": listener.night_end,
            },
            prefix="settings",
        ),
        "shifts_form": ShiftsForm(
            data if action == "shifts" else None,
            initial=ShiftsForm.initial_for(listener.shifts.all()),
            prefix="shifts",
        ),
        "limits_form": LimitsForm(
            data if action == "limits" else None,
            initial={field: getattr(listener, field) for field in services.LIMIT_FIELDS},
            prefix="limits",
        ),
        "tier_form": TierForm(data if action == "tier_create" else None, prefix="tier"),
        "package_form": PackageForm(data if action == "package_create" else None, prefix="package"),
    }


def _handle_my_action(request: HttpRequest, listener: ListenerProfile, action: str, forms: dict):
    """Runs one posted action; returns a success message or raises DomainError. Returns
    None when a form did not validate (its errors are shown)."""
    post = request.POST
    if action == "profile":
        form = forms["profile_form"]
        if not form.is_valid():
            return None
        data = form.cleaned_data
        services.listener_profile_update(
            listener=listener,
            display_name=data["display_name"],
            bio=data["bio"],
            languages=data["languages"],
            tag_slugs=[tag.slug for tag in data["tags"]],
            avatar=data.get("avatar") or None,
        )
        return _("Your profile is saved.")
    if action == "settings":
        form = forms["settings_form"]
        if not form.is_valid():
            return None
        services.listener_settings_update(listener=listener, **form.cleaned_data)
        return _("Your settings are saved.")
    if action == "shifts":
        form = forms["shifts_form"]
        if not form.is_valid():
            return None
        services.listener_shifts_set(listener=listener, shifts=form.shifts())
        return _("Your shifts are saved.")
    if action == "limits":
        form = forms["limits_form"]
        if not form.is_valid():
            return None
        services.listener_limits_set(listener=listener, **form.cleaned_data)
        return _("Your limits are saved.")
    if action == "tier_create":
        form = forms["tier_form"]
        if not form.is_valid():
            return None
        services.tier_create(listener=listener, **form.service_fields())
        return _("The pricing tier is added.")
    if action == "tier_update":
        form = TierForm(post, prefix=f"tier{post.get('tier_id', '')}")
        # Resolve ownership first: another listener's tier is a 404, whatever the form.
        services.access_tier_for_listener(listener=listener, tier_id=post.get("tier_id"))
        if not form.is_valid():
            raise DomainError(" ".join(str(e) for errors in form.errors.values() for e in errors))
        services.tier_update(
            listener=listener, tier_id=post.get("tier_id"), **form.service_fields()
        )
        return _("The pricing tier is saved.")
    if action == "tier_delete":
        services.tier_delete(listener=listener, tier_id=post.get("tier_id"))
        return _("The pricing tier is removed.")
    if action == "package_create":
        form = forms["package_form"]
        services.access_tier_for_listener(listener=listener, tier_id=post.get("tier_id"))
        if not form.is_valid():
            return None
        services.package_create(listener=listener, tier_id=post.get("tier_id"), **form.cleaned_data)
        return _("The package is added.")
    if action == "package_delete":
        services.package_delete(listener=listener, package_id=post.get("package_id"))
        return _("The package is removed.")
    raise DomainError(_("Unknown action."))


@login_required
@require_http_methods(["GET", "POST"])
def my_profile(request: HttpRequest) -> HttpResponse:
    listener = selectors.listener_of_user(user=request.user)
    if listener is None:
        return redirect("listeners:apply")
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms = _my_forms(listener, request.POST, request.FILES, action)
    error = None
    if action:
        try:
            done = _handle_my_action(request, listener, action, forms)
        except NotFound:
            raise Http404 from None
        except DomainError as refused:
            error = refused.message
        else:
            if done:
                messages.success(request, done)
                return redirect("listeners:my_profile")
    listener.refresh_from_db()
    tiers = list(listener.tiers.order_by("id").prefetch_related("packages"))
    for tier in tiers:
        tier.edit_form = TierForm(
            prefix=f"tier{tier.pk}",
            initial={
                "medium": tier.medium,
                "reply_window_seconds": tier.reply_window_seconds,
                "price_per_hour_yuan": tier.price_per_hour_fen / 100,
                "night_surcharge_percent": tier.night_surcharge_percent,
                "min_minutes": tier.min_minutes,
                "breach_refund_percent": tier.breach_refund_percent,
                "breach_refund_cap_percent": tier.breach_refund_cap_percent,
                "breach_termination_count": tier.breach_termination_count,
                "is_active": tier.is_active,
                "per_minute": tier.per_minute,
                "week_plan_discount_percent": tier.week_plan_discount_percent,
                "month_plan_discount_percent": tier.month_plan_discount_percent,
            },
        )
    start, end = selectors.night_window_for(listener)
    context = {
        **forms,
        "listener": listener,
        "tiers": tiers,
        "error": error,
        "action": action,
        "night_start": start,
        "night_end": end,
        "platform_limits": services.platform_limits(),
        "public_url": reverse("listeners:profile", args=[listener.pk]),
    }
    has_errors = error or any(f.is_bound and f.errors for f in forms.values())
    return render(request, "listeners/my_profile.html", context, status=400 if has_errors else 200)


def team(request: HttpRequest, team_id: int) -> HttpResponse:
    """A team's public page: members, tags, combined reply speed and rating, and
    "Chat now with the team" (routed to the best available member)."""
    try:
        page = selectors.team_page(team_id=team_id)
    except NotFound:
        raise Http404 from None
    return render(request, "listeners/team.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def interests(request: HttpRequest) -> HttpResponse:
    chosen = selectors.client_interest_tag_ids(user=request.user)
    form = InterestsForm(
        request.POST or None, initial={"tags": list(Tag.objects.filter(pk__in=chosen))}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.client_interests_set(
                user=request.user, tag_slugs=[tag.slug for tag in form.cleaned_data["tags"]]
            )
        except DomainError as error:
            form.add_error("tags", error.message)
        else:
            messages.success(request, _("Thanks! We will recommend listeners for you."))
            return redirect("listeners:catalogue")
    status = 400 if request.method == "POST" else 200
    return render(request, "listeners/interests.html", {"form": form}, status=status)
