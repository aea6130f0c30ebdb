"""The chat's database lanes (sessions.runtime.chat_db): the channel-layer sends a call
rings up come back with its result and go out from the web loop before the call returns,
also when the call fails after something committed. Real PostgreSQL and channel layer."""

from __future__ import annotations

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async

from marketplace.exceptions import DomainError
from sessions import events, runtime
from sessions.services import chat
from tests.sessions.chat_factories import ChatOrderFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _close_lane_connections():
    yield
    runtime.chat_connections_close()


@pytest.fixture
def sending_threads(monkeypatch) -> list[int]:
    """The thread each channel-layer send runs on, in order (the sends still go out)."""
    threads: list[int] = []
    send_logged = events._send_logged

    async def recorded(layer, group, event):
        threads.append(threading.get_ident())
        await send_logged(layer, group, event)

    monkeypatch.setattr(events, "_send_logged", recorded)
    return threads


def client_message(order, client_id: str):
    return lambda: chat.message_send(
        user=order.client, order_id=order.pk, client_id=client_id, text="hi"
    )


async def test_a_lane_call_pushes_from_the_loop_before_it_returns(group_frames, sending_threads):
    # given: a running session whose group is watched
    order = await database_sync_to_async(ChatOrderFactory)()
    frames = await asyncio.to_thread(group_frames, events.order_group(order.pk))
    # when: the client's message is stored on a lane
    result = await runtime.chat_db(client_message(order, "c1"), lane=1)()
    # then: its push and the reply clock it opened were sent on the loop's own thread by
    # the time the call returned
    assert sending_threads == [threading.get_ident()] * 2
    pushed, clock = await asyncio.to_thread(frames.wait_for, 2)
    assert (pushed["type"], pushed["seq"]) == ("message.new", result.message.seq)
    assert clock["type"] == "clock"


async def test_what_committed_is_pushed_even_if_the_call_then_fails(group_frames, sending_threads):
    # given
    order = await database_sync_to_async(ChatOrderFactory)()
    frames = await asyncio.to_thread(group_frames, events.order_group(order.pk))
    send = client_message(order, "c1")

    def send_then_fail():
        send()
        raise DomainError("a later step failed", code="test")

    # when: the message commits, then the call raises
    with pytest.raises(DomainError):
        await runtime.chat_db(send_then_fail, lane=1)()
    # then: the committed message (and its clock) were still announced, from the loop
    assert sending_threads == [threading.get_ident()] * 2
    pushed, _clock = await asyncio.to_thread(frames.wait_for, 2)
    assert (pushed["type"], pushed["text"]) == ("message.new", "hi")
