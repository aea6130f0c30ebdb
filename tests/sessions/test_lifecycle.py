"""Sessions starting, ending on time, ending early and being terminated."""

from datetime import timedelta

import pytest

from marketplace.exceptions import DomainError, NotFound
from sessions import events
from sessions.exceptions import InvalidTransition
from sessions.models import Message, Order
from sessions.services import lifecycle
from sessions.tasks import sweep_due_sessions
from tests.sessions.chat_factories import AcceptedOrderFactory, ChatOrderFactory, MessageFactory
from tests.sessions.layer_capture import settled

pytestmark = pytest.mark.django_db


def test_sweep_starts_and_ends_sessions_on_time(django_capture_on_commit_callbacks, group_frames):
    # given
    starting = AcceptedOrderFactory()
    ending = ChatOrderFactory()
    MessageFactory(order=ending, seq=1)
    client_sockets = group_frames(events.user_group(ending.client_id))
    session_sockets = group_frames(events.order_group(ending.pk))
    later = AcceptedOrderFactory(starts_at=starting.starts_at + timedelta(minutes=1))
    now = starting.starts_at
    assert ending.ends_at > now
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = lifecycle.sessions_due_sweep(now=now)
        second = lifecycle.sessions_due_sweep(now=ending.ends_at)
        third = lifecycle.sessions_due_sweep(now=ending.ends_at)
    # then
    assert first == {"activated": 1, "completed": 0}
    assert second["completed"] >= 1
    assert third == {"activated": 0, "completed": 0}
    ending.refresh_from_db()
    assert (ending.state, ending.end_reason, ending.ended_at) == (
        Order.State.COMPLETED,
        "time_over",
        ending.ends_at,
    )
    last = Message.objects.filter(order=ending).order_by("-seq").first()
    assert (last.seq, last.kind, last.system_code, last.text) == (
        2,
        "system",
        "time_over",
        "Service time is over.",
    )
    starting.refresh_from_db()
    assert starting.state == Order.State.ACTIVE
    assert starting.activated_at == now
    assert Order.objects.get(pk=later.pk).state == Order.State.ACTIVE  # started by the 2nd sweep
    delivered = settled(client_sockets, session_sockets)
    states = [f for g, f in delivered if g == client_sockets.group and f["type"] == "session.state"]
    assert states == [events.session_state_frame(ending)]
    system = [f for g, f in delivered if g == session_sockets.group and f["type"] == "message.new"]
    assert [(f["seq"], f["code"], f["role"]) for f in system] == [(2, "time_over", "system")]


def test_not_yet_due_sessions_are_left_alone():
    # given
    order = AcceptedOrderFactory()
    running = ChatOrderFactory()
    # when
    done = lifecycle.sessions_due_sweep(now=order.starts_at - timedelta(seconds=1))
    # then
    assert done == {"activated": 0, "completed": 0}
    assert Order.objects.get(pk=order.pk).state == Order.State.ACCEPTED
    assert Order.objects.get(pk=running.pk).state == Order.State.ACTIVE
    assert Message.objects.count() == 0
    with pytest.raises(DomainError):
        lifecycle.session_complete(order_id=running.pk)
    assert Message.objects.count() == 0


def test_client_can_end_early_listener_cannot():
    # given
    order = ChatOrderFactory()
    # when
    with pytest.raises(NotFound):
        lifecycle.session_end_early(user=order.listener.user, order_id=order.pk)
    assert Order.objects.get(pk=order.pk).state == Order.State.ACTIVE
    ended = lifecycle.session_end_early(user=order.client, order_id=order.pk)
    # then
    assert (ended.state, ended.end_reason) == (Order.State.COMPLETED, "client_ended")
    assert list(Message.objects.filter(order=order).values_list("system_code", flat=True)) == [
        "client_ended"
    ]


def test_terminate_records_the_reason_and_runs_end_steps(monkeypatch):
    # given
    order = ChatOrderFactory()
    seen = []
    monkeypatch.setattr(lifecycle.clocks, "step_stop_clocks", lambda o: seen.append(o.state))
    # when
    ended = lifecycle.session_terminate(order_id=order.pk, reason="three missed replies")
    # then
    assert (ended.state, ended.end_reason) == (Order.State.TERMINATED, "three missed replies")
    assert seen == [Order.State.TERMINATED]
    with pytest.raises(InvalidTransition):
        lifecycle.session_terminate(order_id=order.pk, reason="again")
    assert Message.objects.filter(order=order).count() == 1


def test_beat_task_runs_the_sweep():
    order = ChatOrderFactory(starts_at=ChatOrderFactory().starts_at - timedelta(hours=2))
    assert sweep_due_sessions() == {"activated": 0, "completed": 1}
    assert Order.objects.get(pk=order.pk).state == Order.State.COMPLETED
