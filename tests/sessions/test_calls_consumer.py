"""Call frames over the real chat socket (WebsocketCommunicator, the Redis layer): ring,
answer, signals relayed to the other party only, media, hang up; every refusal of the
issue's "Bad input" gets an error frame naming its frame and stores nothing."""

import pytest
from channels.db import database_sync_to_async

from listeners.models import ListenerProfile
from payments.invariants import assert_ledger_consistent
from sessions import runtime
from sessions.models import Call, Message
from sessions.services import calls, lifecycle
from tests.factories import UserFactory
from tests.sessions.chat_factories import session_cookie
from tests.sessions.metering_helpers import metered_session, per_minute_tier
from tests.sessions.test_consumers import open_socket, receive_type

pytestmark = pytest.mark.django_db(transaction=True)

OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"}
CANDIDATE = {
    "candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
}


@pytest.fixture(autouse=True)
def _close_socket_connections(local_stripe):
    yield
    runtime.chat_connections_close()
    assert_ledger_consistent()


def _session(medium):
    order = metered_session(tier=per_minute_tier(medium=medium))
    return order, session_cookie(order.client), session_cookie(order.listener.user)


session = database_sync_to_async(_session)
counts = database_sync_to_async(lambda: (Call.objects.count(), Message.objects.count()))


async def test_a_call_rings_connects_relays_signals_to_the_other_side_and_hangs_up():
    # given
    order, client_cookie, listener_cookie = await session("voice")
    client, listener = await open_socket(client_cookie), await open_socket(listener_cookie)
    # when: the client calls
    await client.send_json_to({"type": "call.start", "session": order.pk, "kind": "voice"})
    ringing = await receive_type(listener, "call.state")
    assert (ringing["state"], ringing["kind"], ringing["started_by"], ringing["caller"]) == (
        "ringing",
        "voice",
        "client",
        str(order.client),
    )
    assert (await receive_type(client, "call.state"))["state"] == "ringing"
    call_id = ringing["call"]
    # when: the listener answers; offer and candidate go each way
    await listener.send_json_to({"type": "call.answer", "session": order.pk, "call": call_id})
    assert (await receive_type(client, "call.state"))["state"] == "connected"
    await client.send_json_to(
        {"type": "call.signal", "session": order.pk, "call": call_id, "sdp": OFFER}
    )
    await listener.send_json_to(
        {"type": "call.signal", "session": order.pk, "call": call_id, "candidate": CANDIDATE}
    )
    # then: each signal reaches the other party, as sent, and nobody else
    assert await receive_type(listener, "call.signal") == {
        "type": "call.signal",
        "session": order.pk,
        "call": call_id,
        "sdp": OFFER,
    }
    assert await receive_type(client, "call.signal") == {
        "type": "call.signal",
        "session": order.pk,
        "call": call_id,
        "candidate": CANDIDATE,
    }
    # when: media flows, then the client hangs up
    await client.send_json_to({"type": "call.media", "session": order.pk, "call": call_id})
    media = await receive_type(listener, "call.state")
    assert media["state"] == "connected"
    assert media["media_at"] is not None
    await client.send_json_to({"type": "call.hangup", "session": order.pk, "call": call_id})
    ended = await receive_type(listener, "call.state")
    # then
    assert (ended["state"], ended["ended_by"], ended["caller"]) == ("ended", "client", None)
    # and: a signal after the end is refused, also from the socket that signalled before
    while (await receive_type(client, "call.state"))["state"] != "ended":
        pass
    await client.send_json_to(
        {"type": "call.signal", "session": order.pk, "call": call_id, "sdp": OFFER}
    )
    refused = await receive_type(client, "error")
    assert (refused["code"], refused["for"]) == ("call_closed", "call.signal")
    assert await listener.receive_nothing(timeout=0.3)
    codes = await database_sync_to_async(
        lambda: list(
            Message.objects.filter(order=order, system_code__startswith="call_")
            .order_by("seq")
            .values_list("system_code", flat=True)
        )
    )()
    assert codes == ["call_started_voice", "call_answered", "call_ended_client"]
    await client.disconnect()
    await listener.disconnect()


async def _refused(socket, frame, code):
    await socket.send_json_to(frame)
    reply = await receive_type(socket, "error")
    assert (reply["code"], reply["for"]) == (code, frame["type"]), reply


async def test_every_bad_call_frame_gets_an_error_frame_and_stores_nothing():
    # given: a voice session with a ringing call, a text session, a stranger
    order, client_cookie, listener_cookie = await session("voice")
    text_order, text_cookie, _ = await session("text")
    stranger = await database_sync_to_async(UserFactory)()
    stranger_socket = await open_socket(await database_sync_to_async(session_cookie)(stranger))
    client, listener = await open_socket(client_cookie), await open_socket(listener_cookie)
    call = await database_sync_to_async(calls.call_start)(
        user=order.client, order_id=order.pk, kind="voice"
    )
    s, c = order.pk, call.pk
    before = await counts()
    big_sdp = {"type": "offer", "sdp": "v=0\r\na=" + "x" * 16_380}  # over 16 KiB, frame within
    # when / then
    for frame, code in [
        ({"type": "call.start", "session": s, "kind": "voice"}, "call_busy"),
        ({"type": "call.start", "session": s, "kind": "video"}, "call_not_offered"),
        ({"type": "call.answer", "session": s, "call": c}, "call_not_yours"),
        ({"type": "call.answer", "session": s}, "missing_field"),
        ({"type": "call.signal", "session": s, "call": c, "sdp": big_sdp}, "bad_signal"),
        (
            {
                "type": "call.signal",
                "session": s,
                "call": c,
                "sdp": {"type": "offer", "sdp": "hello"},
            },
            "bad_signal",
        ),
        (
            {
                "type": "call.signal",
                "session": s,
                "call": c,
                "sdp": {"type": "pranswer", "sdp": "v=0"},
            },
            "bad_signal",
        ),
        (
            {
                "type": "call.signal",
                "session": s,
                "call": c,
                "candidate": {"candidate": "x" * 2_049},
            },
            "bad_signal",
        ),
        (
            {"type": "call.signal", "session": s, "call": c, "candidate": {"candidate": 5}},
            "bad_signal",
        ),
        (
            {
                "type": "call.signal",
                "session": s,
                "call": c,
                "candidate": {"candidate": "", "sdpMLineIndex": "0"},
            },
            "bad_signal",
        ),
        ({"type": "call.signal", "session": s, "call": c}, "bad_signal"),
        (
            {"type": "call.signal", "session": s, "call": c, "sdp": OFFER, "candidate": None},
            "bad_signal",
        ),
        ({"type": "call.signal", "session": s, "call": c + 1000, "sdp": OFFER}, "not_found"),
    ]:
        await _refused(client, frame, code)
    # someone else's session: the same answer as no session at all
    for frame in [
        {"type": "call.start", "session": s, "kind": "voice"},
        {"type": "call.answer", "session": s, "call": c},
        {"type": "call.hangup", "session": s, "call": c},
        {"type": "call.signal", "session": s, "call": c, "sdp": OFFER},
    ]:
        await _refused(stranger_socket, frame, "not_found")
    # a tier without voice
    text_socket = await open_socket(text_cookie)
    await _refused(
        text_socket,
        {"type": "call.start", "session": text_order.pk, "kind": "voice"},
        "call_not_offered",
    )
    assert await counts() == before
    # accepting a call that was cancelled
    await client.send_json_to({"type": "call.hangup", "session": s, "call": c})
    while (await receive_type(listener, "call.state"))["state"] != "ended":
        pass
    after_cancel = await counts()
    await _refused(listener, {"type": "call.answer", "session": s, "call": c}, "call_closed")
    await _refused(
        listener, {"type": "call.signal", "session": s, "call": c, "sdp": OFFER}, "call_closed"
    )
    # a session that is no longer active
    await database_sync_to_async(lifecycle.session_end_early)(user=order.client, order_id=s)
    await _refused(client, {"type": "call.start", "session": s, "kind": "voice"}, "session_closed")
    assert await counts() == (after_cancel[0], after_cancel[1] + 1)  # only the end's own text
    for socket in (client, listener, stranger_socket, text_socket):
        await socket.disconnect()


def _two_sessions_of_one_listener():
    first = metered_session(tier=per_minute_tier(medium="voice"))
    ListenerProfile.objects.filter(pk=first.listener_id).update(
        max_concurrent_chats=4, presence=ListenerProfile.Presence.ONLINE
    )
    second = metered_session(tier=first.tier)
    return (
        second.pk,
        str(second.client),
        session_cookie(first.listener.user),
        session_cookie(second.client),
    )


async def test_one_listener_socket_hears_a_call_ring_in_any_session_and_declines_it_there():
    # given: a listener with two live sessions, one socket (the dashboard's)
    second, caller_name, listener_cookie, caller_cookie = await database_sync_to_async(
        _two_sessions_of_one_listener
    )()
    listener = await open_socket(listener_cookie)
    caller = await open_socket(caller_cookie)
    # when: the second session's client rings
    await caller.send_json_to({"type": "call.start", "session": second, "kind": "voice"})
    ringing = await receive_type(listener, "call.state")
    # then: the ring names the session and the caller (the ring notice shows them)
    assert (ringing["session"], ringing["state"], ringing["caller"]) == (
        second,
        "ringing",
        caller_name,
    )
    # when: the listener declines from that socket
    await listener.send_json_to(
        {"type": "call.decline", "session": second, "call": ringing["call"]}
    )
    # then: both sides hear it; the notice clears on this frame
    for socket in (listener, caller):
        while (frame := await receive_type(socket, "call.state"))["state"] == "ringing":
            pass
        assert (frame["call"], frame["state"], frame["ended_by"]) == (
            ringing["call"],
            "declined",
            "listener",
        )
    for socket in (listener, caller):
        await socket.disconnect()
