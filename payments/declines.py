"""Stripe's decline codes as messages a client can act on, in the client's language.

Stripe's own `message` is English; the codes are stable
(https://docs.stripe.com/declines/codes), so the text shown is ours.
"""

from django.utils.translation import gettext as _


def decline_message(*, code: str = "", decline_code: str = "") -> str:
    """What to tell the client after a card was refused, and what to do next."""
    reason = decline_code or code
    if reason in ("insufficient_funds", "card_velocity_exceeded"):
        return _("Your card has insufficient funds. Try another card or top up your card first.")
    if reason in ("expired_card",):
        return _("Your card has expired. Try another card.")
    if reason in ("incorrect_cvc", "invalid_cvc"):
        return _("The card's security code is wrong. Check it and try again.")
    if reason in ("incorrect_number", "invalid_number"):
        return _("The card number is wrong. Check it and try again.")
    if reason in ("authentication_required", "payment_intent_authentication_failure"):
        return _("Your bank could not confirm it was you. Try again or use another card.")
    if reason in ("processing_error",):
        return _("The card could not be charged because of a processing error. Try again.")
    return _("Your card was declined. Try another card or contact your bank.")
