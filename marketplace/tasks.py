from celery import shared_task

from marketplace import heartbeats


@shared_task(name="marketplace.worker_heartbeat", time_limit=10, ignore_result=True)
def worker_heartbeat() -> None:
    heartbeats.beat_record("worker")
