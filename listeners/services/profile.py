"""The listener's own profile, settings and presence."""

from __future__ import annotations

from datetime import time

from django.db import transaction
from django.utils.translation import gettext as _

from listeners.exceptions import ListenerError
from listeners.models import (
    PRESENCE_RANK,
    ListenerProfile,
    ListenerStats,
)
from listeners.services.catalogue import listener_catalogue_sync
from listeners.services.common import _tags_check_count, _tags_resolve, _text
from listeners.validation import avatar_process, languages_clean
from marketplace.exceptions import NotFound


def listener_profile_update(
    *,
    listener: ListenerProfile,
    display_name: str,
    bio: str,
    languages: list[str],
    tag_slugs: list[str],
    avatar=None,
) -> ListenerProfile:
    """The listener edits what clients see. The real-name fields are not editable."""
    display_name = _text(display_name, field=_("Display name"), max_length=40)
    bio = _text(bio, field=_("Bio"), max_length=2000, required=False)
    langs = languages_clean(languages)
    if not langs:
        raise ListenerError(_("Choose at least one language."), code="languages_required")
    tags = _tags_resolve(tag_slugs=tag_slugs)
    _tags_check_count(tags)
    avatar_file = avatar_process(avatar) if avatar is not None else None
    with transaction.atomic():
        profile = ListenerProfile.objects.select_for_update().get(pk=listener.pk)
        profile.display_name, profile.bio, profile.languages = display_name, bio, langs
        if avatar_file is not None:
            profile.avatar.save(avatar_file.name, avatar_file, save=False)
        profile.save(update_fields=["display_name", "bio", "languages", "avatar"])
        profile.tags.set(tags)
        listener_catalogue_sync(listener_id=profile.pk)
    return profile


def listener_settings_update(
    *,
    listener: ListenerProfile,
    presence: str,
    max_concurrent_chats: int,
    takes_night_orders: bool,
    night_start: time | None,
    night_end: time | None,
) -> ListenerProfile:
    """Status, capacity and night preferences. Only approved listeners may go online."""
    if presence not in ListenerProfile.Presence.values:
        raise ListenerError(_("Unknown status."), code="presence_invalid")
    if isinstance(max_concurrent_chats, bool) or not 1 <= int(max_concurrent_chats) <= 10:
        raise ListenerError(
            _("Maximum concurrent chats must be between 1 and 10."), code="max_chats_invalid"
        )
    if (night_start is None) != (night_end is None):
        raise ListenerError(
            _("Set both ends of your night window, or neither to use the platform's."),
            code="night_window_invalid",
        )
    if night_start is not None and night_start == night_end:
        raise ListenerError(
            _("The night window must not start and end at the same time."),
            code="night_window_invalid",
        )
    with transaction.atomic():
        profile = ListenerProfile.objects.select_for_update().get(pk=listener.pk)
        if presence != ListenerProfile.Presence.OFFLINE and not profile.is_approved:
            raise ListenerError(
                _("You can go online once your application is approved."), code="not_approved"
            )
        profile.presence = presence
        profile.max_concurrent_chats = int(max_concurrent_chats)
        profile.takes_night_orders = bool(takes_night_orders)
        profile.night_start, profile.night_end = night_start, night_end
        profile.save(
            update_fields=[
                "presence",
                "max_concurrent_chats",
                "takes_night_orders",
                "night_start",
                "night_end",
            ]
        )
        listener_catalogue_sync(listener_id=profile.pk)
    return profile


def listener_presence_set(*, listener: ListenerProfile, presence: str) -> None:
    """Just the status (online / busy / offline), e.g. from the dashboard."""
    if presence not in ListenerProfile.Presence.values:
        raise ListenerError(_("Unknown status."), code="presence_invalid")
    if presence != ListenerProfile.Presence.OFFLINE and not listener.is_approved:
        raise ListenerError(
            _("You can go online once your application is approved."), code="not_approved"
        )
    listener_presence_store(listener_id=listener.pk, presence=presence)
    listener.presence = presence


def listener_presence_store(*, listener_id: int, presence: str) -> bool:
    """Store a presence decided elsewhere (e.g. from the listener's live chat sockets) on
    the profile and on the catalogue's stats row, in one transaction; writes nothing
    when it is unchanged. Returns whether it changed. No approval check: callers decide."""
    if presence not in ListenerProfile.Presence.values:
        raise ListenerError(_("Unknown status."), code="presence_invalid")
    with transaction.atomic():
        # The profile row's lock (taken by the UPDATE) orders this against
        # listener_catalogue_sync, which locks the same row before copying presence.
        changed = (
            ListenerProfile.objects.filter(pk=listener_id)
            .exclude(presence=presence)
            .update(presence=presence)
        )
        if changed:
            ListenerStats.objects.filter(listener_id=listener_id).update(
                presence_rank=PRESENCE_RANK[presence]
            )
    return bool(changed)


def listener_availability_set(*, user, availability: str) -> ListenerProfile:
    """The listener's own choice: online (while a page of ours is open), away or
    offline. The presence that follows from it is worked out by the chat's presence
    service, which calls this."""
    profile = ListenerProfile.objects.filter(user=user).first()
    if profile is None:
        raise NotFound(_("Only listeners have a status."))
    if availability not in ListenerProfile.Availability.values:
        raise ListenerError(_("Choose online, away or offline."), code="availability_invalid")
    if profile.availability != availability:
        profile.availability = availability
        profile.save(update_fields=["availability"])
    return profile
