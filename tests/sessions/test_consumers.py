"""The chat socket protocol over WebsocketCommunicator (the real ASGI stack: origin check,
session-cookie auth, routing) with the Redis channel layer from settings."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from listeners.models import ListenerProfile
from marketplace.asgi import application
from marketplace.services import user_logout_everywhere
from sessions import runtime
from sessions.models import Message, Order
from sessions.services import lifecycle, orders, watcher
from tests.factories import UserFactory
from tests.sessions.chat_factories import (
    AcceptedOrderFactory,
    ChatOrderFactory,
    MessageFactory,
    session_cookie,
    socket_headers,
)
from tests.sessions.clock_helpers import active_order, at, send
from tests.sessions.factories import InstantOrderFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_socket_connections():
    """The socket's database lanes keep their connections open between frames; a test
    that ends with a socket still open must not keep the test database busy."""
    yield
    runtime.chat_connections_close()


@pytest.fixture
def order():
    return ChatOrderFactory()


@pytest.fixture
def cookies(order):
    return {"client": session_cookie(order.client), "listener": session_cookie(order.listener.user)}


async def open_socket(cookie, **kwargs):
    socket = WebsocketCommunicator(
        application, "/ws/chat/", headers=socket_headers(cookie, **kwargs)
    )
    connected, code = await socket.connect(timeout=5)
    assert connected, code
    hello = await socket.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return socket


async def receive_type(socket, frame_type, *, timeout=5):
    """The next frame of `frame_type`, skipping others (bounded by the timeout per frame)."""
    for _ in range(50):
        frame = await socket.receive_json_from(timeout=timeout)
        if frame["type"] == frame_type:
            return frame
    raise AssertionError(f"no {frame_type} frame")


async def frames_within(socket, seconds=0.3):
    """Every frame that arrives within `seconds` (other sub-domains, e.g. the reply clock,
    may add frames of their own)."""
    frames = []
    while not await socket.receive_nothing(timeout=seconds):
        frames.append(await socket.receive_json_from(timeout=1))
    return frames


count_messages = database_sync_to_async(lambda **kw: Message.objects.filter(**kw).count())


async def test_anonymous_socket_is_closed_with_4401():
    socket = WebsocketCommunicator(application, "/ws/chat/", headers=socket_headers(None))
    connected, code = await socket.connect(timeout=5)
    assert (connected, code) == (False, 4401)


async def test_foreign_origin_is_refused(cookies):
    socket = WebsocketCommunicator(
        application,
        "/ws/chat/",
        headers=socket_headers(cookies["client"], origin="https://evil.example"),
    )
    connected, _code = await socket.connect(timeout=5)
    assert connected is False


async def test_message_is_acked_then_pushed_to_the_other_side(order, cookies):
    # given
    client = await open_socket(cookies["client"])
    listener = await open_socket(cookies["listener"])
    # when
    await client.send_json_to(
        {"type": "message.send", "session": order.pk, "client_id": "m1", "text": "你好"}
    )
    ack = await receive_type(client, "message.ack")
    new = await receive_type(listener, "message.new")
    # then
    assert (ack["client_id"], ack["seq"], ack["session"], ack["duplicate"]) == (
        "m1",
        1,
        order.pk,
        False,
    )
    assert (new["session"], new["seq"], new["text"], new["role"]) == (order.pk, 1, "你好", "client")
    assert await count_messages(order=order) == 1
    echo = [f for f in await frames_within(client) if f["type"] == "message.new"]
    assert echo == []  # the sender gets its ack, not an echo
    await client.disconnect()
    await listener.disconnect()


async def test_resent_client_id_gets_the_original_ack_and_no_second_push(order, cookies):
    # given
    client = await open_socket(cookies["client"])
    listener = await open_socket(cookies["listener"])
    frame = {"type": "message.send", "session": order.pk, "client_id": "dup", "text": "once"}
    await client.send_json_to(frame)
    first = await receive_type(client, "message.ack")
    await receive_type(listener, "message.new")
    # when
    await client.send_json_to(frame)
    again = await receive_type(client, "message.ack")
    # then
    assert (again["seq"], again["duplicate"]) == (first["seq"], True)
    assert await count_messages(order=order) == 1
    assert [f for f in await frames_within(listener) if f["type"] == "message.new"] == []
    await client.disconnect()
    await listener.disconnect()


async def test_personal_data_is_masked_and_the_sender_told(order, cookies):
    client = await open_socket(cookies["client"])
    await client.send_json_to(
        {"type": "message.send", "session": order.pk, "client_id": "p", "text": "13812345678"}
    )
    ack = await receive_type(client, "message.ack")
    safety = await receive_type(client, "safety")
    assert ack["text"] == "***********"
    assert safety == {
        "type": "safety",
        "session": order.pk,
        "kind": "masked",
        "seq": 1,
        "masked": ["phone"],
    }
    await client.disconnect()


async def test_someone_elses_session_gets_an_error_and_nothing_is_stored(order):
    # given
    stranger = await database_sync_to_async(UserFactory)()
    cookie = await database_sync_to_async(session_cookie)(stranger)
    socket = await open_socket(cookie)
    # when
    frames = [
        {"type": "message.send", "session": order.pk, "client_id": "x", "text": "hi"},
        {"type": "typing", "session": order.pk},
        {"type": "read", "session": order.pk, "seq": 1},
        {"type": "sync", "session": order.pk, "after_seq": 0},
    ]
    replies = []
    for frame in frames:
        await socket.send_json_to(frame)
        replies.append(await socket.receive_json_from(timeout=5))
    # then
    assert [(r["type"], r["code"], r["session"]) for r in replies] == [
        ("error", "not_found", order.pk)
    ] * 4
    assert await count_messages(order=order) == 0
    await socket.disconnect()


BAD_FRAMES = [
    ("not json", "bad_frame"),
    ("[1, 2]", "bad_frame"),
    ('{"no": "type"}', "bad_frame"),
    ('{"type": "launch.missiles"}', "unknown_type"),
    ('{"type": "message.send"}', "missing_field"),
    ('{"type": "message.send", "session": "1", "client_id": "a", "text": "x"}', "missing_field"),
    ('{"type": "message.send", "session": SESSION, "client_id": "a"}', "missing_field"),
    ('{"type": "read", "session": SESSION}', "missing_field"),
    ('{"type": "sync", "session": SESSION, "after_seq": -1}', "missing_field"),
    (
        '{"type": "message.send", "session": SESSION, "client_id": "a", "text": "nul\\u0000"}',
        "invalid_message",
    ),
    (
        '{"type": "message.send", "session": SESSION, "client_id": "a", "text": "\\ud800"}',
        "bad_frame",
    ),
    (
        '{"type": "message.send", "session": SESSION, "client_id": "a", "text": "   "}',
        "invalid_message",
    ),
    ("[" * 10_000 + "]" * 10_000, "frame_too_large"),  # refused by size before parsing
    ("[" * 5_000 + "]" * 5_000, "bad_frame"),  # refused by depth before parsing
    ('{"type": "ping", "x": ' + "{" * 3_000 + "}" * 3_000 + "}", "bad_frame"),
    ('{"type": "ping", "pad": "' + "x" * 1_000_000 + '"}', "frame_too_large"),
]


@pytest.mark.parametrize(
    ("raw", "code"), BAD_FRAMES, ids=[f"bad{i}" for i in range(len(BAD_FRAMES))]
)
async def test_bad_input_gets_an_error_frame_and_the_socket_keeps_working(
    order, cookies, raw, code
):
    # given
    socket = await open_socket(cookies["client"])
    # when
    await socket.send_to(text_data=raw.replace("SESSION", str(order.pk)))
    reply = await socket.receive_json_from(timeout=5)
    # then
    assert (reply["type"], reply["code"]) == ("error", code)
    assert await count_messages() == 0
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {
        "type": "pong",
        "last_seq": {str(order.pk): 0},
    }
    await socket.disconnect()


LONE_SURROGATE_FRAMES = [
    '{"type": "\\ud800"}',
    '{"type": "typing", "session": "\\udfff"}',
    '{"type": "message.send", "session": SESSION, "client_id": "a\\ud800", "text": "hi"}',
    '{"type": "message.send\\udc00", "session": SESSION, "client_id": "\\ud83d", "text": "x"}',
]


@pytest.mark.parametrize("raw", LONE_SURROGATE_FRAMES, ids=["type", "session", "client_id", "all"])
async def test_a_lone_surrogate_gets_an_error_frame_that_does_not_echo_it(order, cookies, raw):
    # given
    socket = await open_socket(cookies["client"])
    # when
    await socket.send_to(text_data=raw.replace("SESSION", str(order.pk)))
    reply = await socket.receive_json_from(timeout=5)
    # then: the frame is refused whole; nothing of it comes back, nothing is stored
    assert reply == {
        "type": "error",
        "code": "bad_frame",
        "detail": "数据帧必须是有效的 Unicode 文本。",
    }
    assert await count_messages() == 0
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=5))["type"] == "pong"
    await socket.disconnect()


async def test_an_emoji_escaped_as_a_surrogate_pair_is_a_valid_message(order, cookies):
    # given
    socket = await open_socket(cookies["client"])
    raw = '{"type": "message.send", "session": %d, "client_id": "e1", "text": "\\ud83d\\ude00"}'
    # when
    await socket.send_to(text_data=raw % order.pk)
    ack = await receive_type(socket, "message.ack")
    # then
    assert ack["client_id"] == "e1"
    assert await count_messages() == 1
    await socket.disconnect()


async def test_binary_frame_gets_an_error(cookies):
    socket = await open_socket(cookies["client"])
    await socket.send_to(bytes_data=b"\x00\x01binary")
    reply = await socket.receive_json_from(timeout=5)
    assert (reply["type"], reply["code"]) == ("error", "bad_frame")
    await socket.disconnect()


async def test_flood_is_rate_limited_then_closed(order, cookies):
    # given
    socket = await open_socket(cookies["client"])
    listener = await open_socket(cookies["listener"])
    # when
    for i in range(400):
        await socket.send_to(text_data=json.dumps({"type": "typing", "session": order.pk, "i": i}))
    frames = []
    for _ in range(10):
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            frames.append(("close", output.get("code")))
            break
        frames.append(("frame", json.loads(output["text"]).get("code")))
    # then
    assert ("frame", "rate_limited") in frames
    assert frames[-1] == ("close", 4429)
    # the other side is still served
    await listener.send_json_to({"type": "ping"})
    assert await receive_type(listener, "pong")
    await listener.disconnect()


async def test_typing_is_throttled_and_read_receipts_reach_the_other_side(order, cookies):
    # given
    await database_sync_to_async(MessageFactory)(order=order, seq=1, sender=order.listener.user)
    client = await open_socket(cookies["client"])
    listener = await open_socket(cookies["listener"])
    # when
    await client.send_json_to({"type": "typing", "session": order.pk})
    await client.send_json_to({"type": "typing", "session": order.pk})
    await client.send_json_to({"type": "read", "session": order.pk, "seq": 1})
    # then
    typing = await listener.receive_json_from(timeout=5)
    read = await listener.receive_json_from(timeout=5)
    assert typing == {
        "type": "typing",
        "session": order.pk,
        "user": order.client_id,
        "role": "client",
    }
    assert read == {
        "type": "read",
        "session": order.pk,
        "user": order.client_id,
        "role": "client",
        "seq": 1,
    }
    assert await listener.receive_nothing(timeout=0.3)
    await client.disconnect()
    await listener.disconnect()


async def test_sync_returns_what_was_missed_then_done(order, cookies):
    # given
    for seq in (1, 2, 3):
        await database_sync_to_async(MessageFactory)(order=order, seq=seq, sender=order.client)
    client = await open_socket(cookies["client"])
    # when
    await client.send_json_to({"type": "sync", "session": order.pk, "after_seq": 1})
    frames = []
    while not frames or frames[-1]["type"] != "sync.done":
        frames.append(await client.receive_json_from(timeout=5))
    # then
    assert [f["seq"] for f in frames if f["type"] == "message.new"] == [2, 3]
    assert [f["state"] for f in frames if f["type"] == "session.state"] == ["active"]
    assert frames[-1] == {"type": "sync.done", "session": order.pk, "last_seq": 3, "more": False}
    await client.disconnect()


async def test_logout_everywhere_closes_the_socket(order, cookies, settings):
    # given
    settings.CHAT_ACCESS_CHECK_SECONDS = 0.1
    client = await open_socket(cookies["client"])
    # when
    await database_sync_to_async(user_logout_everywhere)(user=order.client)
    # then
    error = await client.receive_json_from(timeout=5)
    assert (error["type"], error["code"]) == ("error", "signed_out")
    assert (await client.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4401}


async def test_session_start_is_announced_and_followed(settings):
    # given
    order = await database_sync_to_async(AcceptedOrderFactory)()
    cookie = await database_sync_to_async(session_cookie)(order.listener.user)
    listener = await open_socket(cookie)
    # when
    await database_sync_to_async(lifecycle.session_activate)(order_id=order.pk, now=order.starts_at)
    # then
    state = await receive_type(listener, "session.state")
    assert (state["session"], state["state"]) == (order.pk, "active")
    await listener.disconnect()


async def test_listener_presence_follows_the_socket(order, cookies):
    get_presence = database_sync_to_async(
        lambda: ListenerProfile.objects.get(pk=order.listener_id).presence
    )
    await database_sync_to_async(
        lambda: ListenerProfile.objects.filter(pk=order.listener_id).update(
            presence="offline", max_concurrent_chats=2
        )
    )()
    # when
    listener = await open_socket(cookies["listener"])
    online = await get_presence()
    await listener.disconnect()
    offline = await get_presence()
    # then
    assert (online, offline) == ("online", "offline")
    assert await database_sync_to_async(lambda: Order.objects.get(pk=order.pk).state)() == "active"


async def test_paid_instant_order_reaches_the_listeners_dashboard_socket():
    # given
    order = await database_sync_to_async(InstantOrderFactory)()
    cookie = await database_sync_to_async(session_cookie)(order.listener.user)
    listener = await open_socket(cookie)
    # when
    await database_sync_to_async(orders.order_mark_paid)(order_id=order.pk)
    # then
    frame = await receive_type(listener, "order.new")
    paid = await database_sync_to_async(Order.objects.get)(pk=order.pk)
    assert frame == {
        "type": "order.new",
        "order": order.pk,
        "client": str(order.client),
        "minutes": 30,
        "price_fen": order.price_fen,
        "accept_deadline": paid.accept_deadline.isoformat(),
        "answer_url": reverse("sessions:instant_order_answer", args=[order.pk]),
    }
    await listener.disconnect()


async def test_a_missed_deadline_reaches_the_socket_as_message_breach_and_clock_in_order():
    # given: the client's socket on a session whose listener has not replied in time
    order = await database_sync_to_async(active_order)(window=10)
    socket = await open_socket(await database_sync_to_async(session_cookie)(order.client))
    await database_sync_to_async(send)(order, "client", 1)
    assert (await receive_type(socket, "clock"))["deadline"] == at(11).isoformat()
    # when: the watcher sweeps after the deadline (its frames travel as one group event)
    await database_sync_to_async(watcher.clocks_sweep)(now=at(12), compensate=False)
    # then: the socket gets the three frames, in order
    frames = [await socket.receive_json_from(timeout=5) for _ in range(3)]
    assert [f["type"] for f in frames] == ["message.new", "breach", "clock"]
    assert frames[0]["code"] == "breach_counted"
    assert frames[0]["params"] == {"streak": 1, "limit": 3, "left": 2}
    assert frames[1]["missed_deadline"] == at(11).isoformat()
    assert frames[2]["deadline"] == at(21).isoformat()
    await socket.disconnect()
