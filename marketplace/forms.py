from django import forms
from django.utils.translation import gettext_lazy as _


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        error_messages={"required": _("Enter your mobile number.")},
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "inputmode": "tel",
                "autocomplete": "tel",
                "placeholder": "138 0013 8000",
                "autofocus": True,
            }
        ),
    )


class CodeForm(PhoneForm):
    code = forms.RegexField(
        label=_("SMS code"),
        regex=r"^\d{6}$",
        error_messages={
            "required": _("Enter the 6-digit code."),
            "invalid": _("The code has 6 digits."),
        },
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "maxlength": 6,
                "autofocus": True,
            }
        ),
    )
