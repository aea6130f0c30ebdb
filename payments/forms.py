from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _


class BudgetForm(forms.Form):
    """The cap in yuan with at most two decimals; empty removes the cap."""

    cap_yuan = forms.CharField(label=_("Monthly budget (¥)"), required=False, max_length=12)

    def clean_cap_yuan(self):
        raw = self.cleaned_data["cap_yuan"].strip()
        if not raw:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation as exc:
            raise forms.ValidationError(_("Enter an amount such as 500 or 499.50.")) from exc
        # NaN, sNaN and Infinity parse as Decimals but compare or quantize only by raising.
        if not value.is_finite():
            raise forms.ValidationError(_("Enter an amount such as 500 or 499.50."))
        if value < 0 or value > 1_000_000 or value != value.quantize(Decimal("0.01")):
            raise forms.ValidationError(_("Enter an amount such as 500 or 499.50."))
        return int(value * 100)

    def cap_fen(self) -> int | None:
        return self.cleaned_data["cap_yuan"]
