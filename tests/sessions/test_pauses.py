"""Pauses by agreement: the listener asks, the client answers; an accepted pause stops the
reply clock and moves the session's end by the same time."""

from datetime import timedelta

import pytest

from marketplace.exceptions import NotFound
from sessions.models import Message, Order, Pause
from sessions.services import pauses
from sessions.services import watcher as watcher_services
from tests.sessions.clock_helpers import T0, active_order, at, breaches, clocks, send

pytestmark = pytest.mark.django_db


def ask(order, seconds: float, minutes: int = 5) -> Pause:
    return pauses.pause_request(
        user=order.listener.user, order_id=order.pk, minutes=minutes, now=at(seconds)
    )


def answer(order, pause, seconds: float, accept: bool = True) -> Pause:
    return pauses.pause_answer(
        user=order.client, order_id=order.pk, pause_id=pause.pk, accept=accept, now=at(seconds)
    )


def test_listener_asks_and_the_request_waits_for_the_client():
    # given
    order = active_order(window=10)
    # when
    pause = ask(order, 5, minutes=3)
    # then
    assert (pause.state, pause.seconds, pause.requested_at) == (Pause.State.REQUESTED, 180, at(5))
    assert Message.objects.filter(order=order, system_code="pause_asked").count() == 1


@pytest.mark.parametrize("minutes", [0, 16, -1, "5", 2.5, True, None])
def test_pause_length_outside_one_to_fifteen_minutes_is_refused(minutes):
    # given
    order = active_order(window=10)
    # when / then
    with pytest.raises(pauses.PauseRefused):
        ask(order, 5, minutes=minutes)
    assert Pause.objects.filter(order=order).count() == 0


def test_client_cannot_ask_for_a_pause_and_listener_cannot_accept_one():
    # given
    order = active_order(window=10)
    pause = ask(order, 5)
    # when / then
    with pytest.raises(pauses.PauseRefused):
        pauses.pause_request(user=order.client, order_id=order.pk, minutes=5, now=at(6))
    with pytest.raises(pauses.PauseRefused):
        pauses.pause_answer(
            user=order.listener.user, order_id=order.pk, pause_id=pause.pk, accept=True, now=at(6)
        )
    pause.refresh_from_db()
    assert pause.state == Pause.State.REQUESTED


def test_a_stranger_sees_no_session():
    # given
    order = active_order(window=10)
    other = active_order(window=10)
    # when / then
    with pytest.raises(NotFound):
        pauses.pause_request(user=other.listener.user, order_id=order.pk, minutes=5, now=at(1))
    assert Pause.objects.count() == 0


def test_a_second_request_while_one_waits_is_refused():
    # given
    order = active_order(window=10)
    ask(order, 5)
    # when / then
    with pytest.raises(pauses.PauseRefused) as error:
        ask(order, 6)
    assert error.value.code == "pause_pending"
    assert Pause.objects.filter(order=order).count() == 1


def test_an_unanswered_request_lapses_and_cannot_be_accepted():
    # given
    order = active_order(window=10)
    pause = ask(order, 5)
    # when / then
    with pytest.raises(pauses.PauseRefused):
        answer(order, pause, 5 + pauses.PAUSE_ANSWER_SECONDS + 1)
    pause.refresh_from_db()
    order.refresh_from_db()
    assert pause.state == Pause.State.REQUESTED  # the refusal rolled back with the answer
    assert order.ends_at == T0 + timedelta(minutes=60)
    assert ask(order, 200).state == Pause.State.REQUESTED  # a new request is possible


def test_declining_changes_nothing_but_the_request():
    # given
    order = active_order(window=10)
    send(order, "client", 1)
    pause = ask(order, 2)
    # when
    answer(order, pause, 3, accept=False)
    # then
    pause.refresh_from_db()
    order.refresh_from_db()
    assert pause.state == Pause.State.DECLINED
    assert order.ends_at == T0 + timedelta(minutes=60)
    assert clocks(order)[0].deadline == at(11)


def test_accepting_moves_the_running_deadline_and_the_session_end():
    # given: a client message waiting since 1 s (deadline 11 s)
    order = active_order(window=10)
    send(order, "client", 1)
    pause = ask(order, 2, minutes=5)
    # when
    answer(order, pause, 4)
    # then
    pause.refresh_from_db()
    order.refresh_from_db()
    assert (pause.state, pause.starts_at, pause.ends_at) == (Pause.State.ACCEPTED, at(4), at(304))
    assert order.ends_at == T0 + timedelta(minutes=65)
    assert clocks(order)[0].deadline == at(311)
    assert watcher_services.clocks_sweep(now=at(300), compensate=False).breaches == 0


def test_no_clock_runs_during_a_pause_and_latency_excludes_it():
    # given: a one-minute pause from 10 s to 70 s
    order = active_order(window=10)
    answer(order, ask(order, 5, minutes=1), 10)
    # when: the client writes during the pause, the listener answers after it
    send(order, "client", 20)
    watcher_services.clocks_sweep(now=at(75), compensate=False)
    send(order, "listener", 78)
    # then: the window runs from the pause's end (70 s + 10 s)
    [clock] = clocks(order)
    assert clock.deadline == at(80)
    assert breaches(order) == []
    assert clock.latency_ms == 8_000  # 58 s elapsed, 50 s of them paused


def test_a_deadline_missed_before_the_pause_is_accepted_stays_missed():
    # given: deadline at 11 s, nobody swept
    order = active_order(window=10)
    send(order, "client", 1)
    pause = ask(order, 5)
    # when
    answer(order, pause, 15)
    # then
    [breach] = breaches(order)
    assert breach.deadline == at(11)
    assert clocks(order)[0].deadline == at(21 + 300)


def test_no_new_request_while_a_pause_runs():
    # given
    order = active_order(window=10)
    answer(order, ask(order, 5, minutes=2), 6)
    # when / then
    with pytest.raises(pauses.PauseRefused) as error:
        ask(order, 60)
    assert error.value.code == "pause_running"


def test_pause_on_a_session_that_is_not_running_is_refused():
    # given
    order = active_order(window=10)
    Order.objects.filter(pk=order.pk).update(state=Order.State.COMPLETED, ended_at=at(1))
    # when / then
    with pytest.raises(pauses.PauseRefused):
        ask(order, 5)
    assert Pause.objects.count() == 0
