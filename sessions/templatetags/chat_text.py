"""Transcript lines as a reader sees them (the dispute desk, exports): system messages in
the reader's language, and what the safety scan hid."""

from django import template

from sessions.system_texts import masked_notice, message_text

register = template.Library()


@register.filter(name="message_text")
def message_text_filter(message) -> str:
    return message_text(message)


@register.filter(name="masked_notice")
def masked_notice_filter(message) -> str:
    return masked_notice(getattr(message, "masked", None))
