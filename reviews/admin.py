"""Staff moderation of reviews: read reports, hide or show again with a reason.

Hiding and unhiding run through `reviews.services` (which also refreshes the listener's
rating); the admin never edits a review's fields directly.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.exceptions import DomainError
from reviews import services
from reviews.models import MAX_REASON_LENGTH, Review, ReviewModeration, ReviewReport


class ModerationReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class ReportInline(admin.TabularInline):
    model = ReviewReport
    extra = 0
    can_delete = False
    fields = ["reporter", "reason", "note", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ModerationInline(admin.TabularInline):
    model = ReviewModeration
    extra = 0
    can_delete = False
    fields = ["action", "reason", "staff", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class HasReportsFilter(admin.SimpleListFilter):
    title = _("reports")
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("yes", _("Reported")), ("no", _("Not reported"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(report_count__gt=0)
        if self.value() == "no":
            return queryset.filter(report_count=0)
        return queryset


def _moderate(modeladmin, request: HttpRequest, queryset: QuerySet[Review], *, hide: bool):
    """Asks for the reason on an intermediate page, then hides/unhides each review."""
    action = "hide_reviews" if hide else "unhide_reviews"
    form = ModerationReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        service = services.review_hide if hide else services.review_unhide
        done, skipped = 0, []
        for review in queryset:
            try:
                service(review_id=review.pk, staff=request.user, reason=form.cleaned_data["reason"])
                done += 1
            except DomainError as error:
                skipped.append(f"#{review.pk}: {error.message}")
        if done:
            template = (
                ngettext("%(n)d review hidden.", "%(n)d reviews hidden.", done)
                if hide
                else ngettext("%(n)d review shown again.", "%(n)d reviews shown again.", done)
            )
            modeladmin.message_user(request, template % {"n": done}, messages.SUCCESS)
        for line in skipped:
            modeladmin.message_user(request, line, messages.WARNING)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Hide reviews") if hide else _("Show reviews again"),
        "reviews": queryset,
        "form": form,
        "action": action,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "reviews/admin/moderate.html", context)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "listener",
        "stars",
        "short_text",
        "report_count",
        "is_hidden",
        "created_at",
    ]
    list_filter = ["is_hidden", HasReportsFilter, "stars"]
    search_fields = ["text", "listener__display_name", "client__phone"]
    list_select_related = ["listener"]
    date_hierarchy = "created_at"
    actions = ["hide_reviews", "unhide_reviews"]
    inlines = [ReportInline, ModerationInline]
    fields = [
        "order",
        "listener",
        "client",
        "stars",
        "tags",
        "text",
        "created_at",
        "reply_text",
        "replied_at",
        "is_hidden",
        "hidden_reason",
        "hidden_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Review]:
        return super().get_queryset(request).annotate(report_count=Count("reports"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("review"))
    def short_text(self, review: Review) -> str:
        return review.text[:60]

    @admin.display(description=_("reports"), ordering="report_count")
    def report_count(self, review: Review) -> int:
        return review.report_count

    @admin.action(description=_("Hide selected reviews (asks for a reason)"))
    def hide_reviews(self, request: HttpRequest, queryset: QuerySet[Review]) -> HttpResponse | None:
        return _moderate(self, request, queryset, hide=True)

    @admin.action(description=_("Show selected reviews again (asks for a reason)"))
    def unhide_reviews(
        self, request: HttpRequest, queryset: QuerySet[Review]
    ) -> HttpResponse | None:
        return _moderate(self, request, queryset, hide=False)
