"""The message pipeline, read markers and the transcript API."""

import threading

import pytest
from django.db import close_old_connections
from django.urls import reverse
from rest_framework.test import APIClient

from marketplace.exceptions import NotFound
from sessions import events
from sessions.exceptions import InvalidMessage, SessionClosed
from sessions.models import Message, Order, ReadMarker
from sessions.services import chat, orders
from sessions.services.chat import message_send, messages_mark_read
from tests.factories import UserFactory
from tests.sessions.chat_factories import AcceptedOrderFactory, ChatOrderFactory, MessageFactory
from tests.sessions.factories import InstantOrderFactory, OrderFactory
from tests.sessions.layer_capture import settled

pytestmark = pytest.mark.django_db


def session_groups(group_frames, order, *others):
    """Frames the real channel layer delivers to the order's group and to the sockets of
    both participants (and of `others`)."""
    users = [order.client_id, order.listener.user_id, *(user.pk for user in others)]
    return [
        group_frames(events.order_group(order.pk)),
        *(group_frames(events.user_group(user_id)) for user_id in users),
    ]


def test_send_stores_with_next_seq_and_pushes_after_commit(
    django_capture_on_commit_callbacks, group_frames
):
    # given
    order = ChatOrderFactory()
    MessageFactory(order=order, seq=1, sender=order.listener.user)
    groups = session_groups(group_frames, order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = message_send(user=order.client, order_id=order.pk, client_id="a1", text=" hi \n")
    # then
    assert result.duplicate is False
    message = Message.objects.get(order=order, seq=2)
    assert (message.text, message.sender_id, message.client_id) == ("hi", order.client_id, "a1")
    pushes = [(g, frame) for g, frame in settled(*groups) if frame["type"] == "message.new"]
    assert len(pushes) == 1
    group, frame = pushes[0]
    assert group == f"chat.order.{order.pk}"
    assert (frame["session"], frame["seq"], frame["text"], frame["role"]) == (
        order.pk,
        2,
        "hi",
        "client",
    )


def test_resent_client_id_returns_the_original_and_stores_nothing(
    django_capture_on_commit_callbacks, group_frames
):
    # given
    order = ChatOrderFactory()
    first = message_send(user=order.client, order_id=order.pk, client_id="x", text="one")
    groups = session_groups(group_frames, order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        again = message_send(user=order.client, order_id=order.pk, client_id="x", text="one")
    # then
    assert again.duplicate is True
    assert again.message.pk == first.message.pk
    assert Message.objects.filter(order=order).count() == 1
    assert settled(*groups) == []


def test_masks_personal_data_before_storing():
    # given
    order = ChatOrderFactory()
    # when
    result = message_send(
        user=order.listener.user, order_id=order.pk, client_id="p", text="加我13812345678"
    )
    # then
    assert result.masked == ("phone",)
    stored = Message.objects.get(pk=result.message.pk)
    assert stored.text == "加我***********"
    assert stored.masked == ["phone"]


@pytest.mark.parametrize(
    "text",
    ["", "   \n ", "x" * 2001, "nul\x00byte", "bell\x07", "lone \ud800 surrogate", None, 5],
)
def test_invalid_text_is_refused_and_nothing_stored(text):
    # given
    order = ChatOrderFactory()
    # when
    with pytest.raises(InvalidMessage):
        message_send(user=order.client, order_id=order.pk, client_id="c", text=text)
    # then
    assert Message.objects.count() == 0


def test_two_thousand_characters_and_newlines_are_fine():
    # given
    order = ChatOrderFactory()
    text = "a\n" + "b" * 1998
    # when
    result = message_send(user=order.client, order_id=order.pk, client_id="c", text=text)
    # then
    assert Message.objects.get(pk=result.message.pk).text == text


@pytest.mark.parametrize("client_id", ["", "x" * 65, "has space", None, 7])
def test_bad_client_id_is_refused(client_id):
    order = ChatOrderFactory()
    with pytest.raises(InvalidMessage):
        message_send(user=order.client, order_id=order.pk, client_id=client_id, text="hi")
    assert Message.objects.count() == 0


def test_someone_elses_session_is_not_found_and_nothing_stored(
    django_capture_on_commit_callbacks, group_frames
):
    # given
    order = ChatOrderFactory()
    stranger = UserFactory()
    groups = session_groups(group_frames, order, stranger)
    # when
    with pytest.raises(NotFound), django_capture_on_commit_callbacks(execute=True):
        message_send(user=stranger, order_id=order.pk, client_id="c", text="hi")
    # then
    assert Message.objects.count() == 0
    assert settled(*groups) == []


def test_session_not_running_refuses_messages():
    # given
    order = AcceptedOrderFactory()
    # when
    with pytest.raises(SessionClosed):
        message_send(user=order.client, order_id=order.pk, client_id="c", text="hi")
    # then
    assert Message.objects.count() == 0


def test_failing_pipeline_step_rolls_the_message_back(monkeypatch):
    # given
    order = ChatOrderFactory()

    def broken_step(ctx):
        raise RuntimeError("step failed")

    monkeypatch.setattr(chat.safety, "step_safety", broken_step)  # the pipeline's last step
    # when
    with pytest.raises(RuntimeError):
        message_send(user=order.client, order_id=order.pk, client_id="c", text="hi")
    # then
    assert Message.objects.count() == 0


def test_mark_read_moves_forward_only_and_is_clamped(
    django_capture_on_commit_callbacks, group_frames
):
    # given
    order = ChatOrderFactory()
    for seq in (1, 2, 3):
        MessageFactory(order=order, seq=seq, sender=order.listener.user)
    groups = session_groups(group_frames, order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = messages_mark_read(user=order.client, order_id=order.pk, seq=99)
        second = messages_mark_read(user=order.client, order_id=order.pk, seq=1)
    # then
    assert (first, second) == (3, 3)
    assert ReadMarker.objects.get(order=order, user=order.client).seq == 3
    assert settled(*groups) == [
        (
            events.order_group(order.pk),
            {
                "type": "read",
                "session": order.pk,
                "user": order.client_id,
                "role": "client",
                "seq": 3,
            },
        )
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_get_gap_free_seqs():
    # given
    order = ChatOrderFactory()
    users = [order.client, order.listener.user]
    errors = []

    def send(user, n):
        try:
            for i in range(10):
                message_send(user=user, order_id=order.pk, client_id=f"{n}-{i}", text=f"m{i}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=send, args=(users[n % 2], n)) for n in range(4)]
    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    # then
    assert errors == []
    seqs = list(Message.objects.filter(order=order).values_list("seq", flat=True))
    assert seqs == list(range(1, 41))


def test_transcript_api_for_both_parties_after_seq():
    # given
    order = ChatOrderFactory()
    for seq in (1, 2, 3):
        MessageFactory(order=order, seq=seq, sender=order.client, text=f"t{seq}")
    api = APIClient()
    # when
    responses = []
    for user in (order.client, order.listener.user):
        api.force_authenticate(user)
        responses.append(api.get(f"/api/orders/{order.pk}/messages/?after_seq=1"))
    # then
    for response in responses:
        assert response.status_code == 200
        body = response.json()
        assert [m["seq"] for m in body["messages"]] == [2, 3]
        assert body["messages"][0]["text"] == "t2"
        assert body["messages"][0]["role"] == "client"
        assert body["last_seq"] == 3
        assert body["more"] is False


def test_transcript_api_refuses_others_and_bad_input():
    # given
    order = ChatOrderFactory()
    api = APIClient()
    api.force_authenticate(UserFactory())
    # when
    stranger = api.get(f"/api/orders/{order.pk}/messages/")
    api.force_authenticate(order.client)
    bad = api.get(f"/api/orders/{order.pk}/messages/?after_seq=-1")
    anonymous = APIClient().get(f"/api/orders/{order.pk}/messages/")
    # then
    assert stranger.status_code == 404
    assert stranger.json()["code"] == "not_found"
    assert bad.status_code == 400
    assert anonymous.status_code in (401, 403)


def test_order_state_unchanged_by_chat():
    order = ChatOrderFactory()
    message_send(user=order.client, order_id=order.pk, client_id="c", text="hi")
    assert Order.objects.get(pk=order.pk).state == Order.State.ACTIVE


def test_paid_instant_order_is_announced_to_the_listener_after_commit(
    django_capture_on_commit_callbacks, group_frames
):
    # given
    order = InstantOrderFactory()
    groups = session_groups(group_frames, order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_mark_paid(order_id=order.pk)
    # then
    order.refresh_from_db()
    assert settled(*groups) == [
        (
            events.user_group(order.listener.user_id),
            {
                "type": "order.new",
                "order": order.pk,
                "client": str(order.client),
                "minutes": order.minutes,
                "price_fen": order.price_fen,
                "accept_deadline": order.accept_deadline.isoformat(),
                "answer_url": reverse("sessions:instant_order_answer", args=[order.pk]),
            },
        )
    ]


def test_paid_scheduled_order_is_not_announced_as_instant(
    django_capture_on_commit_callbacks, group_frames
):
    # given
    order = OrderFactory()
    groups = session_groups(group_frames, order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        orders.order_mark_paid(order_id=order.pk)
    # then
    assert Order.objects.get(pk=order.pk).state == Order.State.PAID
    assert settled(*groups) == []
