"""Hand-over over the chat socket (WebsocketCommunicator, the Redis channel layer): the
client's socket hears the proposal, the new listener's socket joins the session on
acceptance, the previous listener's leaves it."""

import pytest
from channels.db import database_sync_to_async

from listeners.services import team_create, team_invite, team_invite_answer
from sessions import runtime
from sessions.services import handover as handovers
from tests.listeners.factories import ApprovedListenerFactory
from tests.sessions.chat_factories import ChatOrderFactory, session_cookie
from tests.sessions.test_consumers import frames_within, open_socket, receive_type

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_socket_connections():
    yield
    runtime.chat_connections_close()


def _setup():
    owner, mate = ApprovedListenerFactory(), ApprovedListenerFactory()
    team_create(owner=owner, name="夜航", commission_percent=0)
    invite = team_invite(owner=owner, phone=mate.user.phone)
    team_invite_answer(listener=mate, invite_id=invite.pk, accept=True)
    order = ChatOrderFactory(listener=owner)
    cookies = [session_cookie(u) for u in (order.client, owner.user, mate.user)]
    return order, owner, mate, cookies


async def test_the_new_listener_joins_the_session_and_the_old_one_leaves():
    # given
    order, owner, mate, cookies = await database_sync_to_async(_setup)()
    client, old, new = [await open_socket(cookie) for cookie in cookies]
    # when
    proposal = await database_sync_to_async(handovers.handover_propose)(
        user=owner.user, order_id=order.pk, to_listener_id=mate.pk
    )
    # then: the client hears it
    frame = await receive_type(client, "handover")
    assert (frame["session"], frame["handover"], frame["state"], frame["to_user"]) == (
        order.pk,
        proposal.pk,
        "proposed",
        mate.user_id,
    )
    # when
    await database_sync_to_async(handovers.handover_answer)(
        user=order.client, order_id=order.pk, handover_id=proposal.pk, accept=True
    )
    # then: the new listener's socket joins, the old one is told and leaves
    state = await receive_type(new, "session.state")
    assert (state["session"], state["state"]) == (order.pk, "active")
    assert (await receive_type(old, "handover"))["state"] == "proposed"
    assert (await receive_type(old, "handover"))["state"] == "accepted"
    await frames_within(old)
    await frames_within(new)
    # when: the client writes
    await client.send_json_to(
        {"type": "message.send", "session": order.pk, "client_id": "h1", "text": "你好"}
    )
    # then: the new listener gets it, the previous one does not
    assert (await receive_type(new, "message.new"))["text"] == "你好"
    assert not [f for f in await frames_within(old) if f["type"] == "message.new"]
    # and the previous listener's socket may not write in it
    await old.send_json_to(
        {"type": "message.send", "session": order.pk, "client_id": "o1", "text": "还在"}
    )
    assert (await receive_type(old, "error"))["code"] == "not_found"
    for socket in (client, old, new):
        await socket.disconnect()
