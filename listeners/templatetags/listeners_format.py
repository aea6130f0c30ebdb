"""Display helpers: money in yuan, reply times in seconds, permille as percent."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from listeners.validation import LANGUAGE_CHOICES

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """6000 -> '¥60.00', 6050 -> '¥60.50'; None -> '—'. Money always shows two decimals."""
    if fen is None or fen == "":
        return "—"
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole}.{cents:02d}"


@register.filter
def seconds(ms) -> str:
    """2300 -> '2.3 s'."""
    if ms is None:
        return "—"
    return _("%(s)s s") % {"s": f"{int(ms) / 1000:.1f}"}


@register.filter
def percent(permille) -> str:
    """985 -> '98.5 %'."""
    if permille is None:
        return "—"
    return f"{int(permille) / 10:.1f} %"


@register.filter
def language_names(codes) -> str:
    """["zh", "en"] -> "普通话、英语" / "Mandarin, English": in the viewer's language."""
    labels = dict(LANGUAGE_CHOICES)
    names = [str(labels.get(code, code)) for code in codes or ()]
    return pgettext("list separator", ", ").join(names) if names else "—"


@register.filter
def minute_prices(tier) -> tuple[int, int]:
    """(day, night) price of a minute of a per-minute tier, in fen."""
    from listeners.pricing import minute_prices_fen

    return minute_prices_fen(tier)
