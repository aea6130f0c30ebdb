"""Reads of orders for their owners: permission-checked fetches and lists."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from marketplace.exceptions import NotFound
from sessions.models import Order


def access_order_for_user(*, user, order_id, as_client: bool = False) -> Order:
    """The order if `user` is its client (or, unless `as_client`, its listener or staff).
    Anyone else gets NotFound, as if it did not exist."""
    try:
        order_id = int(order_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such order.")) from None
    order = (
        Order.objects.select_related("listener", "listener__user", "tier", "client")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(_("No such order."))
    if order.client_id == user.pk:
        return order
    if not as_client and (order.listener.user_id == user.pk or user.is_staff):
        return order
    raise NotFound(_("No such order."))


def orders_for_client(*, client) -> QuerySet[Order]:
    return (
        Order.objects.filter(client=client)
        .select_related("listener", "tier")
        .order_by("-created_at", "-id")
    )


def client_sessions_since(*, client_id: int, since) -> list[dict]:
    """The client's sessions that went live (were activated) from `since`, oldest first,
    with their listener: what the client's usage figures are computed from. One query."""
    return list(
        Order.objects.filter(client_id=client_id, activated_at__gte=since)
        .order_by("activated_at")
        .values(
            "id",
            "listener_id",
            "listener__display_name",
            "activated_at",
            "ended_at",
            "ends_at",
        )
    )
