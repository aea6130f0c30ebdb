"""Shared input checks of the listener services: text fields and specialty tags."""

from __future__ import annotations

from django.utils.translation import gettext as _

from listeners.exceptions import ListenerError
from listeners.models import Tag

MAX_TAGS_PER_LISTENER = 8


def _tags_resolve(*, tag_slugs: list[str] | None = None, tag_ids: list[int] | None = None):
    """Tags by slug or id; refuses unknown ones (the message names them)."""
    if tag_slugs is not None:
        wanted = list(dict.fromkeys(tag_slugs))
        found = {t.slug: t for t in Tag.objects.filter(slug__in=wanted)}
    else:
        wanted = list(dict.fromkeys(tag_ids or []))
        found = {t.pk: t for t in Tag.objects.filter(pk__in=wanted)}
    unknown = [str(value) for value in wanted if value not in found]
    if unknown:
        raise ListenerError(
            _("Unknown tag: %(tags)s.") % {"tags": ", ".join(unknown)[:100]}, code="tag_unknown"
        )
    return [found[value] for value in wanted]


def _tags_check_count(tags: list[Tag]) -> None:
    if not tags:
        raise ListenerError(_("Choose at least one specialty tag."), code="tags_required")
    if len(tags) > MAX_TAGS_PER_LISTENER:
        raise ListenerError(
            _("Choose at most %(n)d tags.") % {"n": MAX_TAGS_PER_LISTENER}, code="tags_too_many"
        )


def _text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ListenerError(_("%(field)s is required.") % {"field": field}, code="required")
    if len(value) > max_length:
        raise ListenerError(
            _("%(field)s is too long (at most %(n)d characters).")
            % {"field": field, "n": max_length},
            code="too_long",
        )
    return value
