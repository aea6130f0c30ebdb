from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from payments import stripe_gateway as gateway
from payments.models import Account, Entry, LedgerTransaction, Payment, Payout, Refund
from payments.selectors import listener_earnings, order_escrow_balance_fen
from payments.services import ledger, payouts, refunds, settlement
from payments.services import payments as payment_services
from sessions.models import Order
from sessions.services.transitions import order_transition
from tests.factories import StaffUserFactory
from tests.payments.helpers import order_paid
from tests.sessions.factories import OrderFactory

pytestmark = pytest.mark.django_db


def completed_order(*, hours_ago: float = 25, price_check=True) -> Order:
    order = order_paid(OrderFactory())
    ended = timezone.now() - timedelta(hours=hours_ago)
    order_transition(order_id=order.pk, to=Order.State.ACCEPTED)
    order_transition(order_id=order.pk, to=Order.State.ACTIVE)
    order_transition(order_id=order.pk, to=Order.State.COMPLETED, now=ended)
    order.refresh_from_db()
    return order


def balance(code: str) -> int:
    return sum(Entry.objects.filter(account__code=code).values_list("amount_fen", flat=True))


def test_release_after_the_window_splits_commission(settings):
    # given
    settings.PLATFORM_COMMISSION_PERCENT = 25
    order = completed_order()
    # when
    release = settlement.escrow_release(order_id=order.pk)
    # then
    order.refresh_from_db()
    assert order.state == Order.State.SETTLED
    commission = order.price_fen * 25 // 100
    assert release.commission_fen == commission
    assert release.listener_fen == order.price_fen - commission
    assert balance("platform_commission") == commission
    assert balance(f"listener_payable:{order.listener_id}") == order.price_fen - commission
    assert order_escrow_balance_fen(order=order) == 0


def test_no_release_inside_the_dispute_window(settings):
    # given
    settings.DISPUTE_WINDOW_HOURS = 24
    order = completed_order(hours_ago=23)
    # when
    release = settlement.escrow_release(order_id=order.pk)
    swept = settlement.settlement_sweep()
    # then
    assert release is None
    assert swept == 0
    order.refresh_from_db()
    assert order.state == Order.State.COMPLETED
    assert not LedgerTransaction.objects.filter(kind="release").exists()


def test_hold_freezes_settlement_until_lifted():
    # given
    order = completed_order()
    settlement.settlement_hold_place(order_id=order.pk, source="dispute:1", reason="disputed")
    # when
    frozen = settlement.settlement_sweep()
    # then
    assert frozen == 0
    assert settlement.order_settlement_frozen(order=order) is True
    # when
    settlement.settlement_hold_lift(source="dispute:1")
    released = settlement.settlement_sweep()
    # then
    assert released == 1
    assert settlement.order_settlement_frozen(order=order) is False


def test_release_after_refunds_releases_only_what_is_left(settings):
    # given
    settings.PLATFORM_COMMISSION_PERCENT = 20
    order = completed_order()
    refunds.refund_issue(
        order_id=order.pk, amount_fen=1001, reason="r", cause="breach", idempotency_source="b:1"
    )
    # when
    release = settlement.escrow_release(order_id=order.pk)
    # then
    left = order.price_fen - 1001
    assert release.released_fen == left
    assert release.commission_fen + release.listener_fen == left
    assert release.commission_fen == left * 20 // 100


def test_release_twice_posts_once():
    # given
    order = completed_order()
    settlement.escrow_release(order_id=order.pk)
    # when
    again = settlement.escrow_release(order_id=order.pk)
    # then
    assert again is None
    assert LedgerTransaction.objects.filter(kind="release").count() == 1


def test_commission_outside_20_to_30_is_refused(settings):
    # given
    settings.PLATFORM_COMMISSION_PERCENT = 35
    order = completed_order()
    # when
    with pytest.raises(Exception, match="20-30"):
        settlement.escrow_release(order_id=order.pk)
    # then
    assert not LedgerTransaction.objects.filter(kind="release").exists()


def test_earnings_and_a_staff_approved_manual_payout():
    # given
    order = completed_order()
    listener = order.listener
    pending = listener_earnings(listener=listener)
    settlement.escrow_release(order_id=order.pk)
    share = order.price_fen - order.price_fen * 25 // 100
    staff = StaffUserFactory()
    # when
    batch = payouts.payout_batch_create(created_by=staff)
    in_batch = listener_earnings(listener=listener)
    payouts.payout_batch_approve(batch_id=batch.pk, approved_by=staff)
    after = listener_earnings(listener=listener)
    # then
    assert pending.pending_fen == order.price_fen
    assert in_batch.available_fen == 0
    assert in_batch.in_payout_fen == share
    payout = Payout.objects.get()
    assert payout.status == Payout.Status.SENT
    assert payout.gateway_reference == f"manual-{payout.pk}"
    assert after.paid_out_fen == share
    assert after.available_fen == 0
    assert payouts.payout_batch_create(created_by=staff) is None


def test_ledger_rows_are_append_only():
    # given
    order = order_paid(OrderFactory())
    txn = LedgerTransaction.objects.get(order=order)
    entry = txn.entries.first()
    # when / then
    with pytest.raises(Exception, match=r"append-only|never"):
        entry.delete()
    with pytest.raises(Exception, match=r"append-only|never"):
        Entry.objects.filter(pk=entry.pk).update(amount_fen=1)
    txn.memo = "changed"
    with pytest.raises(Exception, match=r"append-only|never"):
        txn.save()
    assert Entry.objects.get(pk=entry.pk).amount_fen == entry.amount_fen


def test_unbalanced_posting_is_refused():
    # given
    order = order_paid(OrderFactory())
    escrow = ledger.account_escrow(order_id=order.pk)
    # when
    with pytest.raises(ledger.LedgerError):
        ledger.ledger_post(
            key="bad",
            kind="reversal",
            cause="test",
            legs=[ledger.Leg(escrow, -5), ledger.Leg(ledger.account_refunds(), 4)],
        )
    with pytest.raises(ledger.LedgerError):
        ledger.ledger_post(
            key="overdraw",
            kind="refund",
            cause="test",
            legs=[
                ledger.Leg(escrow, -(order.price_fen + 1)),
                ledger.Leg(ledger.account_refunds(), order.price_fen + 1),
            ],
        )
    # then
    assert not LedgerTransaction.objects.filter(key__in=["bad", "overdraw"]).exists()


def test_ledger_check_command_passes_and_fails(capsys):
    # given
    order_paid(OrderFactory())
    # when
    call_command("ledger_check")
    # then
    assert "ok" in capsys.readouterr().out
    # given: a refund row claiming success that the ledger never saw
    order = Order.objects.get()
    Refund.objects.create(
        order=order,
        payment=order.payment,
        amount_fen=1,
        cause="admin",
        reason="x",
        idempotency_source="forged",
        status=Refund.Status.SUCCEEDED,
    )
    # when / then
    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger_check")
    assert exit_info.value.code == 1
    Refund.objects.filter(idempotency_source="forged").delete()
    assert Account.objects.filter(kind="escrow").count() == 1


def test_pending_earnings_are_what_escrow_still_holds_for_unsettled_orders(
    settings, django_assert_num_queries
):
    # given: one order settled, another paid with a refund on its way out of escrow
    settings.PLATFORM_COMMISSION_PERCENT = 25
    settled = completed_order()
    settlement.escrow_release(order_id=settled.pk)
    listener = settled.listener
    paid = order_paid(
        OrderFactory(
            listener=listener, tier=settled.tier, starts_at=settled.starts_at + timedelta(days=2)
        )
    )
    refunds.refund_reserve(
        order_id=paid.pk,
        amount_fen=100,
        reason="test",
        cause=Refund.Cause.ADMIN,
        idempotency_source=f"test:{paid.pk}",
    )
    # when
    with django_assert_num_queries(5):
        earned = listener_earnings(listener=listener)
    # then
    assert earned.pending_fen == paid.price_fen - 100 == order_escrow_balance_fen(order=paid)
    assert earned.available_fen == settled.price_fen - settled.price_fen * 25 // 100
    assert earned.in_payout_fen == 0
    assert earned.paid_out_fen == 0


def _capture_recorded_without_stripe(order: Order, *, intent_id: str) -> None:
    """Book a capture as a forged webhook could before payments were checked with Stripe."""
    payment = payment_services.payment_prepare(order_id=order.pk)
    forged = gateway.IntentView(
        id=intent_id,
        status="succeeded",
        amount_fen=payment.amount_fen,
        currency=payment.currency,
        client_secret="",
        order_id=order.pk,
        amount_received_fen=payment.amount_fen,
    )
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id=intent_id)
    payment_services.escrow_capture(payment_id=payment.pk, intent=forged, cause="forged")


def test_ledger_check_reports_captures_that_stripe_does_not_know(capsys):
    # given: one genuinely paid order, one whose capture Stripe never saw, and one whose
    # intent exists at Stripe but was never paid
    paid = order_paid(OrderFactory())
    unknown = OrderFactory()
    _capture_recorded_without_stripe(unknown, intent_id="pi_forged00000000")
    unpaid = OrderFactory()
    unpaid_intent = payment_services.payment_prepare(order_id=unpaid.pk).stripe_payment_intent_id
    _capture_recorded_without_stripe(unpaid, intent_id=unpaid_intent)
    # when
    with pytest.raises(SystemExit) as exit_info:
        call_command("ledger_check")
    # then: the two are named; the ledger itself is consistent, and the paid order is fine
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    unknown_txn = LedgerTransaction.objects.get(order=unknown, kind="capture")
    unpaid_txn = LedgerTransaction.objects.get(order=unpaid, kind="capture")
    assert err.splitlines() == [
        f"order {unknown.pk}: capture {unknown_txn.pk} of pi_forged00000000: "
        "Stripe does not know this payment",
        f"order {unpaid.pk}: capture {unpaid_txn.pk} of {unpaid_intent}: "
        "Stripe says requires_payment_method, not succeeded",
        "ledger_check: 2 problem(s)",
    ]
    assert f"order {paid.pk}" not in err


def test_ledger_check_can_skip_stripe(capsys):
    # given
    _capture_recorded_without_stripe(OrderFactory(), intent_id="pi_forged00000001")
    # when
    call_command("ledger_check", "--skip-stripe")
    # then
    assert capsys.readouterr().out.strip() == "ledger_check: ok"
