"""The optional monthly income a client may tell us, used only for their own nudges."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import CareProfile
from marketplace.exceptions import DomainError

MAX_INCOME_FEN = 100_000_000  # ¥1,000,000 a month


def income_set(*, client, income_fen: int | None, now: datetime | None = None) -> CareProfile:
    """Store (or with None forget) the client's monthly income in fen."""
    now = now or timezone.now()
    if income_fen is not None and (
        isinstance(income_fen, bool)
        or not isinstance(income_fen, int)
        or income_fen <= 0
        or income_fen > MAX_INCOME_FEN
    ):
        raise DomainError(
            _("Enter a monthly income between ¥0.01 and ¥1,000,000, or leave it empty."),
            code="income_invalid",
        )
    with transaction.atomic():
        profile, _created = CareProfile.objects.select_for_update().get_or_create(client=client)
        profile.monthly_income_fen = income_fen
        profile.updated_at = now
        profile.save()
    return profile
