"""Per-minute sessions with a controllable clock: the first minute at booking, a minute
at each boundary, the warning, the pause at zero (no sending, no breach), resume within
the grace, the end after it, stopping, breach refunds back to the wallet, settlement; the
ledger invariants after every test."""

from datetime import timedelta

import pytest
from django.conf import settings

from listeners.models import ListenerProfile
from listeners.pricing import minute_prices_fen
from payments.invariants import assert_ledger_consistent
from payments.models import Entry, LedgerTransaction, Refund
from payments.services import settlement
from payments.wallet.selectors import wallet_balance_fen
from sessions.exceptions import SessionClosed
from sessions.models import Breach, Message, Order, ReplyClock
from sessions.services import chat, lifecycle, metering, watcher
from sessions.services.compensation import breach_compensate
from sessions.services.orders import BookingError, order_decline
from tests.factories import UserFactory
from tests.listeners.factories import PricingTierFactory
from tests.payments.wallet_helpers import topup_paid
from tests.sessions.metering_helpers import MINUTE_FEN, at, metered_session, per_minute_tier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _money(local_stripe, request):
    request.getfixturevalue("_django_db_helper")
    yield
    assert_ledger_consistent()


def send(order, who, seconds, key):
    user = order.client if who == "client" else order.listener.user
    return chat.message_send(
        user=user, order_id=order.pk, client_id=key, text="hi", now=at(seconds)
    )


def system_codes(order):
    return list(
        Message.objects.filter(order=order, kind=Message.Kind.SYSTEM)
        .order_by("seq")
        .values_list("system_code", flat=True)
    )


def test_minute_prices_derive_from_the_hourly_price_or_are_set():
    # given
    derived = PricingTierFactory(price_per_hour_fen=6_000, night_surcharge_percent=200)
    set_day = PricingTierFactory(minute_price_fen=150, night_surcharge_percent=100)
    both = PricingTierFactory(minute_price_fen=150, night_minute_price_fen=200)
    # when / then
    assert minute_prices_fen(derived) == (100, 300)
    assert minute_prices_fen(set_day) == (150, 300)
    assert minute_prices_fen(both) == (150, 200)


def test_booking_charges_the_first_minute_and_the_clock_starts_with_the_session():
    # given / when
    order = metered_session(balance_fen=1_500)
    # then
    assert (order.kind, order.state, order.minutes, order.price_fen) == (
        Order.Kind.METERED,
        Order.State.ACTIVE,
        1,
        MINUTE_FEN,
    )
    assert order.ends_at == at(60)
    assert wallet_balance_fen(client_id=order.client_id) == 1_000
    assert LedgerTransaction.objects.filter(key=f"charge:{order.pk}:1").exists()


def test_each_boundary_charges_one_minute_once_and_warns_two_minutes_before_zero():
    # given: ¥15 = three minutes
    order = metered_session(balance_fen=1_500)
    # when: more than the lookahead (1 s) before the boundary nothing is due; within it
    # the minute is charged ahead, once
    early = metering.metering_pass(now=at(58.9))
    first = metering.metering_pass(now=at(59.2))
    again = metering.metering_pass(now=at(60.5))
    # then
    assert early["charged"] == 0
    assert first == {"charged": 1, "warned": 1, "paused": 0, "ended": 0}
    assert again["charged"] == 0
    order.refresh_from_db()
    assert (order.minutes, order.price_fen, order.ends_at) == (2, 1_000, at(120))
    assert wallet_balance_fen(client_id=order.client_id) == 500
    assert system_codes(order) == ["started", "balance_low"]
    # the warning is given once
    assert metering.metering_pass(now=at(120))["warned"] == 0


def test_at_zero_the_session_pauses_no_sending_and_no_breach():
    # given: two minutes paid, the client waits for a reply
    order = metered_session(balance_fen=1_000)
    metering.metering_pass(now=at(60))
    send(order, "client", 100, "c1")
    clock = ReplyClock.objects.get(order=order, status=ReplyClock.Status.OPEN)
    assert clock.deadline == at(100 + order.reply_window_seconds)
    # when: the third minute cannot be paid: the paid minute runs to its end first
    assert metering.metering_pass(now=at(119.5))["paused"] == 0
    result = metering.metering_pass(now=at(120))
    # then
    assert result["paused"] == 1
    order.refresh_from_db()
    assert order.paused_at == at(120)
    assert order.state == Order.State.ACTIVE
    with pytest.raises(SessionClosed) as refused:
        send(order, "listener", 125, "l1")
    assert refused.value.code == "session_paused"
    # the deadline (at 130 s) passes during the pause: no breach
    watcher.clocks_sweep(now=at(200))
    assert Breach.objects.filter(order=order).count() == 0
    assert system_codes(order)[-1] == "paused_balance"


def test_top_up_and_resume_within_the_grace_keeps_the_chat_and_the_clock():
    # given
    order = metered_session(balance_fen=1_000)
    metering.metering_pass(now=at(60))
    send(order, "client", 110, "c1")  # deadline at 140 s: 20 s left at the pause
    metering.metering_pass(now=at(120))
    topup_paid(order.client, 2_000)
    # when: resumed 90 s into the pause
    order = metering.metered_resume(user=order.client, order_id=order.pk, now=at(210))
    # then
    assert order.paused_at is None
    assert (order.minutes, order.price_fen, order.ends_at) == (3, 1_500, at(270))
    clock = ReplyClock.objects.get(order=order, status=ReplyClock.Status.OPEN)
    assert clock.deadline == at(230)
    send(order, "listener", 215, "l1")  # answered in time
    assert Breach.objects.filter(order=order).count() == 0
    assert wallet_balance_fen(client_id=order.client_id) == 1_500
    assert system_codes(order)[-1] == "resumed"
    assert Message.objects.filter(order=order, kind=Message.Kind.TEXT).count() == 2


def test_resume_without_balance_or_after_the_grace_is_refused_and_the_session_ends():
    # given
    order = metered_session(balance_fen=1_000)
    metering.metering_pass(now=at(60))
    metering.metering_pass(now=at(120))
    entries = Entry.objects.count()
    # when / then: no top-up yet
    with pytest.raises(metering.MeteringRefused) as poor:
        metering.metered_resume(user=order.client, order_id=order.pk, now=at(130))
    assert poor.value.code == "balance_too_low"
    grace_end = 120 + settings.METERED_GRACE_SECONDS
    with pytest.raises(metering.MeteringRefused) as late:
        metering.metered_resume(user=order.client, order_id=order.pk, now=at(grace_end))
    assert late.value.code == "grace_over"
    assert Entry.objects.count() == entries
    # the pass ends it once the grace is over
    assert metering.metering_pass(now=at(grace_end - 1))["ended"] == 0
    assert metering.metering_pass(now=at(grace_end))["ended"] == 1
    order.refresh_from_db()
    assert (order.state, order.end_reason, order.price_fen) == (
        Order.State.COMPLETED,
        "balance_out",
        1_000,
    )


def test_stopping_pays_the_minutes_started_and_the_listener_is_paid_through_settlement():
    # given
    order = metered_session(balance_fen=2_000)
    metering.metering_pass(now=at(60))
    # when: stopped 10 s into the second minute
    lifecycle.session_end_early(user=order.client, order_id=order.pk, now=at(70))
    metering.metering_pass(now=at(120))  # nothing more is charged
    # then
    order.refresh_from_db()
    assert (order.state, order.minutes, order.price_fen) == (Order.State.COMPLETED, 2, 1_000)
    assert wallet_balance_fen(client_id=order.client_id) == 1_000
    release = settlement.escrow_release(
        order_id=order.pk, now=at(70) + timedelta(hours=settings.DISPUTE_WINDOW_HOURS)
    )
    assert release is not None
    order.refresh_from_db()
    assert order.state == Order.State.SETTLED


def test_a_breach_refunds_its_share_back_to_the_wallet():
    # given: three minutes charged, then a missed reply
    order = metered_session(balance_fen=2_000)
    metering.metering_pass(now=at(60))
    metering.metering_pass(now=at(120))
    send(order, "client", 130, "c1")
    # when
    watcher.clocks_sweep(now=at(131 + order.reply_window_seconds), compensate=False)
    breach = Breach.objects.get(order=order)
    breach_compensate(breach_id=breach.pk)
    # then: the tier's percent of what the session cost so far, back to the wallet
    assert breach.refund_fen == 1_500 * order.breach_refund_percent // 100
    refund = Refund.objects.get(order=order)
    assert (refund.payment_id, refund.status, refund.amount_fen) == (
        None,
        Refund.Status.SUCCEEDED,
        breach.refund_fen,
    )
    assert wallet_balance_fen(client_id=order.client_id) == 500 + breach.refund_fen


def test_a_declined_session_refunds_its_first_minute_to_the_wallet(
    django_capture_on_commit_callbacks,
):
    # given
    client = UserFactory()
    tier = per_minute_tier()
    topup_paid(client, 1_000)
    order = metering.metered_order_create(client=client, tier_id=tier.pk, now=at(0))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        order_decline(order_id=order.pk, listener_user=tier.listener.user, now=at(5))
    # then
    assert wallet_balance_fen(client_id=client.pk) == 1_000
    assert Refund.objects.get(order=order).status == Refund.Status.SUCCEEDED


def test_bad_starts_are_refused_and_change_nothing():
    # given
    client = UserFactory()
    tier = per_minute_tier()
    fixed = PricingTierFactory()
    # when / then: no balance
    with pytest.raises(metering.MeteringRefused) as poor:
        metering.metered_order_create(client=client, tier_id=tier.pk, now=at(0))
    assert poor.value.code == "balance_too_low"
    topup_paid(client, 1_000)
    # a tier not offered per minute
    with pytest.raises(BookingError) as fixed_only:
        metering.metered_order_create(client=client, tier_id=fixed.pk, now=at(0))
    assert fixed_only.value.code == "not_per_minute"
    # an offline listener
    ListenerProfile.objects.filter(pk=tier.listener_id).update(
        presence=ListenerProfile.Presence.OFFLINE
    )
    with pytest.raises(BookingError) as offline:
        metering.metered_order_create(client=client, tier_id=tier.pk, now=at(0))
    assert offline.value.code == "listener_offline"
    assert Order.objects.count() == 0
    # a second session drawing on the same wallet at once
    ListenerProfile.objects.filter(pk=tier.listener_id).update(
        presence=ListenerProfile.Presence.ONLINE
    )
    metering.metered_order_create(client=client, tier_id=tier.pk, now=at(0))
    other = per_minute_tier()
    with pytest.raises(BookingError) as second:
        metering.metered_order_create(client=client, tier_id=other.pk, now=at(1))
    assert second.value.code == "metered_open"
    assert Order.objects.count() == 1
    assert wallet_balance_fen(client_id=client.pk) == 1_000 - MINUTE_FEN


def test_a_minute_charged_ahead_and_never_started_comes_back_on_stop(
    django_capture_on_commit_callbacks,
):
    # given: the second minute charged 0.6 s before its boundary
    order = metered_session(balance_fen=1_500)
    metering.metering_pass(now=at(59.4))
    # when: the client stops before it starts
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.session_end_early(user=order.client, order_id=order.pk, now=at(59.7))
    # then: it pays the one minute started
    refund = Refund.objects.get(order=order)
    assert (refund.cause, refund.amount_fen, refund.status) == (
        Refund.Cause.EARLY_END,
        MINUTE_FEN,
        Refund.Status.SUCCEEDED,
    )
    assert wallet_balance_fen(client_id=order.client_id) == 1_000


def test_the_listener_ending_refunds_the_unused_part_of_the_minute(
    django_capture_on_commit_callbacks,
):
    # given
    order = metered_session(balance_fen=1_500)
    # when: 45 s into the first minute
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.session_end_by_listener(user=order.listener.user, order_id=order.pk, now=at(45))
    # then: a quarter of the minute back
    assert Refund.objects.get(order=order).amount_fen == MINUTE_FEN // 4


def test_a_pass_works_through_its_batches():
    # given: three sessions due at once, two per batch
    orders = [metered_session(balance_fen=1_500) for _ in range(3)]
    # when
    result = metering.metering_pass(now=at(60), batch_size=2)
    # then
    assert result["charged"] == 3
    for order in orders:
        order.refresh_from_db()
        assert order.minutes == 2


def test_the_pages_of_a_per_minute_session_render_for_both_sides(client):
    # given
    order = metered_session(balance_fen=1_500)
    # when / then: the client's pages
    client.force_login(order.client)
    for url in (f"/chat/orders/{order.pk}/", "/chat/orders/", f"/chat/{order.pk}/"):
        assert client.get(url).status_code == 200, url
    chat = client.get(f"/chat/{order.pk}/").content.decode()
    assert 'id="meter-balance">¥10.00' in chat
    assert 'id="meter-spent">¥5.00' in chat
    # the listener's: no balance of the client's shown
    client.force_login(order.listener.user)
    listener_chat = client.get(f"/chat/{order.pk}/").content.decode()
    assert 'id="meter-spent">¥5.00' in listener_chat
    assert "meter-balance" not in listener_chat
    assert client.get("/chat/dashboard/").status_code == 200
