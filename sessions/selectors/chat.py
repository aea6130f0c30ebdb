"""Reads of the live chat: who may touch which session, transcripts, dashboards."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from listeners.models import ListenerProfile
from marketplace.exceptions import NotFound
from marketplace.models import User
from sessions.models import Message, Order, Plan, ReadMarker

# Orders whose chat a participant may open: about to start, running, or just over
# (the transcript stays readable; sending is refused unless the session is active).
CHAT_STATES = frozenset(
    {
        Order.State.ACCEPTED,
        Order.State.ACTIVE,
        Order.State.COMPLETED,
        Order.State.TERMINATED,
        Order.State.SETTLED,
    }
)
# Orders a socket subscribes to when it connects.
SUBSCRIBED_STATES = frozenset({Order.State.ACCEPTED, Order.State.ACTIVE})
TRANSCRIPT_PAGE = 200


def _participant_filter(user: User) -> Q:
    return Q(client_id=user.pk) | Q(listener__user_id=user.pk)


def access_order_for_user(*, user: User, order_id: int) -> Order:
    """The order if `user` is its client or its listener; NotFound otherwise (the same
    answer for someone else's order as for no order, so ids leak nothing)."""
    if not user.is_authenticated:
        raise NotFound(_("No such session."))
    order = (
        Order.objects.filter(_participant_filter(user), pk=order_id, state__in=CHAT_STATES)
        .select_related("listener")
        .first()
    )
    if order is None:
        raise NotFound(_("No such session."))
    return order


def role_in_order(*, order: Order, user_id: int) -> str:
    return "client" if order.client_id == user_id else "listener"


def other_party_id(*, order: Order, user_id: int) -> int:
    return order.listener.user_id if order.client_id == user_id else order.client_id


def subscribed_order_ids(*, user: User) -> set[int]:
    """Sessions a newly connected socket listens to."""
    return set(
        Order.objects.filter(_participant_filter(user), state__in=SUBSCRIBED_STATES).values_list(
            "pk", flat=True
        )
    )


def messages_after(
    *, order: Order, after_seq: int, limit: int = TRANSCRIPT_PAGE, until_seq: int | None = None
) -> list[Message]:
    messages = Message.objects.filter(order=order, seq__gt=after_seq)
    if until_seq is not None:
        messages = messages.filter(seq__lte=until_seq)
    return list(messages.order_by("seq")[: max(1, limit)])


def last_seq(*, order_id: int) -> int:
    return Message.objects.filter(order_id=order_id).aggregate(m=Max("seq"))["m"] or 0


def read_seqs(*, order: Order) -> dict[int, int]:
    """user id -> the seq that user has read up to."""
    return dict(ReadMarker.objects.filter(order=order).values_list("user_id", "seq"))


@dataclass(frozen=True)
class DashboardRow:
    order: Order
    unread: int
    last_seq: int
    last_text: str
    last_sender_id: int | None
    my_read_seq: int
    other_read_seq: int


def chat_sessions_for_user(*, user: User, states=SUBSCRIBED_STATES) -> QuerySet[Order]:
    """The user's sessions with unread count and last message, in one query."""
    mine = ReadMarker.objects.filter(order=OuterRef("pk"), user_id=user.pk).values("seq")[:1]
    theirs = (
        ReadMarker.objects.filter(order=OuterRef("pk")).exclude(user_id=user.pk).values("seq")[:1]
    )
    last = Message.objects.filter(order=OuterRef("pk")).order_by("-seq")
    return (
        Order.objects.filter(_participant_filter(user), state__in=states)
        .select_related("listener", "client")
        .annotate(
            my_read_seq=Coalesce(Subquery(mine), 0),
            other_read_seq=Coalesce(Subquery(theirs), 0),
            last_seq=Coalesce(Subquery(last.values("seq")[:1]), 0),
            last_text=Subquery(last.values("text")[:1]),
            last_sender_id=Subquery(last.values("sender_id")[:1]),
        )
        .order_by("ends_at", "pk")
    )


def dashboard_rows(*, user: User) -> list[DashboardRow]:
    orders = list(chat_sessions_for_user(user=user))
    unread = _unread_counts(user=user, orders=orders)
    return [
        DashboardRow(
            order=order,
            unread=unread.get(order.pk, 0),
            last_seq=order.last_seq,
            last_text=order.last_text or "",
            last_sender_id=order.last_sender_id,
            my_read_seq=order.my_read_seq,
            other_read_seq=order.other_read_seq,
        )
        for order in orders
    ]


def _unread_counts(*, user: User, orders: list[Order]) -> dict[int, int]:
    """Messages from others past my read marker, per order, in one query."""
    if not orders:
        return {}
    marker = {order.pk: order.my_read_seq for order in orders}
    condition = Q()
    for order_id, seq in marker.items():
        condition |= Q(order_id=order_id, seq__gt=seq)
    rows = (
        Message.objects.filter(condition)
        .exclude(sender_id=user.pk)
        .values("order_id")
        .annotate(n=Count("pk"))
    )
    return {row["order_id"]: row["n"] for row in rows}


def active_session_count(*, listener_id: int) -> int:
    return Order.objects.filter(listener_id=listener_id, state=Order.State.ACTIVE).count()


@dataclass(frozen=True)
class SyncPage:
    """One page of a resync: the order, its message, read and state frames, whether more
    messages follow, and the last seq the page holds."""

    order: Order
    frames: list[dict[str, Any]]
    more: bool
    last_seq: int


def sync_page(
    *, user: User, order_id: int, after_seq: int, until_seq: int | None = None
) -> SyncPage:
    """The chat's part of a resync (`chat.sync_frames` adds the clock's and safety's):
    every message past `after_seq` (up to `until_seq` when given; one page), both read
    markers and the session's state. State frames say the current state, so a resync
    also mends a lost `session.state` push."""
    from sessions import events  # events imports nothing from here; kept local for clarity

    order = access_order_for_user(user=user, order_id=order_id)
    messages = messages_after(
        order=order, after_seq=after_seq, limit=TRANSCRIPT_PAGE + 1, until_seq=until_seq
    )
    more = len(messages) > TRANSCRIPT_PAGE
    messages = messages[:TRANSCRIPT_PAGE]
    frames: list[dict[str, Any]] = []
    for message in messages:
        role = events.sender_role(message, client_user_id=order.client_id)
        frames.append(events.message_frame(message, role=role))
    for reader_id, seq in read_seqs(order=order).items():
        role = role_in_order(order=order, user_id=reader_id)
        frames.append(events.read_frame(order_id=order.pk, user_id=reader_id, role=role, seq=seq))
    frames.append(events.session_state_frame(order))
    last = messages[-1].seq if messages else after_seq
    return SyncPage(order=order, frames=frames, more=more, last_seq=last)


def socket_access_ok(*, user_id: int | None, session_key: str | None) -> bool:
    """A socket may stay open while its web session still exists, still belongs to the
    user, and still carries the user's session auth hash (which mixes in the session
    epoch, so "log out everywhere" invalidates it), and the user is active."""
    if user_id is None or not session_key:
        return False
    engine = import_module(settings.SESSION_ENGINE)
    data = engine.SessionStore(session_key=session_key).load()
    if str(data.get(SESSION_KEY)) != str(user_id):
        return False
    user = User.objects.filter(pk=user_id, is_active=True).first()
    stored = data.get(HASH_SESSION_KEY) or ""
    return user is not None and constant_time_compare(stored, user.get_session_auth_hash())


def listener_id_for_user(*, user_id: int) -> int | None:
    return ListenerProfile.objects.filter(user_id=user_id).values_list("pk", flat=True).first()


def role_for_user(*, order_id: int, user_id: int) -> str:
    client_id = Order.objects.filter(pk=order_id).values_list("client_id", flat=True).first()
    return "client" if client_id == user_id else "listener"


def orders_waiting_answer(*, listener_id: int) -> tuple[list[Order], list[Plan]]:
    """What the listener still has to accept or decline, soonest first, in one query:
    paid instant orders and appointments, and plans (whose days are answered together)."""
    waiting = (
        Order.objects.filter(listener_id=listener_id, state=Order.State.PAID)
        .select_related("client", "plan__client")
        .order_by("accept_deadline", "pk")
    )
    orders, plans = [], {}
    for order in waiting:
        if order.plan is None:
            orders.append(order)
        else:
            plans.setdefault(order.plan.pk, order.plan)
    return orders, list(plans.values())


def last_seqs(*, order_ids: set[int] | list[int]) -> dict[int, int]:
    """order id -> its last seq, for the sessions a socket follows (one query)."""
    if not order_ids:
        return {}
    rows = (
        Message.objects.filter(order_id__in=list(order_ids))
        .values("order_id")
        .annotate(last=Max("seq"))
        .values_list("order_id", "last")
    )
    return dict.fromkeys(order_ids, 0) | dict(rows)


def listener_status(*, listener_id: int) -> tuple[str, str]:
    """(presence clients see, the listener's own choice) for the dashboard."""
    from listeners.models import ListenerProfile

    return (
        ListenerProfile.objects.filter(pk=listener_id).values_list("presence", "availability").get()
    )
