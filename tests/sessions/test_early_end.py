"""A fair early end: the client pays the minutes used plus the minimum and the rest is
refunded; the listener ending early refunds all unused time; a per-minute session pays
only its minutes; the terms are on the booking and pay pages and the confirmation shows
the amount. Ledger invariants after every test."""

from datetime import timedelta

import pytest
from django.test import override_settings

from payments.invariants import assert_ledger_consistent
from payments.models import Refund
from payments.money import yuan
from payments.selectors import order_escrow_balance_fen
from sessions.services import lifecycle
from sessions.services.early_end import early_end_quote
from tests.sessions.clock_helpers import T0, paid_active_order
from tests.sessions.metering_helpers import metered_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _money(local_stripe, request):
    request.getfixturevalue("_django_db_helper")
    yield
    assert_ledger_consistent()


def test_client_ending_after_three_minutes_pays_three_plus_the_minimum(
    django_capture_on_commit_callbacks,
):
    # given: 30 minutes bought; the tier's minimum (15) is above the default (10)
    order = paid_active_order(minutes=30)
    assert order.tier.min_minutes == 15
    # when: ended 2 min 10 s in (three minutes started)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.session_end_early(
            user=order.client, order_id=order.pk, now=T0 + timedelta(minutes=2, seconds=10)
        )
    # then: 18 of 30 minutes paid, 12 refunded
    refund = Refund.objects.get(order=order)
    assert (refund.cause, refund.status) == (Refund.Cause.EARLY_END, Refund.Status.SUCCEEDED)
    assert refund.amount_fen == order.price_fen * 12 // 30
    assert order_escrow_balance_fen(order=order) == order.price_fen - refund.amount_fen


@override_settings(EARLY_END_MINIMUM_MINUTES=20)
def test_the_configured_minimum_counts_when_larger_than_the_tiers():
    # given
    order = paid_active_order(minutes=30)
    # when
    quote = early_end_quote(order=order, now=T0 + timedelta(minutes=5))
    # then
    assert (quote.minutes_used, quote.minutes_paid) == (5, 25)
    assert quote.refund_fen == order.price_fen * 5 // 30


def test_late_in_the_session_nothing_is_refunded(django_capture_on_commit_callbacks):
    # given
    order = paid_active_order(minutes=30)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.session_end_early(
            user=order.client, order_id=order.pk, now=T0 + timedelta(minutes=20)
        )
    # then
    assert Refund.objects.filter(order=order).count() == 0
    assert order_escrow_balance_fen(order=order) == order.price_fen


def test_the_listener_ending_early_refunds_all_unused_time(django_capture_on_commit_callbacks):
    # given
    order = paid_active_order(minutes=30)
    # when: ended by the listener after 6 minutes
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.session_end_by_listener(
            user=order.listener.user, order_id=order.pk, now=T0 + timedelta(minutes=6)
        )
    # then: 24 of 30 minutes back
    refund = Refund.objects.get(order=order)
    assert refund.amount_fen == order.price_fen * 24 // 30
    order.refresh_from_db()
    assert order.end_reason == "listener_ended"


def test_someone_else_cannot_end_it_and_nothing_changes():
    # given
    order = paid_active_order(minutes=30)
    # when / then
    from marketplace.exceptions import NotFound

    with pytest.raises(NotFound):
        lifecycle.session_end_by_listener(user=order.client, order_id=order.pk, now=T0)
    order.refresh_from_db()
    assert order.state == "active"
    assert Refund.objects.count() == 0


def test_a_per_minute_session_refunds_nothing_once_its_minute_started():
    # given
    order = metered_session(balance_fen=1_500)
    # when
    lifecycle.session_end_early(
        user=order.client, order_id=order.pk, now=order.activated_at + timedelta(seconds=20)
    )
    # then
    assert Refund.objects.filter(order=order).count() == 0


def test_the_confirmation_page_repeats_the_terms_with_the_amount(client):
    # given
    order = paid_active_order(minutes=30)
    client.force_login(order.client)
    # when
    page = client.get(f"/chat/{order.pk}/end/").content.decode()
    # then: the session (on the test clock) has not used a minute yet: the minimum of 15
    # of 30 minutes is paid and half is refunded
    half = order.price_fen - order.price_fen * 15 // 30
    assert f'id="end-paid">¥{yuan(half)}' in page
    assert f'id="end-refund">¥{yuan(order.price_fen * 15 // 30)}' in page
    assert "15 分钟" in page  # the minimum in the terms
    book = client.get(f"/chat/book/{order.tier_id}/").content.decode()
    assert 'id="early-end-terms"' in book
    assert "15 分钟" in book
