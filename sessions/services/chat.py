"""The message pipeline: validate -> scan and assess -> persist with the next seq -> steps -> ack.

`message_send` is the one way a chat message enters the system. Inside one transaction
it locks the order row (which serialises senders of the same session and orders them
against the session ending), returns the original message for a resent `client_id`,
masks personal data, writes the row with `seq = last seq + 1`, then runs its steps, by
name and in this order: the push to the other side, the reply clock (a client message
opens a deadline, the listener's reply closes it; a streak of misses may end the
session), the safety step (risk, guidance, staff alert, paging). A step that raises rolls
the message back. The caller acknowledges only after this returns, so an ack always means
"committed". Everything the other side sees is sent after commit (`events.send_on_commit`).

`sync_frames` answers a socket that resyncs, with the same sub-domains' current state.
Adding a step or a resync frame is one call here (CONTRIBUTING.md).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from listeners.models import ListenerProfile
from marketplace.exceptions import NotFound
from marketplace.models import User
from sessions import events
from sessions.exceptions import InvalidMessage, SessionClosed
from sessions.models import Message, Order, QuickReply, ReadMarker
from sessions.risk import assess_message
from sessions.safety import ScanResult, scan
from sessions.selectors import chat as chat_selectors
from sessions.selectors.chat import CHAT_STATES, last_seq, role_in_order
from sessions.services import clocks, handover, safety
from sessions.services.transcript import MessageContext

MAX_TEXT_CHARS = 2000
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass(frozen=True)
class SendResult:
    message: Message
    duplicate: bool  # True: the client_id was seen before, nothing new was stored
    masked: tuple[str, ...] = ()


# --- Validation --------------------------------------------------------------------------


def message_text_validate(*, text: object) -> str:
    """The text to store: trimmed, 1-2000 characters, no control characters but newlines.

    Lone surrogates (which JSON can smuggle in as "\\ud800") and NUL are refused too.
    """
    if not isinstance(text, str):
        raise InvalidMessage(_("A message must be text."))
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise InvalidMessage(_("A message cannot be empty."))
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidMessage(
            _("A message can be at most %(max)d characters.") % {"max": MAX_TEXT_CHARS}
        )
    for char in text:
        if char == "\n":
            continue
        category = unicodedata.category(char)
        if category == "Cc" or category == "Cs":
            raise InvalidMessage(_("A message cannot contain control characters."))
    return text


def client_id_validate(*, client_id: object) -> str:
    if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
        raise InvalidMessage(_("Each message needs a client_id of 1-64 letters or digits."))
    return client_id


# --- Pipeline steps ----------------------------------------------------------------------


def step_push_message(ctx: MessageContext) -> None:
    """After commit: the new message to every socket of both sides but the sending one,
    which gets its ack instead (the sender's other tabs do get it)."""
    frame = events.message_frame(ctx.message, role=ctx.sender_role)
    events.send_on_commit(
        events.order_group(ctx.order.pk), frame, exclude_channel=ctx.origin_channel
    )


# --- Services ----------------------------------------------------------------------------


@functools.cache
def _order_lock_sql(alias: str) -> str:
    """The order lock's SQL for database `alias`, built once (it runs for every message)."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    lock = " FOR UPDATE OF o" if connection.features.has_select_for_update_of else ""
    fields = Order._meta.concrete_fields
    columns = ", ".join(f"o.{quote(field.column)}" for field in fields)
    # The listener's user through a subquery, not a join: a lock that waited on a
    # hand-over re-reads the order row, and a join would still hold the previous
    # listener's row and drop the order (the client's message refused as not found).
    # Identifiers come from model metadata; every value is a parameter.
    return (
        f"SELECT {columns}, (SELECT l.{quote('user_id')} "  # noqa: S608
        f"FROM {quote(ListenerProfile._meta.db_table)} l WHERE l.{quote('id')} = o."
        f"{quote(Order._meta.get_field('listener').column)}) "
        f"FROM {quote(Order._meta.db_table)} o "
        f"WHERE o.{quote('id')} = %s AND o.{quote('state')} "
        f"IN ({', '.join(['%s'] * len(CHAT_STATES))}){lock}"
    )


def _order_lock_for_participant(*, user: User, order_id: int) -> Order:
    """The order, row-locked, if `user` is its client or listener and it is in a chat
    state; NotFound otherwise.

    Written out rather than built by the ORM: it runs for every message and read
    receipt, and compiling the equivalent select_for_update().select_related() queryset
    cost more CPU than the rest of the message pipeline (docs/chat.md, Benchmark).
    """
    connection = connections[Order.objects.db]
    sql = _order_lock_sql(connection.alias)
    states = sorted(CHAT_STATES)
    with connection.cursor() as cursor:
        cursor.execute(sql, [order_id, *states])
        row = cursor.fetchone()
    if row is None or user.pk not in (row[-1], row[_client_column_index()]):
        raise NotFound(_("No such session."))
    values = list(row[:-1])
    for n, convert, col in _order_converters(connection):
        values[n] = convert(values[n], col, connection)
    order = Order.from_db(connection.alias, _order_attnames(), values)
    order.listener_user_id = row[-1]
    return order


@functools.cache
def _order_attnames() -> list[str]:
    return [field.attname for field in Order._meta.concrete_fields]


@functools.cache
def _client_column_index() -> int:
    return _order_attnames().index("client_id")


_ORDER_CONVERTERS: dict[str, list] = {}


def _order_converters(connection) -> list:
    """What the ORM would apply to each column of an Order row (e.g. JSON decoding), as
    (index, converter, column); computed once per database alias."""
    found = _ORDER_CONVERTERS.get(connection.alias)
    if found is None:
        found = []
        for n, field in enumerate(Order._meta.concrete_fields):
            col = field.get_col(Order._meta.db_table)
            for converter in [
                *connection.ops.get_db_converters(col),
                *col.get_db_converters(connection),
            ]:
                found.append((n, converter, col))
        _ORDER_CONVERTERS[connection.alias] = found
    return found


def message_send(
    *,
    user: User,
    order_id: int,
    client_id: str,
    text: str,
    now: datetime | None = None,
    origin_channel: str | None = None,
) -> SendResult:
    """Store one chat message from `user` (the order's client or listener).

    `origin_channel` is the sending socket's channel name, left out of the push.

    Raises InvalidMessage, NotFound (not a participant, or no such order) or SessionClosed;
    in each case nothing is stored and nothing is sent.
    """
    clean = message_text_validate(text=text)
    client_id = client_id_validate(client_id=client_id)
    with transaction.atomic():
        order = _order_lock_for_participant(user=user, order_id=order_id)
        if order.state != Order.State.ACTIVE:
            existing = _message_by_client_id(order=order, user=user, client_id=client_id)
            if existing is not None:  # a resend of a message stored while it was running
                return SendResult(message=existing, duplicate=True, masked=tuple(existing.masked))
            raise SessionClosed(_("This session is not running."))
        if order.paused_at is not None:
            raise SessionClosed(
                _("The session is paused until the client tops up."), code="session_paused"
            )
        now = now or timezone.now()
        result = scan(clean)
        message = _message_insert(
            order=order, sender=user, client_id=client_id, scan=result, now=now
        )
        if message is None:  # the client_id was stored before: answer with the original
            existing = _message_by_client_id(order=order, user=user, client_id=client_id)
            return SendResult(message=existing, duplicate=True, masked=tuple(existing.masked))
        ctx = MessageContext(
            order=order,
            message=message,
            sender=user,
            sender_role=role_in_order(order=order, user_id=user.pk),
            scan=result,
            now=now,
            origin_channel=origin_channel,
            risk=assess_message(clean),
        )
        step_push_message(ctx)
        clocks.step_reply_clock(ctx)
        safety.step_safety(ctx)
    return SendResult(message=message, duplicate=False, masked=result.masked)


def sync_frames(
    *, user: User, order_id: int, after_seq: int, until_seq: int | None = None
) -> list[dict[str, Any]]:
    """What a socket needs after a reconnect or a gap: the chat's page (messages past
    `after_seq`, read markers, the session's state), the running clock, then — on the last
    page only, so they come once, after every message — the frames that depend on who
    receives them (an open escalation's crisis panel) and an open hand-over proposal, then
    `sync.done`."""
    page = chat_selectors.sync_page(
        user=user, order_id=order_id, after_seq=after_seq, until_seq=until_seq
    )
    frames = [*page.frames, *clocks.clock_frames_for_sync(page.order)]
    if not page.more:
        frames.extend(safety.crisis_frames_for_sync(page.order, user))
        frames.extend(handover.handover_frames_for_sync(page.order))
    frames.append(
        {
            "type": "sync.done",
            "session": page.order.pk,
            "last_seq": page.last_seq,
            "more": page.more,
        }
    )
    return frames


def _message_by_client_id(*, order: Order, user: User, client_id: str) -> Message | None:
    return Message.objects.filter(order=order, sender=user, client_id=client_id).first()


@functools.cache
def _message_insert_sql(alias: str, names: tuple[str, ...]) -> str:
    """The message INSERT's SQL for database `alias` and the fields `names`, built once."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = Message._meta
    columns = [quote(meta.get_field(name).column) for name in names]
    table = quote(meta.db_table)
    seq, order_col = quote("seq"), quote("order_id")
    client_col, sender_col = quote("client_id"), quote("sender_id")
    # Identifiers come from model metadata; every value is a parameter.
    return (
        f"INSERT INTO {table} ({', '.join(columns)}, {seq}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))}, "
        f"(SELECT COALESCE(MAX({seq}), 0) + 1 FROM {table} WHERE {order_col} = %s)) "
        f"ON CONFLICT ({order_col}, {sender_col}, {client_col}) "
        f"WHERE NOT ({client_col} = '') DO NOTHING "
        f"RETURNING {quote('id')}, {seq}"
    )


def _message_insert(
    *, order: Order, sender: User, client_id: str, scan: ScanResult, now: datetime
) -> Message | None:
    """Write a text message with seq = last seq + 1 in one statement, or None (nothing
    written) if `(order, sender, client_id)` exists already.

    One round trip instead of three (dedupe lookup, max(seq), insert): the seq is a
    subquery of the INSERT and the dedupe is the unique constraint's ON CONFLICT DO
    NOTHING. The caller holds the order's row lock, so the seq is gap-free; the
    (order, seq) unique constraint stays the backstop.
    """
    connection = connections[Message.objects.db]
    fields = Message._meta
    values = {
        "order_id": order.pk,
        "kind": Message.Kind.TEXT,
        "sender_id": sender.pk,
        "text": scan.text,
        "system_code": "",
        "masked": list(scan.masked),
        "client_id": client_id,
        "created_at": now,
    }
    params = [
        fields.get_field(name).get_db_prep_save(value, connection) for name, value in values.items()
    ]
    sql = _message_insert_sql(connection.alias, tuple(values))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, order.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    message = Message(id=row[0], seq=row[1], **values)
    message._state.adding = False
    message._state.db = connection.alias
    message.order = order  # the locked instance: steps and frames need no query
    message.sender = sender
    return message


def _read_marker_advance(*, order_id: int, user_id: int, seq: int) -> bool:
    """Move the marker forward to `seq`; never backwards. True if it moved."""
    moved = ReadMarker.objects.filter(order_id=order_id, user_id=user_id, seq__lt=seq).update(
        seq=seq, updated_at=timezone.now()
    )
    if moved:
        return True
    _marker, created = ReadMarker.objects.get_or_create(
        order_id=order_id, user_id=user_id, defaults={"seq": seq}
    )
    return created


def messages_mark_read(*, user: User, order_id: int, seq: int) -> int:
    """Record that `user` has read `order_id` up to `seq` (clamped to the last message).

    Returns the marker's seq. Pushes `read` to the session after commit if it moved.
    """
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise InvalidMessage(_("seq must be a non-negative integer."))
    with transaction.atomic():
        order = _order_lock_for_participant(user=user, order_id=order_id)
        target = min(seq, last_seq(order_id=order.pk))
        moved = target > 0 and _read_marker_advance(order_id=order.pk, user_id=user.pk, seq=target)
        if not moved:
            current = (
                ReadMarker.objects.filter(order=order, user=user)
                .values_list("seq", flat=True)
                .first()
                or 0
            )
        else:  # the marker now stands at `target`; no need to read it back
            current = target
            events.send_on_commit(
                events.order_group(order.pk),
                events.read_frame(
                    order_id=order.pk,
                    user_id=user.pk,
                    role=role_in_order(order=order, user_id=user.pk),
                    seq=current,
                ),
            )
    return current


def instant_order_announce(*, order: Order) -> None:
    """After commit: a paid instant order to its listener's sockets, so the dashboard
    lists it with accept/decline while its window runs. Anything else is ignored."""
    if order.kind not in Order.NOW_KINDS or order.state != Order.State.PAID:
        return
    frame = events.instant_order_frame(
        order,
        client_name=str(order.client),
        answer_url=reverse("sessions:instant_order_answer", args=[order.pk]),
    )
    events.send_on_commit(events.user_group(order.listener.user_id), frame)


MAX_QUICK_REPLIES = 20


def quick_reply_add(*, user: User, text: str) -> QuickReply:
    """A canned answer for the listener's dashboard (same rules as a message, ≤ 500)."""
    clean = message_text_validate(text=text)
    if len(clean) > 500:
        raise InvalidMessage(_("A quick reply can be at most 500 characters."))
    if QuickReply.objects.filter(user=user).count() >= MAX_QUICK_REPLIES:
        raise InvalidMessage(
            _("You can keep at most %(max)d quick replies.") % {"max": MAX_QUICK_REPLIES}
        )
    return QuickReply.objects.create(user=user, text=clean)


def quick_reply_delete(*, user: User, reply_id: int) -> None:
    """Delete one of the user's quick replies; someone else's, or none, is NotFound."""
    deleted, _by_model = QuickReply.objects.filter(user=user, pk=reply_id).delete()
    if not deleted:
        raise NotFound(_("No such quick reply."))
