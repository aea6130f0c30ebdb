"""The crisis panel survives a missed push: a socket that was away when an escalation
opened (phone asleep, a Redis blip) gets its user's `crisis` frame when it resyncs, and
a listener's socket that missed the close gets the `closed` frame, over the real chat
socket and channel layer (docs/safety.md)."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from sessions import runtime
from sessions.models import Escalation
from sessions.selectors import chat as chat_selectors
from sessions.services import chat as chat_services
from sessions.services import safety as safety_services
from sessions.services.chat import message_send
from tests.factories import UserFactory
from tests.sessions.chat_factories import ChatOrderFactory, session_cookie
from tests.sessions.test_consumers import frames_within, open_socket

pytestmark = pytest.mark.django_db(transaction=True)

CRISIS = "我真的不想活了"


@pytest.fixture(autouse=True)
def _close_socket_connections():
    yield
    runtime.chat_connections_close()


@database_sync_to_async
def chat_order(*, client_language=""):
    order = ChatOrderFactory(client__language=client_language)
    return order, session_cookie(order.client), session_cookie(order.listener.user)


async def send_while_away(order, text=CRISIS):
    """The client's message stored by the pipeline while no socket of either side is
    connected: its pushes go to nobody."""
    await database_sync_to_async(message_send)(
        user=order.client, order_id=order.pk, client_id="away-1", text=text
    )
    await asyncio.sleep(0.2)  # let the after-commit push go out before anyone reconnects


async def resync(socket, order_id, *, after_seq=0):
    """Every frame the socket gets for one `sync`, up to its `sync.done` (or error)."""
    await socket.send_json_to({"type": "sync", "session": order_id, "after_seq": after_seq})
    frames = []
    while not frames or frames[-1]["type"] not in ("sync.done", "error"):
        frames.append(await socket.receive_json_from(timeout=5))
    return frames


def of_type(frames, frame_type):
    return [frame for frame in frames if frame["type"] == frame_type]


open_escalation_id = database_sync_to_async(
    lambda order: Escalation.objects.get(order=order, state=Escalation.State.OPEN).pk
)


async def test_client_resyncing_after_a_missed_push_gets_the_resources_in_their_language():
    # given: a client reading in English, whose socket resynced before any escalation
    order, client_cookie, _listener_cookie = await chat_order(client_language="en")
    socket = await open_socket(client_cookie)
    assert of_type(await resync(socket, order.pk), "safety") == []
    await socket.disconnect()
    # given: crisis language stored while the socket was away
    await send_while_away(order)
    # when: it reconnects and resyncs
    socket = await open_socket(client_cookie)
    frames = await resync(socket, order.pk)
    # then: one crisis frame with the resources, after the messages, before sync.done
    kinds = [frame["type"] for frame in frames]
    assert kinds.index("message.new") < kinds.index("safety") < kinds.index("sync.done")
    [crisis] = of_type(frames, "safety")
    assert crisis["kind"] == "crisis"
    assert (crisis["session"], crisis["role"]) == (order.pk, "client")
    assert crisis["escalation"] == await open_escalation_id(order)
    assert crisis["title"] == "You are not alone"
    assert [r["phone"] for r in crisis["resources"]] == [
        "400-161-9995",
        "010-82951332",
        "120",
        "110",
    ]
    assert of_type(await frames_within(socket), "safety") == []  # once, to this socket only
    await socket.disconnect()


async def test_listener_resyncing_gets_the_guidance_on_every_resync():
    # given: an escalation opened while the listener's socket was away
    order, _client_cookie, listener_cookie = await chat_order()
    await send_while_away(order)
    socket = await open_socket(listener_cookie)
    # when: a full resync, then one that has every message already
    first = await resync(socket, order.pk)
    second = await resync(socket, order.pk, after_seq=1)
    # then: the guidance each time, in the listener's language (default Chinese)
    for frames in (first, second):
        [crisis] = of_type(frames, "safety")
        assert (crisis["kind"], crisis["role"]) == ("crisis", "listener")
        assert crisis["title"] == "客户可能正处于危机中"
        assert crisis["guidance"][-1] == "平台工作人员已收到通知，会跟进处理。"
        assert "resources" not in crisis
    assert of_type(second, "message.new") == []
    await socket.disconnect()


async def test_closed_escalation_resyncs_as_closed_to_the_listener_and_nothing_to_the_client():
    # given: an escalation opened and closed by staff while both sockets were away
    order, client_cookie, listener_cookie = await chat_order()
    await send_while_away(order)
    staff = await database_sync_to_async(UserFactory)(is_staff=True, role="staff")
    escalation_id = await open_escalation_id(order)
    await database_sync_to_async(safety_services.escalation_close)(
        staff=staff, escalation_id=escalation_id, outcome="support_given", note="Called the client."
    )
    # when: each side resyncs
    client_socket = await open_socket(client_cookie)
    client_frames = await resync(client_socket, order.pk)
    listener_socket = await open_socket(listener_cookie)
    listener_frames = await resync(listener_socket, order.pk)
    # then: no crisis frame for either; the listener's panel learns it was closed
    assert of_type(client_frames, "message.new") != []
    assert of_type(client_frames, "safety") == []
    [closed] = of_type(listener_frames, "safety")
    assert (closed["kind"], closed["escalation"], closed["session"]) == (
        "closed",
        escalation_id,
        order.pk,
    )
    assert closed["text"]
    await client_socket.disconnect()
    await listener_socket.disconnect()


async def test_resyncing_someone_elses_session_is_refused_without_the_crisis_frame():
    # given: an open escalation on one order, and a stranger with a session of their own
    order, _client_cookie, _listener_cookie = await chat_order()
    await send_while_away(order)
    _other, stranger_cookie, _ = await chat_order()
    socket = await open_socket(stranger_cookie)
    # when
    frames = await resync(socket, order.pk)
    # then: the same answer as today, nothing about the escalation
    assert [(f["type"], f.get("code")) for f in frames] == [("error", "not_found")]
    assert of_type(await frames_within(socket), "safety") == []
    await socket.disconnect()


def test_paged_resync_carries_the_crisis_frame_on_its_last_page_only(monkeypatch):
    # given: three messages, the first one crisis language, and pages of two
    monkeypatch.setattr(chat_selectors, "TRANSCRIPT_PAGE", 2)
    order = ChatOrderFactory()
    for n, text in enumerate([CRISIS, "还在吗", "嗯"], start=1):
        message_send(user=order.client, order_id=order.pk, client_id=f"p{n}", text=text)
    # when
    first = chat_services.sync_frames(user=order.client, order_id=order.pk, after_seq=0)
    last = chat_services.sync_frames(user=order.client, order_id=order.pk, after_seq=2)
    # then
    assert first[-1]["more"] is True
    assert of_type(first, "safety") == []
    assert last[-1]["more"] is False
    assert [(f["kind"], f["role"]) for f in of_type(last, "safety")] == [("crisis", "client")]
