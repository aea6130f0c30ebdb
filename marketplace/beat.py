"""A beat scheduler that records a heartbeat on every tick, for /healthz, and probes the
database and Redis on each tick so that outages of either are measured and recorded
(`marketplace.outages`: deadlines falling in one are excused)."""

from celery.beat import PersistentScheduler

from marketplace import heartbeats, outages
from marketplace.models import Outage


class HeartbeatScheduler(PersistentScheduler):
    _observer: outages.OutageObserver | None = None

    def tick(self, *args, **kwargs):
        if self._observer is None:
            self._observer = outages.OutageObserver("beat")
        redis_ok = heartbeats.beat_record_or_log("beat")  # Redis down: beat keeps scheduling
        # Before anything is scheduled: an outage that just ended is on record before the
        # watcher's next run can look at the deadlines that fell in it.
        self._observer.observe(Outage.Cause.DATABASE, outages.database_probe())
        self._observer.observe(Outage.Cause.REDIS, redis_ok)
        # Tick at least once a second so that the heartbeat and the sub-second jobs stay fresh.
        return min(super().tick(*args, **kwargs), 1.0)
