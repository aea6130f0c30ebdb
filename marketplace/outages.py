"""Outages of the platform's own dependencies, measured by the platform itself.

A process that probes the database and Redis regularly (beat on every tick, the reply
clock's watcher on each run) keeps an `OutageObserver` and tells it each probe's result.
The observer writes an `Outage` row for every stretch in which a dependency did not
answer: an outage of Redis while it lasts (the database can record it; each failing probe
moves its end on, the first good one closes it); an outage of the database once it
answers again. Reply deadlines
falling in an outage (or up to `OUTAGE_GRACE_SECONDS` after it, while pages retry and
reconnect) are excused (`sessions.services.clocks`, docs/reply-clock.md).

An observer's state is the process's own observation until it is written; nothing
another process needs lives in it.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from marketplace.models import Outage

logger = logging.getLogger(__name__)


def grace() -> timedelta:
    return timedelta(seconds=settings.OUTAGE_GRACE_SECONDS)


def database_probe() -> bool:
    """True if the database answers `SELECT 1`. A connection the server dropped (e.g. a
    restart) fails once and is replaced: tried again once on a new connection."""
    for _attempt in range(2):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        except DatabaseError:
            connection.close()
    return False


class OutageObserver:
    """One process's view of its dependencies, turned into `Outage` rows.

    A prober that runs every second (beat, the watcher) dates an outage from its last
    good probe (`since_last_ok`); a process that only finds out when it is used (the chat
    socket's database lanes) dates it from the first failure."""

    def __init__(self, observed_by: str, *, since_last_ok: bool = True) -> None:
        self.observed_by = observed_by
        self.since_last_ok = since_last_ok
        self.last_ok: dict[str, datetime] = {}
        self.down: dict[str, tuple[datetime, int | None]] = {}  # cause -> (since, row id)
        self._lock = threading.Lock()  # the chat's lanes are threads

    def observe(self, cause: str, ok: bool, *, now: datetime | None = None) -> None:
        now = now or timezone.now()
        if ok:
            self.last_ok[cause] = now
            if cause in self.down:
                with self._lock:
                    if cause in self.down:
                        self._close(cause, now)
            return
        with self._lock:
            if cause in self.down:
                since, row_id = self.down[cause]
            else:
                since = self.last_ok.get(cause, now) if self.since_last_ok else now
                row_id = None
                self.down[cause] = (since, None)
                logger.warning("%s: %s unavailable since %s", self.observed_by, cause, since)
            if cause != Outage.Cause.DATABASE:
                self._record_so_far(cause, since, row_id, now)

    def _record_so_far(self, cause: str, since: datetime, row_id: int | None, now: datetime):
        """While it lasts (only possible while the database answers): the outage as far
        as it has been seen."""
        try:
            if row_id is None:
                row = Outage.objects.create(
                    cause=cause, started_at=since, ended_at=now, observed_by=self.observed_by
                )
                self.down[cause] = (since, row.pk)
            else:
                Outage.objects.filter(pk=row_id).update(ended_at=now)
        except DatabaseError:
            logger.warning("could not record the %s outage yet", cause)

    def _close(self, cause: str, now: datetime) -> None:
        since, row_id = self.down[cause]
        try:
            if row_id is None:
                Outage.objects.create(
                    cause=cause, started_at=since, ended_at=now, observed_by=self.observed_by
                )
            else:
                Outage.objects.filter(pk=row_id).update(ended_at=now)
        except DatabaseError:
            logger.warning("could not record the end of the %s outage yet", cause)
            return  # tried again on the next probe
        del self.down[cause]
        logger.warning(
            "%s: %s available again after %.1f s",
            self.observed_by,
            cause,
            (now - since).total_seconds(),
        )


def outages_around(*, start: datetime, end: datetime) -> list[Outage]:
    """Outages that excuse a deadline between `start` and `end` (one indexed query)."""
    return list(
        Outage.objects.filter(started_at__lte=end)
        .exclude(ended_at__lt=start - grace())
        .order_by("started_at")
    )


def outage_covering(deadline: datetime, outages: list[Outage]) -> Outage | None:
    """The outage (from `outages_around`) during which, or within the grace after which,
    `deadline` fell; None if it fell while the platform was available."""
    for outage in outages:
        if outage.started_at <= deadline <= outage.ended_at + grace():
            return outage
    return None
