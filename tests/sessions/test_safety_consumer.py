"""A crisis message over the real chat socket: delivered as written, and both sides get
their `safety` frames (hotlines to the client, guidance to the listener)."""

import pytest
from channels.db import database_sync_to_async

from sessions import runtime
from sessions.models import Escalation, Message
from tests.sessions.chat_factories import ChatOrderFactory, session_cookie
from tests.sessions.test_consumers import open_socket, receive_type

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_socket_connections():
    yield
    runtime.chat_connections_close()


async def test_crisis_message_is_delivered_and_both_sides_get_safety_frames():
    # given
    order = await database_sync_to_async(ChatOrderFactory)()
    client_cookie = await database_sync_to_async(session_cookie)(order.client)
    listener_user = await database_sync_to_async(lambda: order.listener.user)()
    listener_cookie = await database_sync_to_async(session_cookie)(listener_user)
    client = await open_socket(client_cookie)
    listener = await open_socket(listener_cookie)
    # when
    await client.send_json_to(
        {"type": "message.send", "session": order.pk, "client_id": "c1", "text": "我想自 杀"}
    )
    # then: stored and delivered unchanged
    ack = await receive_type(client, "message.ack")
    new = await receive_type(listener, "message.new")
    assert (ack["text"], new["text"]) == ("我想自 杀", "我想自 杀")
    client_safety = await receive_type(client, "safety")
    listener_safety = await receive_type(listener, "safety")
    assert (client_safety["kind"], client_safety["role"]) == ("crisis", "client")
    assert client_safety["resources"][0]["phone"] == "400-161-9995"
    assert (listener_safety["kind"], listener_safety["role"]) == ("crisis", "listener")
    assert listener_safety["session"] == order.pk
    assert await database_sync_to_async(Message.objects.filter(order=order).count)() == 1
    escalations = await database_sync_to_async(
        lambda: list(Escalation.objects.values_list("order_id", "state"))
    )()
    assert escalations == [(order.pk, "open")]
    await client.disconnect()
    await listener.disconnect()
