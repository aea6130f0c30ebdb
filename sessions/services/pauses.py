"""Pauses by agreement: the listener asks for 1-15 minutes, the client accepts or declines.

While an accepted pause runs no reply clock runs: the running deadline and the session's
end both move later by the pause's length, and a client message sent during the pause
gets its window from the pause's end. Nobody can pause alone: only the listener asks,
only the client answers, and an unanswered request lapses after PAUSE_ANSWER_SECONDS.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from marketplace.exceptions import DomainError, NotFound
from marketplace.models import User
from sessions import events
from sessions.models import Order, Pause
from sessions.models.clocks import MAX_PAUSE_SECONDS, MIN_PAUSE_SECONDS
from sessions.services.clocks import clocks_catch_up
from sessions.services.transcript import system_message_post

PAUSE_ANSWER_SECONDS = 120
PAUSE_TEXTS = {
    "pause_asked": gettext_noop("The listener asks for a short pause."),
    "pause_accepted": gettext_noop("Pause accepted: the reply clock and the session wait."),
    "pause_declined": gettext_noop("The client declined the pause."),
}


class PauseRefused(DomainError):
    code = "pause_refused"
    status = 409


def _locked_order_for(*, user: User, order_id: int) -> Order:
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("listener")
        .filter(pk=order_id)
        .first()
    )
    if order is None or user.pk not in (order.client_id, order.listener.user_id):
        raise NotFound(_("No such session."))
    return order


def _running(*, order: Order, now: datetime) -> Pause | None:
    return Pause.objects.filter(
        order=order, state=Pause.State.ACCEPTED, starts_at__lte=now, ends_at__gt=now
    ).first()


def _lapse_stale(*, order: Order, now: datetime) -> None:
    Pause.objects.filter(
        order=order,
        state=Pause.State.REQUESTED,
        requested_at__lte=now - timedelta(seconds=PAUSE_ANSWER_SECONDS),
    ).update(state=Pause.State.EXPIRED, answered_at=now)


def _announce(pause: Pause) -> None:
    events.send_on_commit(events.order_group(pause.order_id), events.pause_frame(pause))


def pause_request(
    *, user: User, order_id: int, minutes: object, now: datetime | None = None
) -> Pause:
    """The listener asks the client for a pause of `minutes` (1-15)."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise PauseRefused(_("Ask for a whole number of minutes."), code="pause_length")
    seconds = minutes * 60
    if not MIN_PAUSE_SECONDS <= seconds <= MAX_PAUSE_SECONDS:
        raise PauseRefused(_("A pause lasts 1 to 15 minutes."), code="pause_length")
    with transaction.atomic():
        order = _locked_order_for(user=user, order_id=order_id)
        now = now or timezone.now()
        if order.listener.user_id != user.pk:
            raise PauseRefused(_("Only the listener can ask for a pause."), code="pause_not_yours")
        if order.state != Order.State.ACTIVE:
            raise PauseRefused(_("This session is not running."), code="session_closed")
        if _running(order=order, now=now) is not None:
            raise PauseRefused(_("A pause is already running."), code="pause_running")
        _lapse_stale(order=order, now=now)
        if Pause.objects.filter(order=order, state=Pause.State.REQUESTED).exists():
            raise PauseRefused(_("A pause request is waiting for an answer."), code="pause_pending")
        pause = Pause.objects.create(
            order=order, requested_by=user, seconds=seconds, requested_at=now
        )
        system_message_post(
            order=order, code="pause_asked", text=PAUSE_TEXTS["pause_asked"], now=now
        )
        _announce(pause)
    return pause


def pause_answer(
    *, user: User, order_id: int, pause_id: int, accept: bool, now: datetime | None = None
) -> Pause:
    """The client accepts or declines the listener's pending request."""
    with transaction.atomic():
        order = _locked_order_for(user=user, order_id=order_id)
        now = now or timezone.now()
        if order.client_id != user.pk:
            raise PauseRefused(_("Only the client can answer a pause."), code="pause_not_yours")
        _lapse_stale(order=order, now=now)
        pause = Pause.objects.filter(pk=pause_id, order=order).first()
        if pause is None:
            raise NotFound(_("No such pause."))
        if pause.state != Pause.State.REQUESTED:
            raise PauseRefused(_("This pause was already answered or lapsed."), code="pause_closed")
        if order.state != Order.State.ACTIVE:
            raise PauseRefused(_("This session is not running."), code="session_closed")
        pause.answered_at = now
        if not accept:
            pause.state = Pause.State.DECLINED
            pause.save(update_fields=["state", "answered_at"])
            system_message_post(
                order=order, code="pause_declined", text=PAUSE_TEXTS["pause_declined"], now=now
            )
            _announce(pause)
            return pause
        # Deadlines already passed are missed whatever is agreed now.
        clock = clocks_catch_up(order=order, now=now)
        order.refresh_from_db()
        if order.state != Order.State.ACTIVE:
            raise PauseRefused(_("This session is not running."), code="session_closed")
        length = timedelta(seconds=pause.seconds)
        pause.state = Pause.State.ACCEPTED
        pause.starts_at = now
        pause.ends_at = now + length
        pause.save(update_fields=["state", "answered_at", "starts_at", "ends_at"])
        order.ends_at += length
        order.save(update_fields=["ends_at"])
        if clock is not None:
            clock.deadline += length
            clock.save(update_fields=["deadline"])
            events.send_on_commit(
                events.order_group(order.pk),
                events.clock_frame(order_id=order.pk, deadline=clock.deadline),
            )
        system_message_post(
            order=order, code="pause_accepted", text=PAUSE_TEXTS["pause_accepted"], now=now
        )
        _announce(pause)
        state = events.session_state_frame(order)
        for user_id in (order.client_id, order.listener.user_id):
            events.send_on_commit(events.user_group(user_id), state)
    return pause
