from django import forms
from django.utils.translation import gettext_lazy as _

from reviews.models import (
    MAX_REASON_LENGTH,
    MAX_REPLY_LENGTH,
    MAX_STARS,
    MAX_TEXT_LENGTH,
    MIN_STARS,
    ReviewReport,
    ReviewTag,
)


class ReviewForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, f"{n} ★") for n in range(MAX_STARS, MIN_STARS - 1, -1)],
        widget=forms.RadioSelect(attrs={"class": "star-input"}),
        error_messages={"required": _("Please choose 1 to 5 stars.")},
    )
    tags = forms.MultipleChoiceField(
        label=_("What stood out (optional)"),
        choices=ReviewTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "tag-input"}),
    )
    text = forms.CharField(
        label=_("Your review (optional)"),
        required=False,
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_TEXT_LENGTH}),
        help_text=_("Phone numbers and other personal details are hidden automatically."),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your reply"),
        max_length=MAX_REPLY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_REPLY_LENGTH}),
        help_text=_("You can reply once; the reply is public."),
    )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=ReviewReport.Reason.choices)
    note = forms.CharField(
        label=_("Details (optional)"), required=False, max_length=MAX_REASON_LENGTH
    )
