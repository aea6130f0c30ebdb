"""The message pipeline: validate -> safety scan -> persist with the next seq -> steps -> ack.

`message_send` is the one way a chat message enters the system. Inside one transaction
it locks the order row (which serialises senders of the same session and orders them
against the session ending), returns the original message for a resent `client_id`,
masks personal data, writes the row with `seq = last seq + 1`, and runs MESSAGE_STEPS.
The caller acknowledges only after this returns, so an ack always means "committed".
Everything the other side sees is sent after commit (`events.send_on_commit`).

Extending the pipeline: append a step to MESSAGE_STEPS (e.g. the reply clock opening a
deadline on a client message and closing it on the listener's reply). Steps run in list
order, inside the same transaction, after the message row is written; a step that raises
rolls the message back. SYNC_FRAMES lets a sub-domain add frames to a resync (e.g. the
current `clock`); it lives in sessions.selectors.chat.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.exceptions import NotFound
from marketplace.models import User
from sessions import events
from sessions.exceptions import InvalidMessage, SessionClosed
from sessions.models import Message, Order, QuickReply, ReadMarker
from sessions.safety import ScanResult, scan
from sessions.selectors.chat import CHAT_STATES, role_in_order

MAX_TEXT_CHARS = 2000
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


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


# Run in order inside the transaction, after the message row is written. The reply
# clock inserts its step after step_push_message so `clock` follows `message.new`.
MESSAGE_STEPS: list[Callable[[MessageContext], None]] = [step_push_message]


# --- Services ----------------------------------------------------------------------------


def _order_lock_for_participant(*, user: User, order_id: int) -> Order:
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("listener")
        .filter(pk=order_id, state__in=CHAT_STATES)
        .first()
    )
    if order is None or user.pk not in (order.client_id, order.listener.user_id):
        raise NotFound(_("No such session."))
    return order


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
        existing = Message.objects.filter(order=order, sender=user, client_id=client_id).first()
        if existing is not None:
            return SendResult(message=existing, duplicate=True, masked=tuple(existing.masked))
        if order.state != Order.State.ACTIVE:
            raise SessionClosed(_("This session is not running."))
        now = now or timezone.now()
        result = scan(clean)
        message = Message.objects.create(
            order=order,
            seq=_next_seq(order_id=order.pk),
            kind=Message.Kind.TEXT,
            sender=user,
            text=result.text,
            masked=list(result.masked),
            client_id=client_id,
            created_at=now,
        )
        ctx = MessageContext(
            order=order,
            message=message,
            sender=user,
            sender_role=role_in_order(order=order, user_id=user.pk),
            scan=result,
            now=now,
            origin_channel=origin_channel,
        )
        for step in MESSAGE_STEPS:
            step(ctx)
    return SendResult(message=message, duplicate=False, masked=result.masked)


def _next_seq(*, order_id: int) -> int:
    """Callers hold the order's row lock, so no one else can take the same number."""
    last = Message.objects.filter(order_id=order_id).aggregate(m=Max("seq"))["m"]
    return (last or 0) + 1


def system_message_post(
    *, order: Order, code: str, text: str, now: datetime | None = None
) -> Message:
    """A message from the platform (e.g. "service time is over"). The caller holds the
    order's row lock inside a transaction. `text` is the English source; pages show
    the translation for `code`."""
    message = Message.objects.create(
        order=order,
        seq=_next_seq(order_id=order.pk),
        kind=Message.Kind.SYSTEM,
        sender=None,
        text=text,
        system_code=code,
        created_at=now or timezone.now(),
    )
    events.send_on_commit(
        events.order_group(order.pk), events.message_frame(message, role="system")
    )
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
        last = Message.objects.filter(order=order).aggregate(m=Max("seq"))["m"] or 0
        target = min(seq, last)
        moved = target > 0 and _read_marker_advance(order_id=order.pk, user_id=user.pk, seq=target)
        current = (
            ReadMarker.objects.filter(order=order, user=user).values_list("seq", flat=True).first()
            or 0
        )
        if moved:
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
    QuickReply.objects.filter(user=user, pk=reply_id).delete()
