from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _


class YuanAmountForm(forms.Form):
    """An amount in yuan with at most two decimals, as fen. The services check the bounds."""

    amount_yuan = forms.CharField(label=_("Amount (¥)"), max_length=12)

    def clean_amount_yuan(self):
        raw = self.cleaned_data["amount_yuan"].strip()
        try:
            value = Decimal(raw)
        except InvalidOperation as exc:
            raise forms.ValidationError(_("Enter an amount such as 50 or 49.50.")) from exc
        if (
            not value.is_finite()
            or value <= 0
            or value > 1_000_000
            or value != value.quantize(Decimal("0.01"))
        ):
            raise forms.ValidationError(_("Enter an amount such as 50 or 49.50."))
        return int(value * 100)

    def amount_fen(self) -> int:
        return self.cleaned_data["amount_yuan"]
