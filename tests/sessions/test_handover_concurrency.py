"""Hand-over races on PostgreSQL with real threads: the client's acceptance against a new
booking of the same teammate at their cap, a double-clicked acceptance, and a client
message waiting on the acceptance's lock."""

import threading

import pytest
from django.db import connection, transaction

from listeners.models import ListenerProfile
from listeners.services import team_create, team_invite, team_invite_answer
from sessions.models import Handover, Message, Order, ReplyClock
from sessions.services import chat
from sessions.services import handover as handovers
from sessions.services.orders import order_create
from tests.concurrency import run_together
from tests.factories import UserFactory
from tests.listeners.factories import ApprovedListenerFactory, PricingTierFactory
from tests.sessions.chat_factories import ChatOrderFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _proposed():
    owner, mate = ApprovedListenerFactory(), ApprovedListenerFactory(tier=False)
    team_create(owner=owner, name="夜航", commission_percent=0)
    invite = team_invite(owner=owner, phone=mate.user.phone)
    team_invite_answer(listener=mate, invite_id=invite.pk, accept=True)
    ListenerProfile.objects.filter(pk=mate.pk).update(max_concurrent_chats=1)
    order = ChatOrderFactory(listener=owner)
    handover = handovers.handover_propose(
        user=owner.user, order_id=order.pk, to_listener_id=mate.pk
    )
    return order, mate, handover


def test_a_booking_and_a_hand_over_never_take_a_listener_past_their_cap():
    # given: the teammate can take one chat; a hand-over to them waits for the client
    order, mate, handover = _proposed()
    tier = PricingTierFactory(listener=mate, same_price_at_night=True)
    someone = UserFactory()
    # when: the client accepts while someone else books the teammate
    accepted, booked = run_together(
        lambda: handovers.handover_answer(
            user=order.client, order_id=order.pk, handover_id=handover.pk, accept=True
        ),
        lambda: order_create(client=someone, tier_id=tier.pk, kind="instant", minutes=30),
    )
    # then: exactly one of them got the teammate
    wins = [not isinstance(result, Exception) for result in (accepted, booked)]
    assert wins.count(True) == 1, (accepted, booked)
    holding = Order.objects.filter(listener=mate).exclude(state="pending_payment").count()
    pending = Order.objects.filter(listener=mate, state="pending_payment").count()
    assert holding + pending == 1


def test_a_double_clicked_acceptance_hands_over_once():
    order, mate, handover = _proposed()
    results = run_together(
        *[
            lambda: handovers.handover_answer(
                user=order.client, order_id=order.pk, handover_id=handover.pk, accept=True
            )
            for _ in range(2)
        ]
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1
    assert refused[0].code == "handover_closed", refused[0].message
    assert Order.objects.get(pk=order.pk).listener == mate
    assert Handover.objects.get(pk=handover.pk).state == Handover.State.ACCEPTED


def test_a_client_message_waiting_on_the_hand_over_is_stored_for_the_new_listener():
    # given: the acceptance holds the order's lock, not yet committed
    order, mate, handover = _proposed()
    locked, release = threading.Event(), threading.Event()
    outcome = {}

    def accept():
        try:
            with transaction.atomic():
                handovers.handover_answer(
                    user=order.client, order_id=order.pk, handover_id=handover.pk, accept=True
                )
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    def write():
        try:
            locked.wait(timeout=10)
            outcome["result"] = chat.message_send(
                user=order.client, order_id=order.pk, client_id="race-1", text="还在吗"
            )
        except Exception as exc:  # noqa: BLE001 - the test reports it
            outcome["error"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=accept), threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    locked.wait(timeout=10)
    # when: the client's message waits on the lock, then the acceptance commits
    threads[1].join(timeout=0.5)
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    # then: the message is stored, and its reply clock is the new listener's
    assert "error" not in outcome, outcome
    assert Message.objects.filter(order=order, client_id="race-1").exists()
    assert ReplyClock.objects.get(order=order).listener_id == mate.pk
