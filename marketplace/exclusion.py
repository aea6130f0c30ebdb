"""Self-exclusion: a client pauses their own account for 7, 30 or 90 days.

While a pause lasts: no bookings (`sessions.services.booking_guards` calls
`exclusion_check`), no top-ups (the wallet calls `client_may_spend` before it creates a
top-up) and no marketing (any sender calls `client_may_receive_marketing`). Sessions that
are already running finish normally. Ending the pause early is asked for once; it ends
`EARLY_END_DELAY_HOURS` after the first ask (asking again does not bring it nearer).
Lengthening a pause (starting a longer one while paused) applies at once.

This is user-level state, the lowest layer, so every app can check it without importing
the client-care pages (`care/`) that set it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from marketplace.exceptions import DomainError
from marketplace.models import SelfExclusion
from marketplace.timezones import display_localtime

PAUSE_DAYS = (7, 30, 90)
EARLY_END_DELAY_HOURS = 24


class AccountPaused(DomainError):
    code = "account_paused"
    status = 409


def effective_end(pause: SelfExclusion) -> datetime:
    if pause.end_requested_at is None:
        return pause.ends_at
    return min(pause.ends_at, pause.end_requested_at + timedelta(hours=EARLY_END_DELAY_HOURS))


def exclusion_active(*, user_id: int, now: datetime | None = None) -> SelfExclusion | None:
    """The pause in force at `now`, if any."""
    now = now or timezone.now()
    for pause in SelfExclusion.objects.filter(user_id=user_id, ends_at__gt=now, starts_at__lte=now):
        if effective_end(pause) > now:
            return pause
    return None


def client_may_spend(user_id: int, *, now: datetime | None = None) -> bool:
    """False while the user's account is paused: no bookings, no top-ups."""
    return exclusion_active(user_id=user_id, now=now) is None


def client_may_receive_marketing(user_id: int, *, now: datetime | None = None) -> bool:
    """False while the user's account is paused."""
    return exclusion_active(user_id=user_id, now=now) is None


def _until(pause: SelfExclusion) -> str:
    # Said to the viewer: on their wall clock (the pause itself is an instant).
    return date_format(display_localtime(effective_end(pause)), "Y-m-d H:i", use_l10n=False)


def exclusion_check(*, user_id: int, now: datetime | None = None) -> None:
    """Refuse spending (a booking, a top-up) while the account is paused."""
    pause = exclusion_active(user_id=user_id, now=now)
    if pause is not None:
        raise AccountPaused(
            _(
                "Your account is paused until %(until)s, as you asked: no bookings or "
                "top-ups until then. Sessions already running finish normally."
            )
            % {"until": _until(pause)}
        )


def exclusion_start(*, user_id: int, days: int, now: datetime | None = None) -> SelfExclusion:
    """Pause the account for `days` (7, 30 or 90) from now; while already paused, a longer
    pause lengthens it (and drops an early-end request), a shorter one changes nothing."""
    now = now or timezone.now()
    if isinstance(days, bool) or days not in PAUSE_DAYS:
        raise DomainError(_("Choose 7, 30 or 90 days."), code="pause_days_invalid")
    with transaction.atomic():
        # The same lock booking takes first, so a booking never slips past a new pause.
        get_user_model().objects.select_for_update().get(pk=user_id)
        ends_at = now + timedelta(days=days)
        pause = exclusion_active(user_id=user_id, now=now)
        if pause is None:
            return SelfExclusion.objects.create(user_id=user_id, starts_at=now, ends_at=ends_at)
        if ends_at > effective_end(pause):
            pause.ends_at = ends_at
            pause.end_requested_at = None
            pause.save(update_fields=["ends_at", "end_requested_at"])
        return pause


def exclusion_end_request(*, user_id: int, now: datetime | None = None) -> SelfExclusion:
    """Ask to end the pause early: it ends 24 hours after the first ask."""
    now = now or timezone.now()
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=user_id)
        pause = exclusion_active(user_id=user_id, now=now)
        if pause is None:
            raise DomainError(_("Your account is not paused."), code="not_paused")
        if pause.end_requested_at is None:
            pause.end_requested_at = now
            pause.save(update_fields=["end_requested_at"])
        return pause
