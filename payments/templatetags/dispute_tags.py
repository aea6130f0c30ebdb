"""Template helpers of the dispute pages."""

from django import template

from payments.money import yuan as fen_to_yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Integer fen shown as yuan ("12.34"); empty for None."""
    if fen is None or fen == "":
        return ""
    return fen_to_yuan(int(fen))


@register.filter
def signed_yuan(fen) -> str:
    return ("+" if int(fen) > 0 else "") + fen_to_yuan(int(fen))
