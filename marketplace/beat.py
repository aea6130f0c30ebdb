"""A beat scheduler that records a heartbeat on every tick, for /healthz."""

from celery.beat import PersistentScheduler

from marketplace import heartbeats


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs):
        heartbeats.beat_record_or_log("beat")  # Redis down: beat keeps scheduling
        # Tick at least once a second so that the heartbeat and the sub-second jobs stay fresh.
        return min(super().tick(*args, **kwargs), 1.0)
