"""System messages in the reader's language: one table of every code's English source,
and one way to turn a stored message (code + parameters) into a sentence.

A system message stores `system_code` and `system_params`, never a translated sentence,
so the chat page, the dashboard, the dispute desk and every socket frame show it in
their own reader's language. Rows from before parameters existed have a code with no
parameters (e.g. "breach") and keep reading as they did.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from sessions.services import calls, clocks, handover, lifecycle, metering, pauses

# code -> English source (gettext_noop'd where it is defined), "%(name)s" for parameters.
SOURCES: dict[str, str] = {
    **lifecycle.SYSTEM_TEXTS,
    clocks.BREACH_CODE: clocks.BREACH_TEXT,
    clocks.BREACH_COUNTED_CODE: clocks.BREACH_COUNTED_TEXT,
    clocks.BREACH_FINAL_CODE: clocks.BREACH_FINAL_TEXT,
    clocks.BREACH_EXCUSED_CODE: clocks.BREACH_EXCUSED_TEXT,
    **pauses.PAUSE_TEXTS,
    **metering.METER_TEXTS,
    **calls.CALL_TEXTS,
    **handover.HANDOVER_TEXTS,
}


def system_text(*, code: str, params: dict[str, Any] | None, stored: str = "") -> str:
    """The sentence of system message `code` with `params`, in the active language.
    An unknown code, or parameters that do not fit its text, show what was stored."""
    source = SOURCES.get(code)
    if source is None:
        return stored
    try:
        return _(source) % params if params else _(source)
    except (KeyError, TypeError, ValueError):
        return stored or _(source)


def message_text(message) -> str:
    """What a transcript shows for `message`: its text, or its system sentence."""
    if not message.system_code:
        return message.text
    return system_text(
        code=message.system_code,
        params=getattr(message, "system_params", None),
        stored=message.text,
    )


def system_templates() -> dict[str, str]:
    """Every code's text translated, with "%(name)s" left for the page scripts to fill
    from a frame's `params` (chat-socket.js `systemText`)."""
    return {code: _(source) for code, source in SOURCES.items()}


# What the safety scan can hide in a message, named for the reader (the PII notice).
MASKED_KIND_NAMES = {
    "phone": gettext_lazy("a phone number"),
    "id": gettext_lazy("an ID number"),
    "card": gettext_lazy("a card number"),
    "wechat": gettext_lazy("a WeChat handle"),
    "qq": gettext_lazy("a QQ number"),
}


def masked_notice(kinds) -> str:
    """ "Hidden for your safety: a WeChat handle." for the kinds a message had masked."""
    if not kinds:
        return ""
    names = pgettext("list separator", ", ").join(
        str(MASKED_KIND_NAMES.get(kind, kind)) for kind in dict.fromkeys(kinds)
    )
    return _("Hidden for your safety: %(kinds)s.") % {"kinds": names}
