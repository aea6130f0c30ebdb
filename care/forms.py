"""Forms of the client-care pages. Amounts and hours are parsed strictly: NaN, Infinity,
negative, absurd or non-numeric input is a form error and changes nothing."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.exclusion import PAUSE_DAYS
from payments.models import ClientLimit
from payments.services.limits import MAX_MINUTES

LARGEST = Decimal(10**9)


def _decimal(raw: str, message) -> Decimal:
    try:
        value = Decimal(raw.strip().replace(",", ""))
    except InvalidOperation as exc:
        raise forms.ValidationError(message) from exc
    # Absurd sizes are refused before any arithmetic (1e400 would overflow a quantize).
    if not value.is_finite() or value < 0 or value > LARGEST:
        raise forms.ValidationError(message)
    return value


class LimitForm(forms.Form):
    """One limit: hours for the weekly and night limits, minutes for one session; empty
    removes the limit (after 24 hours)."""

    kind = forms.ChoiceField(choices=ClientLimit.Kind.choices)
    value = forms.CharField(required=False, max_length=12)

    def clean(self):
        data = super().clean()
        kind, raw = data.get("kind"), (data.get("value") or "").strip()
        if kind is None:
            return data
        if not raw:
            data["minutes"] = None
            return data
        if kind == ClientLimit.Kind.SESSION_MINUTES:
            message = _("Enter whole minutes, such as 60 (at most 1440).")
            value = _decimal(raw, message)
            if value != value.to_integral_value():
                self.add_error("value", message)
                return data
            minutes = int(value)
        else:
            message = _("Enter hours, such as 10 or 2.5 (at most %(max)s).") % {
                "max": MAX_MINUTES[kind] // 60
            }
            try:
                value = _decimal(raw, message)
            except forms.ValidationError as error:
                self.add_error("value", error)
                return data
            exact = value * 60
            if exact != exact.to_integral_value():
                self.add_error("value", message)
                return data
            minutes = int(exact)
        if minutes > MAX_MINUTES[kind]:
            self.add_error("value", _("This limit is larger than the time there is."))
            return data
        data["minutes"] = minutes
        return data


class IncomeForm(forms.Form):
    income_yuan = forms.CharField(
        label=_("Monthly income (¥, optional)"), required=False, max_length=12
    )

    def clean_income_yuan(self):
        raw = self.cleaned_data["income_yuan"].strip()
        if not raw:
            return None
        message = _("Enter an amount such as 8000 or 8000.50, or leave it empty.")
        value = _decimal(raw, message)
        if value == 0 or value != value.quantize(Decimal("0.01")) or value > 1_000_000:
            raise forms.ValidationError(message)
        return int(value * 100)


class PauseForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Pause my account for"),
        choices=[(d, _("%(days)s days") % {"days": d}) for d in PAUSE_DAYS],
        coerce=int,
        widget=forms.RadioSelect,
    )


class CloseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that closing my account cannot be undone."), required=True
    )
