"""The single way an order changes state: lock the row, check the table, write."""

from django.db import transaction
from django.utils import timezone

from sessions.exceptions import InvalidTransition
from sessions.models import Order

# Timestamp field stamped when an order enters a state.
STAMPS = {
    Order.State.PAID: "paid_at",
    Order.State.ACCEPTED: "accepted_at",
    Order.State.ACTIVE: "activated_at",
    Order.State.COMPLETED: "ended_at",
    Order.State.TERMINATED: "ended_at",
    Order.State.CANCELLED: "ended_at",
    Order.State.EXPIRED: "ended_at",
    Order.State.DECLINED: "ended_at",
    Order.State.SETTLED: "settled_at",
}


def order_lock(*, order_id: int) -> Order:
    """The order row, locked until the surrounding transaction ends."""
    return Order.objects.select_for_update().get(pk=order_id)


@transaction.atomic
def order_transition(*, order_id: int, to: str, now=None, **fields) -> Order:
    """Move the order to `to` if the table allows it from the state read under the lock.

    Raises InvalidTransition otherwise, so a duplicated task or a race loses cleanly.
    Extra `fields` are written in the same UPDATE (e.g. end_reason).
    """
    order = order_lock(order_id=order_id)
    if not order.can_move_to(to):
        raise InvalidTransition(current=order.state, wanted=to)
    order.state = to
    stamp = STAMPS.get(to)
    if stamp:
        setattr(order, stamp, now or timezone.now())
    for name, value in fields.items():
        setattr(order, name, value)
    order.save(update_fields=["state", *([stamp] if stamp else []), *fields])
    return order
