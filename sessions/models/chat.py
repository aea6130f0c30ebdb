"""Chat messages, read markers and a listener's quick replies.

A message belongs to an order and carries a per-order `seq` that is gap-free: it is
assigned under the order's row lock as (last seq + 1), and the pair is unique, so a
reader that has seen seq N knows exactly what it is missing (`after_seq=N`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        SYSTEM = "system", _("System")

    # Indexed by message_seq_unique (order first): no single-column index to write too.
    order = models.ForeignKey(
        "live_sessions.Order",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("order"),
    )
    seq = models.PositiveIntegerField(_("number in the session"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.TEXT)
    # Null for system messages, which message_sender_idx (partial) leaves out.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("sender"),
    )
    # Already masked by the safety scan: the original text is never stored.
    text = models.TextField(_("text"))
    # Stable code of a system message ("time_over", ...), translated when shown.
    system_code = models.CharField(_("system message code"), max_length=32, blank=True)
    # The values its text names ({"streak": 2, "limit": 3, "left": 1}): the sentence is
    # built in each reader's language when shown (sessions/system_texts.py), never
    # stored. `text` keeps the English source for old readers and exports.
    system_params = models.JSONField(
        _("system message parameters"), default=dict, blank=True, db_default={}
    )
    # Kinds of personal data the safety scan masked, e.g. ["phone", "card"].
    masked = models.JSONField(_("personal data hidden"), default=list, blank=True)
    # Chosen by the sending tab; a resend with the same id returns the first message.
    client_id = models.CharField(_("sending tab's id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["order", "seq"]
        indexes = [
            models.Index(
                fields=["sender"], condition=Q(sender__isnull=False), name="message_sender_idx"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["order", "sender", "client_id"],
                condition=~Q(client_id=""),
                name="message_client_id_unique",
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="message_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"message {self.order_id}#{self.seq}"


class ReadMarker(models.Model):
    """How far one participant has read one session's transcript (only moves forward)."""

    order = models.ForeignKey("live_sessions.Order", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "user"], name="read_marker_unique"),
        ]

    def __str__(self) -> str:
        return f"read {self.order_id} by {self.user_id} up to {self.seq}"


class QuickReply(models.Model):
    """A canned answer a listener inserts with one key on the dashboard."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quick_replies"
    )
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:40]
