"""Celery edges of payments: each takes ids, calls one service, is safe to run twice."""

from celery import shared_task
from django.db import transaction

from payments.services import refunds, settlement, webhooks


@shared_task(name="payments.event_process", time_limit=60, ignore_result=True)
def event_process(event_pk: int) -> None:
    webhooks.event_process(event_pk=event_pk)


def enqueue_event_process(*, event_pk: int) -> None:
    """After commit; if the enqueue is lost, `payments.events_sweep` processes it."""
    transaction.on_commit(lambda: event_process.delay(event_pk))


@shared_task(name="payments.events_sweep", time_limit=120, ignore_result=True)
def events_sweep() -> int:
    return webhooks.events_process_pending()


@shared_task(name="payments.refunds_reconcile", time_limit=300, ignore_result=True)
def refunds_reconcile() -> int:
    return refunds.refunds_reconcile()


@shared_task(name="payments.settlement_sweep", time_limit=300, ignore_result=True)
def settlement_sweep() -> int:
    return settlement.settlement_sweep()


@shared_task(name="payments.wallet_refunds_reconcile", time_limit=300, ignore_result=True)
def wallet_refunds_reconcile() -> int:
    from payments.wallet.services import wallet_refunds_reconcile as reconcile

    return reconcile()
