"""Voice and video calls inside a session: who called, when it rang, was answered, had
media and ended. Nothing of a call's content is ever stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Call(models.Model):
    class Kind(models.TextChoices):
        VOICE = "voice", _("Voice")
        VIDEO = "video", _("Video")

    class State(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        CONNECTED = "connected", _("Connected")
        ENDED = "ended", _("Ended")
        MISSED = "missed", _("Missed")
        DECLINED = "declined", _("Declined")
        FAILED = "failed", _("Failed")

    LIVE_STATES = (State.RINGING, State.CONNECTED)

    order = models.ForeignKey(
        "live_sessions.Order",
        on_delete=models.CASCADE,
        related_name="calls",
        verbose_name=_("order"),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.RINGING
    )
    started_at = models.DateTimeField(_("started at"))
    # Accepted by the other side; media may still be negotiating.
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The page reported media flowing (ICE connected): the call's time counts from here.
    media_at = models.DateTimeField(_("media connected at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("ended by"),
    )
    # The reply clock's time left when media started (held during the call), if one ran.
    clock_left_seconds = models.PositiveIntegerField(
        _("reply time left when the call started (s)"), null=True, blank=True
    )
    # Why it ended when nobody hung up: "balance", "session", "timeout".
    end_reason = models.CharField(_("end reason"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(state__in=["ringing", "connected"]),
                name="call_one_live_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"call {self.pk} · order {self.order_id} · {self.state}"

    @property
    def seconds(self) -> int:
        """Seconds with media, for the transcript's duration."""
        if self.media_at is None or self.ended_at is None:
            return 0
        return max(0, int((self.ended_at - self.media_at).total_seconds()))

    @property
    def duration(self) -> str:
        """The transcript's duration, m:ss."""
        return f"{self.seconds // 60}:{self.seconds % 60:02d}"
