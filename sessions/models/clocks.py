"""Reply clocks, breaches and agreed pauses: the reply-window contract of an order.

A clock runs from the first unanswered client message to the listener's next message.
Its `deadline` is the moment the current reply window ends; when it passes unanswered the
watcher records one `Breach` for that deadline and the window starts again from it
(a listener who stays silent misses one deadline per window, and enough consecutive
misses end the session). Every row here is written by the reply-clock services only
(`sessions.services.clocks`, `.watcher`, `.compensation`, `.pauses`); no API or admin
page can change them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReplyClock(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for a reply")
        ANSWERED = "answered", _("Answered")
        STOPPED = "stopped", _("Stopped (the session ended)")

    order = models.ForeignKey(
        "live_sessions.Order", on_delete=models.CASCADE, related_name="+", verbose_name=_("order")
    )
    # Denormalised from the order so a listener's 30-day figures are one indexed query.
    # Indexed by clock_listener_closed_idx (listener first): no second index to write.
    listener = models.ForeignKey(
        "listeners.ListenerProfile",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("listener"),
    )
    # The first unanswered client message (server time) and the reply that closed it.
    opened_by = models.OneToOneField(
        "live_sessions.Message",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("opening message"),
    )
    opened_at = models.DateTimeField(verbose_name=_("opened at"))
    window_seconds = models.PositiveIntegerField(verbose_name=_("reply window (seconds)"))
    # The deadline now running. It moves on by one window after each breach and later
    # by the length of an agreed pause.
    deadline = models.DateTimeField(verbose_name=_("deadline"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    # Unique while set (clock_closed_by_unique): a partial index, so the watcher's
    # re-arm of open clocks (closed_by null) writes no entry into it.
    closed_by = models.ForeignKey(
        "live_sessions.Message",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("closing message"),
    )
    # Reply time minus time spent in agreed pauses, for answered clocks.
    latency_ms = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("latency (ms)"))
    # Breaches recorded on this clock.
    missed = models.PositiveSmallIntegerField(default=0, verbose_name=_("missed deadlines"))

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("reply clock")
        verbose_name_plural = _("reply clocks")
        indexes = [
            # The watcher's only query: open clocks by deadline. Partial, so its size (and
            # the sweep's cost) follows the open clocks, never the history.
            models.Index(
                fields=["deadline"], condition=Q(status="open"), name="clock_open_due_idx"
            ),
            # Reputation reads closed clocks only; partial, so open ones cost it nothing.
            models.Index(
                fields=["listener", "closed_at"],
                condition=Q(closed_at__isnull=False),
                name="clock_listener_closed_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="open"), name="clock_one_open_per_order"
            ),
            models.UniqueConstraint(
                fields=["closed_by"],
                condition=Q(closed_by__isnull=False),
                name="clock_closed_by_unique",
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | (~Q(status="open") & Q(closed_at__isnull=False)),
                name="clock_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("opened_at")), name="clock_deadline_after_open"
            ),
        ]

    def __str__(self) -> str:
        return f"clock {self.pk} of order {self.order_id} ({self.status})"


class Breach(models.Model):
    """One missed deadline. The unique (clock, deadline) pair makes the outcome of a
    deadline exactly-once whoever records it (the watcher, a late reply, a second worker)."""

    # clock and listener lead the indexes below (breach_once_per_deadline,
    # breach_listener_idx): no single-column index of their own to write per breach.
    clock = models.ForeignKey(
        ReplyClock,
        on_delete=models.PROTECT,
        related_name="breaches",
        db_index=False,
        verbose_name=_("reply clock"),
    )
    # order and listener are copies of the clock's, which the clock's own foreign keys
    # guard; checking them again would cost the watcher two lookups per breach at commit.
    order = models.ForeignKey(
        "live_sessions.Order",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        verbose_name=_("order"),
    )
    listener = models.ForeignKey(
        "listeners.ListenerProfile",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("listener"),
    )
    deadline = models.DateTimeField(verbose_name=_("deadline"))
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"))
    # Consecutive misses of the order up to and including this one.
    streak = models.PositiveSmallIntegerField(verbose_name=_("consecutive misses"))
    # What the contract grants for this miss (percent of the price, within the cap).
    refund_fen = models.BigIntegerField(verbose_name=_("refund (fen)"))
    # This miss reached the order's consecutive-miss limit and ended the session.
    terminated = models.BooleanField(default=False, verbose_name=_("ended the session"))
    # Set when the deadline fell in a measured outage of the platform (or its grace):
    # the listener could not have replied. An excused miss grants no refund, does not
    # count towards the consecutive-miss limit (its `streak` repeats the one before) and
    # never ends the session.
    excused_by = models.ForeignKey(
        "marketplace.Outage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("excused by outage"),
    )
    # Set once the refunds for this breach were issued (or found not to apply); the
    # watcher retries breaches left without it (e.g. a worker killed after the commit).
    compensated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("compensated at"))

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("breach")
        verbose_name_plural = _("breaches")
        indexes = [
            models.Index(fields=["listener", "recorded_at"], name="breach_listener_idx"),
            models.Index(
                fields=["recorded_at"],
                condition=Q(compensated_at__isnull=True),
                name="breach_uncompensated_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["clock", "deadline"], name="breach_once_per_deadline"),
            models.CheckConstraint(
                condition=Q(refund_fen__gte=0), name="breach_refund_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(streak__gte=1) | Q(excused_by__isnull=False),
                name="breach_streak_positive",
            ),
            models.CheckConstraint(
                condition=Q(excused_by__isnull=True) | Q(refund_fen=0, terminated=False),
                name="breach_excused_costs_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"breach {self.pk} of order {self.order_id}"


MIN_PAUSE_SECONDS = 60
MAX_PAUSE_SECONDS = 15 * 60


class Pause(models.Model):
    """A short break the listener asks for and the client accepts (never one-sided)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Asked")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Not answered")

    order = models.ForeignKey(
        "live_sessions.Order", on_delete=models.CASCADE, related_name="+", verbose_name=_("order")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    seconds = models.PositiveIntegerField(verbose_name=_("length (seconds)"))
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.REQUESTED, verbose_name=_("state")
    )
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("requested at"))
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered at"))
    # For an accepted pause: it starts when the client accepts.
    starts_at = models.DateTimeField(null=True, blank=True, verbose_name=_("starts at"))
    ends_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ends at"))

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(state="requested"), name="pause_one_open_request"
            ),
            models.CheckConstraint(
                condition=Q(seconds__gte=MIN_PAUSE_SECONDS, seconds__lte=MAX_PAUSE_SECONDS),
                name="pause_length_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(starts_at__isnull=False, ends_at__isnull=False),
                name="pause_accepted_has_times",
            ),
        ]

    def __str__(self) -> str:
        return f"pause {self.pk} of order {self.order_id} ({self.state})"
