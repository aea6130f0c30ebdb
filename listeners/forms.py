"""Page forms. They parse types; the services decide what is allowed."""

import re
from datetime import time

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from listeners.models import (
    MAX_NIGHT_SURCHARGE_PERCENT,
    MAX_REPLY_WINDOW_SECONDS,
    MIN_REPLY_WINDOW_SECONDS,
    ListenerProfile,
    PricingTier,
    Tag,
)
from listeners.services import BREACH_TERM_BOUNDS
from listeners.validation import LANGUAGE_CHOICES


def _label(message: str, **params: int) -> str:
    """A label with numbers in it, translated when rendered (a lazy string's `%` would
    translate once, at import, in whatever language was active then)."""
    return lazy(lambda: gettext(message) % params, str)()


def _breach_term_field(name: str, message: str, *, initial: int) -> forms.IntegerField:
    """An optional contract-term field whose label shows the service's bounds."""
    low, high = BREACH_TERM_BOUNDS[name]
    return forms.IntegerField(
        label=_label(message, low=low, high=high), initial=initial, required=False
    )


class TagChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Tag) -> str:
        return obj.name


def _tag_field(**kwargs) -> TagChoiceField:
    return TagChoiceField(
        queryset=Tag.objects.all(),
        to_field_name="slug",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Unknown tag: %(value)s.")},
        **kwargs,
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=40)
    avatar = forms.FileField(
        label=_("Avatar (JPEG, PNG or WebP, at most 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    bio = forms.CharField(label=_("Bio"), max_length=2000, required=False, widget=forms.Textarea)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=LANGUAGE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    tags = _tag_field(label=_("Specialties"))


class ApplyForm(ProfileForm):
    legal_name = forms.CharField(label=_("Legal name (as on your ID card)"), max_length=40)
    id_number = forms.CharField(
        label=_("Resident ID number (18 characters)"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )


class SettingsForm(forms.Form):
    presence = forms.ChoiceField(label=_("Status"), choices=ListenerProfile.Presence.choices)
    max_concurrent_chats = forms.IntegerField(
        label=_("Maximum concurrent chats"), min_value=1, max_value=10
    )
    takes_night_orders = forms.BooleanField(label=_("I take night orders"), required=False)
    night_start = forms.TimeField(
        label=_("My night starts (leave empty for the platform's 23:00)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    night_end = forms.TimeField(
        label=_("My night ends (leave empty for the platform's 07:00)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )


WEEKDAY_LABELS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def _clock(hour: str, minute: str, *, end: bool) -> time:
    h, m = int(hour), int(minute)
    if end and (h, m) == (24, 0):
        return time(0)  # midnight, the end of the day
    if h > 23 or m > 59:
        raise forms.ValidationError(
            _("%(value)s:%(minute)s is not a time of day."),
            params={"value": hour, "minute": minute},
        )
    return time(h, m)


class ShiftsForm(forms.Form):
    """One text field per weekday: shifts as "09:00-12:00, 20:00-24:00" (Asia/Shanghai)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, label in enumerate(WEEKDAY_LABELS):
            self.fields[f"day{day}"] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": "09:00-12:00, 20:00-24:00"}),
            )

    @staticmethod
    def initial_for(shifts) -> dict:
        days: dict[str, list[str]] = {}
        for shift in shifts:
            end = "24:00" if shift.end == time(0) else f"{shift.end:%H:%M}"
            days.setdefault(f"day{shift.weekday}", []).append(f"{shift.start:%H:%M}-{end}")
        return {key: ", ".join(ranges) for key, ranges in days.items()}

    def shifts(self) -> list[tuple[int, time, time]]:
        """The parsed shifts (after is_valid)."""
        return self.cleaned_data["_shifts"]

    def clean(self):
        cleaned = super().clean()
        shifts = []
        for day in range(7):
            for part in filter(None, (p.strip() for p in cleaned.get(f"day{day}", "").split(","))):
                match = _RANGE.match(part)
                if match is None:
                    self.add_error(
                        f"day{day}",
                        _("Write each shift as 09:00-12:00, separated by commas."),
                    )
                    break
                try:
                    start = _clock(match[1], match[2], end=False)
                    end = _clock(match[3], match[4], end=True)
                except forms.ValidationError as bad:
                    self.add_error(f"day{day}", bad)
                    break
                shifts.append((day, start, end))
        cleaned["_shifts"] = shifts
        return cleaned


class LimitsForm(forms.Form):
    """Own workload limits in hours; empty means the platform's."""

    max_hours_day = forms.IntegerField(label=_("Maximum chat hours per day"), required=False)
    max_hours_week = forms.IntegerField(label=_("Maximum chat hours per week"), required=False)
    max_night_hours_week = forms.IntegerField(
        label=_("Maximum night chat hours per week"), required=False
    )


class TierForm(forms.Form):
    medium = forms.ChoiceField(
        label=_("Medium"), choices=PricingTier.Medium.choices, initial=PricingTier.Medium.TEXT
    )
    reply_window_seconds = forms.IntegerField(
        label=_label(
            gettext_noop("Reply window (seconds: 10, 30, 60 or %(low)d-%(high)d)"),
            low=MIN_REPLY_WINDOW_SECONDS,
            high=MAX_REPLY_WINDOW_SECONDS,
        ),
        initial=30,
    )
    price_per_hour_yuan = forms.DecimalField(
        label=_("Price per hour (¥)"), max_digits=9, decimal_places=2
    )
    night_surcharge_percent = forms.IntegerField(
        label=_label(
            gettext_noop("Night surcharge (%%, 0-%(max)d; +200 %% means 3x)"),
            max=MAX_NIGHT_SURCHARGE_PERCENT,
        ),
        initial=200,
    )
    min_minutes = forms.IntegerField(label=_("Minimum minutes"), initial=15)
    # The reply-window contract, copied onto each order booked on this tier; the service
    # refuses values outside BREACH_TERM_BOUNDS with a message.
    breach_refund_percent = _breach_term_field(
        "breach_refund_percent",
        gettext_noop("Refund per missed reply (%% of the order, %(low)d-%(high)d)"),
        initial=10,
    )
    breach_refund_cap_percent = _breach_term_field(
        "breach_refund_cap_percent",
        gettext_noop("Cap on missed-reply refunds (%% of the order, %(low)d-%(high)d)"),
        initial=50,
    )
    breach_termination_count = _breach_term_field(
        "breach_termination_count",
        gettext_noop("Missed replies in a row that end the session (%(low)d-%(high)d)"),
        initial=3,
    )
    is_active = forms.BooleanField(label=_("Offered"), required=False, initial=True)
    per_minute = forms.BooleanField(
        label=_("Also offered per minute, from the client's wallet (price from the hourly one)"),
        required=False,
    )
    week_plan_discount_percent = forms.IntegerField(
        label=_("Weekly plan (7 days) discount, % (empty: not offered)"), required=False
    )
    month_plan_discount_percent = forms.IntegerField(
        label=_("Monthly plan (30 days) discount, % (empty: not offered)"), required=False
    )

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["price_per_hour_fen"] = int(data.pop("price_per_hour_yuan") * 100)
        # A contract term left empty keeps its current (or default) value.
        for name in BREACH_TERM_BOUNDS:
            if data.get(name) is None:
                data.pop(name, None)
        return data


class PackageForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes"))
    discount_percent = forms.IntegerField(label=_("Discount (%)"), initial=0)


class InterestsForm(forms.Form):
    tags = _tag_field(label=_("What would you like to talk about?"), required=False)
