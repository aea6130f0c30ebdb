"""Self-exclusion: start, lengthen, early end after 24 h; booking and spending refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.exceptions import DomainError
from marketplace.exclusion import (
    AccountPaused,
    client_may_receive_marketing,
    client_may_spend,
    effective_end,
    exclusion_active,
    exclusion_end_request,
    exclusion_start,
)
from marketplace.models import SelfExclusion
from sessions.models import Order
from sessions.services import lifecycle, orders
from sessions.services.chat import message_send
from tests.factories import UserFactory
from tests.listeners.factories import PricingTierFactory
from tests.sessions.chat_factories import ChatOrderFactory

pytestmark = pytest.mark.django_db


def test_a_pause_lasts_its_days_and_then_ends():
    # given
    user = UserFactory()
    t0 = timezone.now()
    # when
    exclusion_start(user_id=user.pk, days=7, now=t0)
    # then
    assert not client_may_spend(user.pk, now=t0 + timedelta(days=6, hours=23))
    assert not client_may_receive_marketing(user.pk, now=t0 + timedelta(days=1))
    assert client_may_spend(user.pk, now=t0 + timedelta(days=7))


def test_ending_early_waits_24_hours_from_the_first_ask():
    # given
    user = UserFactory()
    t0 = timezone.now()
    exclusion_start(user_id=user.pk, days=30, now=t0)
    # when: asked twice
    exclusion_end_request(user_id=user.pk, now=t0 + timedelta(days=2))
    pause = exclusion_end_request(user_id=user.pk, now=t0 + timedelta(days=2, hours=20))
    # then
    assert effective_end(pause) == t0 + timedelta(days=3)
    assert not client_may_spend(user.pk, now=t0 + timedelta(days=2, hours=23))
    assert client_may_spend(user.pk, now=t0 + timedelta(days=3))


def test_a_longer_pause_lengthens_and_a_shorter_one_changes_nothing():
    # given
    user = UserFactory()
    t0 = timezone.now()
    exclusion_start(user_id=user.pk, days=30, now=t0)
    # when
    exclusion_start(user_id=user.pk, days=7, now=t0 + timedelta(days=1))
    # then
    assert exclusion_active(user_id=user.pk, now=t0).ends_at == t0 + timedelta(days=30)
    # when
    exclusion_start(user_id=user.pk, days=90, now=t0 + timedelta(days=1))
    # then
    assert SelfExclusion.objects.get(user=user).ends_at == t0 + timedelta(days=91)


@pytest.mark.parametrize("days", [0, 1, -7, 365, True, "7"])
def test_other_lengths_are_refused(days):
    user = UserFactory()
    with pytest.raises(DomainError):
        exclusion_start(user_id=user.pk, days=days)
    assert SelfExclusion.objects.count() == 0


def test_ending_a_pause_that_does_not_exist_is_refused():
    with pytest.raises(DomainError):
        exclusion_end_request(user_id=UserFactory().pk)


def test_a_paused_account_cannot_book_on_any_path(client):
    # given
    user = UserFactory()
    tier = PricingTierFactory()
    exclusion_start(user_id=user.pk, days=7)
    start = timezone.now() + timedelta(days=1)
    # when / then: the service
    with pytest.raises(AccountPaused) as refused:
        orders.order_create(
            client=user, tier_id=tier.pk, kind="appointment", start=start, minutes=60
        )
    assert "Your account is paused until" in refused.value.message
    # and the API
    client.force_login(user)
    response = client.post(
        "/api/orders/",
        {"tier": tier.pk, "kind": "appointment", "start": start.isoformat(), "minutes": 60},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "account_paused"
    assert Order.objects.count() == 0


def test_the_step_back_page_pauses_and_asks_to_end_early(client):
    # given
    user = UserFactory()
    client.force_login(user)
    # when
    response = client.post("/care/step-back/", {"days": "30"})
    # then
    assert response.status_code == 302
    assert not client_may_spend(user.pk)
    # when: a bad value
    assert client.post("/care/step-back/", {"days": "1e9"}).status_code == 400
    # when
    client.post("/care/step-back/", {"action": "end_early"})
    # then
    pause = SelfExclusion.objects.get(user=user)
    assert pause.end_requested_at is not None
    assert pause.ends_at - pause.starts_at == timedelta(days=30)


def test_a_running_session_finishes_normally_during_a_pause():
    # given: a live session, then the client pauses
    order = ChatOrderFactory()
    exclusion_start(user_id=order.client_id, days=7)
    # when: both sides keep chatting, and the session runs to its end
    sent = message_send(user=order.client, order_id=order.pk, client_id="c1", text="still here")
    reply = message_send(user=order.listener.user, order_id=order.pk, client_id="l1", text="me too")
    ended = lifecycle.session_complete(order_id=order.pk, now=order.ends_at)
    # then
    assert (sent.duplicate, reply.duplicate) == (False, False)
    assert ended.state == Order.State.COMPLETED
    assert not client_may_spend(order.client_id)
