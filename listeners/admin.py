"""Staff review listener applications here: approve, or reject with a reason the
applicant sees. The full ID number is shown only on this staff-only page; lists show it
masked."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from listeners import services
from listeners.exceptions import ListenerError
from listeners.models import (
    ClientInterest,
    ListenerProfile,
    ListenerStats,
    Package,
    PricingTier,
    Shift,
    Tag,
    Team,
    TeamMembership,
)
from marketplace.admin_mixins import ReadOnlyAdmin


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_zh", "name_en"]
    search_fields = ["slug", "name_zh", "name_en"]


class PricingTierInline(admin.TabularInline):
    model = PricingTier
    extra = 0
    # Listeners set their tiers through the services (which check them); staff only
    # see them, including the reply-window contract's terms each tier offers.
    fields = list(services.TIER_FIELDS)
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (shown to the applicant)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@admin.register(ListenerProfile)
class ListenerProfileAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "user",
        "legal_name",
        "id_number_masked",
        "verification",
        "presence",
        "created_at",
    ]
    list_filter = ["verification", "presence", "takes_night_orders"]
    search_fields = ["display_name", "legal_name", "user__phone"]
    list_select_related = ["user"]
    ordering = ["verification", "-created_at"]
    actions = ["approve", "reject"]
    inlines = [PricingTierInline]
    readonly_fields = [
        "user",
        "legal_name",
        "id_number",
        "verification",
        "rejection_reason",
        "verified_at",
        "created_at",
    ]
    fields = [
        "user",
        "display_name",
        "avatar",
        "bio",
        "languages",
        "tags",
        "legal_name",
        "id_number",
        "verification",
        "rejection_reason",
        "verified_at",
        "presence",
        "max_concurrent_chats",
        "takes_night_orders",
        "night_start",
        "night_end",
        "stripe_account_id",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # people apply themselves

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # Staff may edit tags, languages, presence and night orders here: refresh the
        # catalogue's copies on the stats row (after the tags are saved).
        services.listener_catalogue_sync(listener_id=form.instance.pk)

    @admin.action(description=gettext_lazy("Approve selected applications"))
    def approve(self, request, queryset):
        for listener in queryset:
            services.listener_approve(listener=listener, by=request.user)
        self.message_user(
            request, _("%(n)d listener(s) approved.") % {"n": queryset.count()}, messages.SUCCESS
        )

    @admin.action(description=gettext_lazy("Reject selected applications (asks for a reason)"))
    def reject(self, request, queryset):
        form = RejectForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                for listener in queryset:
                    services.listener_reject(
                        listener=listener, by=request.user, reason=form.cleaned_data["reason"]
                    )
            except ListenerError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(n)d application(s) rejected.") % {"n": queryset.count()},
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject applications"),
            "form": form,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "listeners/admin_reject.html", context)


@admin.register(ListenerStats)
class ListenerStatsAdmin(admin.ModelAdmin):
    list_display = [
        "listener",
        "rating_avg",
        "rating_count",
        "reply_p50_ms",
        "from_price_day_fen",
        "quality_score",
        "is_listed",
        "updated_at",
    ]
    readonly_fields = [field.name for field in ListenerStats._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = ["tier", "minutes", "discount_percent", "is_active"]
    list_select_related = ["tier__listener"]


@admin.register(ClientInterest)
class ClientInterestAdmin(admin.ModelAdmin):
    list_display = ["user", "tag", "created_at"]
    list_select_related = ["user", "tag"]


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    can_delete = False
    readonly_fields = ("listener", "joined_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    """Teams are written by their owners' services; staff read them here."""

    list_display = ("name", "owner", "commission_percent", "created_at")
    search_fields = ("name", "owner__display_name")
    inlines = [TeamMembershipInline]


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdmin):
    list_display = ("listener", "weekday", "start", "end")
    list_filter = ("weekday",)
    search_fields = ("listener__display_name",)
