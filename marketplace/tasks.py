from celery import shared_task

from marketplace import heartbeats, services


@shared_task(name="marketplace.worker_heartbeat", time_limit=10, ignore_result=True)
def worker_heartbeat() -> None:
    heartbeats.beat_record("worker")


@shared_task(name="marketplace.sms_codes_purge", time_limit=60, ignore_result=True)
def sms_codes_purge() -> None:
    services.sms_codes_purge()
