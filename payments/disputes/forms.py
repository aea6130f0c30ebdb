"""Forms of the dispute pages. Amounts are typed in yuan and become integer fen here,
through Decimal, never floats; the money rules themselves are the services'."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from payments.disputes.models import Dispute
from payments.disputes.services import MAX_STATEMENT_LENGTH

MAX_YUAN = Decimal("1000000")


def yuan_to_fen(text: str) -> int:
    """ "12.34" -> 1234. Refuses more than two decimals, signs, exponents, NaN, absurd sizes."""
    text = (text or "").strip().replace("¥", "").replace(",", "")
    if not text or len(text) > 12 or any(c not in "0123456789." for c in text):
        raise forms.ValidationError(_("Enter an amount in yuan, e.g. 12.50."), code="invalid")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise forms.ValidationError(
            _("Enter an amount in yuan, e.g. 12.50."), code="invalid"
        ) from None
    if value != value.quantize(Decimal("0.01")):
        raise forms.ValidationError(_("At most two decimals (fen)."), code="fractional")
    if value <= 0:
        raise forms.ValidationError(_("The amount must be positive."), code="not_positive")
    if value > MAX_YUAN:
        raise forms.ValidationError(_("The amount is too large."), code="too_large")
    return int(value * 100)


class DisputeOpenForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What went wrong?"), choices=Dispute.Reason.choices, widget=forms.RadioSelect
    )
    statement = forms.CharField(
        label=_("Your statement"),
        max_length=MAX_STATEMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Describe what happened. Our team reads the whole transcript."),
    )
    requested_yuan = forms.CharField(
        label=_("How much do you ask back? (yuan)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("Leave empty to let our team decide. The listener sees this amount."),
    )

    def clean(self):
        data = super().clean()
        raw = (data.pop("requested_yuan", "") or "").strip()
        data["requested_fen"] = None
        if raw:
            try:
                data["requested_fen"] = yuan_to_fen(raw)
            except forms.ValidationError as error:
                self.add_error("requested_yuan", error)
        return data


class DisputeAnswerForm(forms.Form):
    statement = forms.CharField(
        label=_("Your statement"),
        max_length=MAX_STATEMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class DisputeDecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Dispute.Outcome.choices, widget=forms.RadioSelect
    )
    amount_yuan = forms.CharField(
        label=_("Refund amount (yuan), for a partial refund"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Reason (shown to both parties)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        raw = data.get("amount_yuan", "")
        data["amount_fen"] = None
        if outcome == Dispute.Outcome.PARTIAL_REFUND:
            try:
                data["amount_fen"] = yuan_to_fen(raw)
            except forms.ValidationError as error:
                self.add_error("amount_yuan", error)
        elif raw and raw.strip():
            self.add_error("amount_yuan", _("An amount is given only for a partial refund."))
        return data
