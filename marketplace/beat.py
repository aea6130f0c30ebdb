"""A beat scheduler that records a heartbeat on every tick, for /healthz."""

import logging

from celery.beat import PersistentScheduler
from redis.exceptions import RedisError

from marketplace import heartbeats

logger = logging.getLogger(__name__)


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs):
        try:
            heartbeats.beat_record("beat")
        except RedisError:  # Redis down: beat keeps scheduling; /healthz will say so.
            logger.warning("could not record the beat heartbeat", exc_info=True)
        # Tick at least once a second so that the heartbeat and the sub-second jobs stay fresh.
        return min(super().tick(*args, **kwargs), 1.0)
