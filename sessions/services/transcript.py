"""Writing to a session's transcript: system messages (one, or a batch in one INSERT),
and the context every step of the message pipeline gets (`chat.message_send`).

Below the sub-domains that post to the transcript (the reply clock, safety, calls,
metering, pauses, the session's life), so each imports this and none imports the chat
pipeline that calls them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connections
from django.utils import timezone

from marketplace.models import User
from marketplace.sql import rows_relation
from sessions import events
from sessions.models import Message, Order
from sessions.risk import Assessment
from sessions.safety import ScanResult
from sessions.selectors.chat import last_seq


@dataclass
class MessageContext:
    """What a pipeline step gets: the locked order and the message just written."""

    order: Order
    message: Message
    sender: User
    sender_role: str  # "client" | "listener"
    scan: ScanResult
    now: datetime
    origin_channel: str | None = None  # the sending socket, which gets an ack instead
    risk: Assessment | None = None  # the message's own crisis risk (sessions.risk)


def _next_seq(*, order_id: int) -> int:
    """Callers hold the order's row lock, so no one else can take the same number."""
    return last_seq(order_id=order_id) + 1


def system_message_post(
    *,
    order: Order,
    code: str,
    text: str,
    params: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Message:
    """A message from the platform (e.g. "service time is over"). The caller holds the
    order's row lock inside a transaction. `text` is the English source with `params`
    filled in; pages show the translation for `code` with `params`."""
    params = params or {}
    message = Message.objects.create(
        order=order,
        seq=_next_seq(order_id=order.pk),
        kind=Message.Kind.SYSTEM,
        sender=None,
        text=text % params if params else text,
        system_code=code,
        system_params=params,
        created_at=now or timezone.now(),
    )
    events.send_on_commit(
        events.order_group(order.pk), events.message_frame(message, role="system")
    )
    return message


class PostedSystemMessage(NamedTuple):
    """A system message a batch wrote: the fields its `message.new` frame reads (a
    batch holds hundreds; a model instance each would cost more than the INSERT)."""

    pk: int
    order_id: int
    seq: int
    text: str
    system_code: str
    created_at: datetime
    system_params: dict[str, Any] = {}
    kind: str = Message.Kind.SYSTEM
    sender_id: None = None
    masked: tuple[str, ...] = ()


def system_messages_post_many(
    order_ids: list[int],
    *,
    code: str,
    text: str,
    now: datetime,
    params: list[dict[str, Any]] | None = None,
) -> list[PostedSystemMessage]:
    """`system_message_post` for a batch, in one INSERT: one message per entry of
    `order_ids` (an order may repeat), numbered on from each order's last seq in list
    order, `params[i]` the parameters of entry i. The caller holds every order's row
    lock and sends the frames. Returns the messages in list order."""
    if not order_ids:
        return []
    params_of = params or [{} for _ in order_ids]
    texts = [text % p if p else text for p in params_of]
    connection = connections[Message.objects.db]
    quote = connection.ops.quote_name
    meta = Message._meta
    table = quote(meta.db_table)
    column = {name: quote(meta.get_field(name).column) for name in ("order", "seq")}
    source, params = rows_relation(
        connection,
        [("position", int), ("order_id", int), ("text", str), ("system_params", str)],
        [
            (position, order_id, texts[position], json.dumps(params_of[position]))
            for position, order_id in enumerate(order_ids)
        ],
    )
    text_col = quote(meta.get_field("text").column)
    params_col = quote(meta.get_field("system_params").column)
    fixed = {
        "kind": Message.Kind.SYSTEM,
        "system_code": code,
        "masked": [],
        "client_id": "",
        "created_at": now,
    }
    fixed_params = [
        meta.get_field(name).get_db_prep_save(value, connection) for name, value in fixed.items()
    ]
    fixed_columns = ", ".join(quote(meta.get_field(name).column) for name in fixed)
    # seq = the order's last seq + the entry's rank among that order's entries (the
    # caller's row locks keep it gap-free; the (order, seq) constraint is the backstop).
    # Identifiers come from model metadata; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({column['order']}, {column['seq']}, {text_col}, {params_col}, "  # noqa: S608
        f"{fixed_columns}) "
        f"SELECT batch.order_id, COALESCE((SELECT MAX(m.{column['seq']}) FROM {table} m "
        f"WHERE m.{column['order']} = batch.order_id), 0) + ROW_NUMBER() OVER "
        f"(PARTITION BY batch.order_id ORDER BY batch.position), "
        f"batch.text, CAST(batch.system_params AS jsonb), "
        f"{', '.join(['%s'] * len(fixed_params))} FROM ({source}) AS batch "
        f"ORDER BY batch.position "
        f"RETURNING {quote(meta.pk.column)}, {column['order']}, {column['seq']}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*fixed_params, *params])
        written = {(order_id, seq): pk for pk, order_id, seq in cursor.fetchall()}
    messages = []
    next_seq: dict[int, int] = {}
    for order_id, seq in sorted(written):
        next_seq.setdefault(order_id, seq)
    for position, order_id in enumerate(order_ids):
        seq = next_seq[order_id]
        next_seq[order_id] = seq + 1
        messages.append(
            PostedSystemMessage(
                written[(order_id, seq)],
                order_id,
                seq,
                texts[position],
                code,
                now,
                params_of[position],
            )
        )
    return messages
