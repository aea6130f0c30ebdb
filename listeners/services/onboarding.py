"""Applying to be a listener and staff review of the application."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from listeners.exceptions import ListenerError
from listeners.models import ListenerProfile
from listeners.services.catalogue import listener_catalogue_sync, listener_stats_update
from listeners.services.common import _tags_check_count, _tags_resolve, _text
from listeners.validation import avatar_process, id_number_clean, id_number_mask, languages_clean
from marketplace.models import User


def listener_apply(
    *,
    user: User,
    display_name: str,
    bio: str,
    languages: list[str],
    tag_slugs: list[str],
    legal_name: str,
    id_number: str,
    avatar=None,
) -> ListenerProfile:
    """A signed-up user applies to be a listener. A rejected applicant may apply again;
    a pending or approved one may not. The profile waits for staff review."""
    if user.is_staff:
        raise ListenerError(_("Staff accounts cannot apply as listeners."), code="staff")
    fields: dict[str, Any] = {
        "display_name": _text(display_name, field=_("Display name"), max_length=40),
        "bio": _text(bio, field=_("Bio"), max_length=2000, required=False),
        "languages": languages_clean(languages),
        "legal_name": _text(legal_name, field=_("Legal name"), max_length=40),
    }
    if not fields["languages"]:
        raise ListenerError(_("Choose at least one language."), code="languages_required")
    number = id_number_clean(id_number)
    fields["id_number"] = number
    fields["id_number_masked"] = id_number_mask(number)
    tags = _tags_resolve(tag_slugs=tag_slugs)
    _tags_check_count(tags)
    avatar_file = avatar_process(avatar) if avatar is not None else None

    with transaction.atomic():
        existing = ListenerProfile.objects.select_for_update().filter(user=user).first()
        if existing is not None and existing.verification != ListenerProfile.Verification.REJECTED:
            raise ListenerError(
                _("You have already applied; your application is %(status)s.")
                % {"status": existing.get_verification_display()},
                code="already_applied",
            )
        profile = existing or ListenerProfile(user=user)
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.verification = ListenerProfile.Verification.PENDING
        profile.rejection_reason = ""
        profile.verified_at = None
        if avatar_file is not None:
            profile.avatar.save(avatar_file.name, avatar_file, save=False)
        profile.save()
        profile.tags.set(tags)
        listener_catalogue_sync(listener_id=profile.pk)
    return profile


def listener_approve(*, listener: ListenerProfile, by: User) -> ListenerProfile:
    """Staff approve an application: the profile appears in the catalogue and the user
    becomes a listener."""
    if not by.is_staff:
        raise ListenerError(_("Only staff can review applications."), code="forbidden")
    with transaction.atomic():
        profile = ListenerProfile.objects.select_for_update().get(pk=listener.pk)
        profile.verification = ListenerProfile.Verification.APPROVED
        profile.rejection_reason = ""
        profile.verified_at = timezone.now()
        profile.save(update_fields=["verification", "rejection_reason", "verified_at"])
        User.objects.filter(pk=profile.user_id, is_staff=False).update(role=User.Role.LISTENER)
        listener_catalogue_sync(listener_id=profile.pk)
        listener_stats_update(listener=profile)  # the quality score of a newcomer
    return profile


def listener_reject(*, listener: ListenerProfile, by: User, reason: str) -> ListenerProfile:
    """Staff reject an application (or withdraw an approval) with a reason the applicant
    sees. The profile leaves the catalogue and goes offline."""
    if not by.is_staff:
        raise ListenerError(_("Only staff can review applications."), code="forbidden")
    reason = _text(reason, field=_("Reason"), max_length=500)
    with transaction.atomic():
        profile = ListenerProfile.objects.select_for_update().get(pk=listener.pk)
        profile.verification = ListenerProfile.Verification.REJECTED
        profile.rejection_reason = reason
        profile.verified_at = None
        profile.presence = ListenerProfile.Presence.OFFLINE
        profile.save(update_fields=["verification", "rejection_reason", "verified_at", "presence"])
        listener_catalogue_sync(listener_id=profile.pk)
    return profile
