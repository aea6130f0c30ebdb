"""Group commit on a chat lane (sessions.runtime.chat_db_message): messages queued while
the lane is busy are written in one transaction (their rows share PostgreSQL's `xmin`),
each keeps its gap-free seq, a refused one fails alone, and an idle lane writes a message
at once. Real PostgreSQL and channel layer; the lane is held busy by a call that waits."""

from __future__ import annotations

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async

from marketplace.exceptions import NotFound
from sessions import runtime
from sessions.models import Message
from sessions.services import chat
from tests.factories import UserFactory
from tests.sessions.chat_factories import ChatOrderFactory

pytestmark = [pytest.mark.django_db(transaction=True)]
LANE = 2


@pytest.fixture(autouse=True)
def _close_lane_connections(settings):
    settings.CHAT_GROUP_COMMIT_MAX = 32  # on for these tests (off by default: docs/chat.md)
    yield
    runtime.chat_connections_close()


def send(order, user, client_id):
    return lambda: chat.message_send(user=user, order_id=order.pk, client_id=client_id, text="hi")


@pytest.fixture
def batches(monkeypatch) -> list[int]:
    """The size of each batch the lanes write (the writes still happen)."""
    sizes: list[int] = []
    write = runtime._batch_write

    def recorded(batch):
        sizes.append(len(batch))
        return write(batch)

    monkeypatch.setattr(runtime, "_batch_write", recorded)
    return sizes


async def test_messages_queued_on_a_busy_lane_are_written_together_and_a_refused_one_alone(
    batches,
):
    # given: two running sessions, and the lane held busy
    first, second = [await database_sync_to_async(ChatOrderFactory)() for _ in range(2)]
    stranger = await database_sync_to_async(UserFactory)()
    release = threading.Event()
    busy = asyncio.ensure_future(runtime.chat_db(lambda: release.wait(10), lane=LANE)())
    await asyncio.sleep(0.05)
    # when: four messages queue on it, one of them from someone outside the session
    writes = [
        runtime.chat_db_message(send(first, first.client, "a1"), order_id=first.pk, lane=LANE),
        runtime.chat_db_message(send(second, second.client, "b1"), order_id=second.pk, lane=LANE),
        runtime.chat_db_message(send(first, stranger, "x1"), order_id=first.pk, lane=LANE),
        runtime.chat_db_message(send(first, first.client, "a2"), order_id=first.pk, lane=LANE),
    ]
    pending = [asyncio.ensure_future(write) for write in writes]
    await asyncio.sleep(0.05)
    release.set()
    await busy
    results = await asyncio.gather(*pending, return_exceptions=True)
    # then: the stranger's was refused, the other three stored with gap-free seqs
    assert isinstance(results[2], NotFound)
    assert [results[0].message.seq, results[3].message.seq] == [1, 2]
    assert results[1].message.seq == 1
    assert batches == [4]  # one transaction, one commit
    stored = await database_sync_to_async(
        lambda: sorted(Message.objects.values_list("client_id", flat=True))
    )()
    assert stored == ["a1", "a2", "b1"]


async def test_an_idle_lane_writes_a_message_at_once(batches):
    order = await database_sync_to_async(ChatOrderFactory)()
    result = await asyncio.wait_for(
        runtime.chat_db_message(send(order, order.client, "c1"), order_id=order.pk, lane=LANE),
        timeout=5,
    )
    assert (result.message.seq, result.duplicate) == (1, False)
    assert batches == [1]
