import logging

import pytest
from django.conf import settings
from django.contrib.messages import get_messages

from payments import stripe_gateway as gateway
from payments.exceptions import InvalidAmount, PaymentUnavailable, RefundRefused
from payments.invariants import assert_ledger_consistent
from payments.models import LedgerTransaction, Refund
from payments.selectors import order_escrow_balance_fen
from payments.services import refunds
from payments.services.refunds import MAX_REFUND_ATTEMPTS
from tests.factories import StaffUserFactory
from tests.payments.helpers import order_paid
from tests.payments.stripe_proxy import StripeProxy
from tests.sessions.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def proxy(local_stripe):
    """The local Stripe server behind the fault-injecting, idempotency-keeping proxy."""
    proxy = StripeProxy(local_stripe)
    original = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = proxy.url
    yield proxy
    settings.STRIPE_API_BASE = original
    proxy.close()


def test_partial_refund_goes_through_stripe_and_the_ledger():
    # given
    order = order_paid(OrderFactory())
    # when
    refund = refunds.refund_issue(
        order_id=order.pk,
        amount_fen=100,
        reason="missed reply",
        cause=Refund.Cause.BREACH,
        idempotency_source="breach:1",
    )
    # then
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.stripe_refund_id.startswith("re_")
    assert order_escrow_balance_fen(order=order) == order.price_fen - 100
    txn = LedgerTransaction.objects.get(key=f"refund:{refund.pk}")
    assert txn.cause == f"stripe:{refund.stripe_refund_id}"


def test_same_source_refunds_once():
    # given
    order = order_paid(OrderFactory())
    first = refunds.refund_issue(
        order_id=order.pk, amount_fen=100, reason="r", cause="breach", idempotency_source="breach:7"
    )
    # when
    second = refunds.refund_issue(
        order_id=order.pk, amount_fen=100, reason="r", cause="breach", idempotency_source="breach:7"
    )
    # then
    assert second.pk == first.pk
    assert Refund.objects.count() == 1
    assert order_escrow_balance_fen(order=order) == order.price_fen - 100


def test_refund_larger_than_what_is_left_is_refused():
    # given
    order = order_paid(OrderFactory())
    refunds.refund_issue(
        order_id=order.pk,
        amount_fen=order.price_fen - 10,
        reason="r",
        cause="admin",
        idempotency_source="admin:1",
    )
    # when
    with pytest.raises(RefundRefused) as error:
        refunds.refund_issue(
            order_id=order.pk,
            amount_fen=11,
            reason="r",
            cause="admin",
            idempotency_source="admin:2",
        )
    # then
    assert error.value.code == "refund_exceeds_escrow"
    assert Refund.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1
    assert order_escrow_balance_fen(order=order) == 10


@pytest.mark.parametrize("amount", [0, -5, 1.5, "100", None, True, 10**12])
def test_absurd_amounts_are_refused(amount):
    # given
    order = order_paid(OrderFactory())
    # when
    with pytest.raises(InvalidAmount):
        refunds.refund_issue(
            order_id=order.pk,
            amount_fen=amount,
            reason="r",
            cause="admin",
            idempotency_source="admin:x",
        )
    # then
    assert Refund.objects.count() == 0
    assert order_escrow_balance_fen(order=order) == order.price_fen


def test_refund_of_an_unpaid_order_is_refused():
    # given
    order = OrderFactory()
    # when
    with pytest.raises(RefundRefused):
        refunds.refund_issue(
            order_id=order.pk, amount_fen=1, reason="r", cause="admin", idempotency_source="a:1"
        )
    # then
    assert Refund.objects.count() == 0


def test_stripe_500_leaves_the_refund_pending_and_reconcile_finishes_it(proxy):
    # given
    order = order_paid(OrderFactory())
    proxy.fail(method="POST", path_prefix="/v1/refunds", mode="500")
    # when
    refund = refunds.refund_issue(
        order_id=order.pk, amount_fen=300, reason="r", cause="breach", idempotency_source="breach:2"
    )
    # then: pending, reserved, nothing booked yet
    assert refund.status == Refund.Status.PENDING
    assert order_escrow_balance_fen(order=order) == order.price_fen - 300
    assert not LedgerTransaction.objects.filter(kind="refund").exists()
    # when: reconciled
    refunds.refunds_reconcile(older_than_seconds=0)
    # then: one refund at Stripe, booked once, the same key both times
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    posts = proxy.requests_to("/v1/refunds")
    keys = {key for method, _path, key in posts if method == "POST"}
    assert keys == {f"refund-{refund.pk}"}
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1


def test_dropped_answer_is_found_at_stripe_not_refunded_twice(proxy):
    # given: Stripe makes the refund but the answer is lost
    order = order_paid(OrderFactory())
    proxy.fail(method="POST", path_prefix="/v1/refunds", mode="drop")
    refund = refunds.refund_issue(
        order_id=order.pk, amount_fen=300, reason="r", cause="breach", idempotency_source="breach:3"
    )
    assert refund.status == Refund.Status.PENDING
    # when
    refunds.refunds_reconcile(older_than_seconds=0)
    # then: matched by our row id; no second refund was created
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    posts = [p for p in proxy.requests_to("/v1/refunds") if p[0] == "POST"]
    assert len(posts) == 1
    assert order_escrow_balance_fen(order=order) == order.price_fen - 300


def test_retry_with_the_same_key_is_replayed_by_the_proxy(proxy):
    # given: a dropped answer and a reconcile that cannot see the listing
    order = order_paid(OrderFactory())
    proxy.fail(method="POST", path_prefix="/v1/refunds", mode="drop")
    refund = refunds.refund_issue(
        order_id=order.pk, amount_fen=200, reason="r", cause="breach", idempotency_source="breach:4"
    )
    # when: submitted again with the same key
    refunds.refund_submit(refund_id=refund.pk)
    # then: Stripe's first answer is replayed; one refund booked
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert order_escrow_balance_fen(order=order) == order.price_fen - 200
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1


# --- Stuck refunds: pending with every attempt used up -----------------------------------


def stuck_refund(proxy, order, *, amount_fen=300, source="breach:stuck", made_at_stripe=False):
    """A refund that Stripe answered with 500s for all MAX_REFUND_ATTEMPTS, driven through
    the real submit and reconcile paths. With `made_at_stripe` the last attempt reaches
    Stripe, which makes the refund, but its answer is dropped."""
    failing = MAX_REFUND_ATTEMPTS - 1 if made_at_stripe else MAX_REFUND_ATTEMPTS
    proxy.fail(method="POST", path_prefix="/v1/refunds", mode="500", times=failing)
    if made_at_stripe:
        proxy.fail(method="POST", path_prefix="/v1/refunds", mode="drop")
    refund = refunds.refund_issue(
        order_id=order.pk,
        amount_fen=amount_fen,
        reason="r",
        cause="breach",
        idempotency_source=source,
    )
    for _ in range(MAX_REFUND_ATTEMPTS - 1):
        refunds.refund_reconcile(refund_id=refund.pk)
    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == (Refund.Status.PENDING, MAX_REFUND_ATTEMPTS)
    return refund


def posts_with_key(proxy, key: str) -> int:
    return sum(1 for m, _path, k in proxy.requests_to("/v1/refunds") if m == "POST" and k == key)


def refunds_at_stripe(order, refund) -> list[gateway.RefundView]:
    intent = order.payment.stripe_payment_intent_id
    return [r for r in gateway.refunds_for_intent(intent_id=intent) if r.refund_row_id == refund.pk]


def test_stuck_refunds_do_not_starve_newer_ones_in_the_reconcile(proxy, caplog):
    # given: an older stuck refund and a newer one left pending by one 500
    order = order_paid(OrderFactory())
    with caplog.at_level(logging.ERROR, logger="payments.services.refunds"):
        stuck = stuck_refund(proxy, order, amount_fen=100)
    assert f"refund {stuck.pk} stuck after {MAX_REFUND_ATTEMPTS} attempts" in caplog.text
    proxy.fail(method="POST", path_prefix="/v1/refunds", mode="500")
    newer = refunds.refund_issue(
        order_id=order.pk, amount_fen=200, reason="r", cause="breach", idempotency_source="b:new"
    )
    assert newer.status == Refund.Status.PENDING
    requests_before = len(proxy.requests_to("/v1/refunds"))
    # when: a window of one row (the 100-row window filled with stuck refunds)
    looked_at = refunds.refunds_reconcile(older_than_seconds=0, limit=1)
    # then: the newer refund was reconciled; the stuck one was not touched
    assert looked_at == 1
    newer.refresh_from_db()
    stuck.refresh_from_db()
    assert newer.status == Refund.Status.SUCCEEDED
    assert (stuck.status, stuck.attempts) == (Refund.Status.PENDING, MAX_REFUND_ATTEMPTS)
    new_requests = proxy.requests_to("/v1/refunds")[requests_before:]
    assert {k for m, _p, k in new_requests if m == "POST"} == {newer.idempotency_key}
    assert refunds.refunds_reconcile(older_than_seconds=0) == 0
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1
    assert order_escrow_balance_fen(order=order) == order.price_fen - 300
    assert_ledger_consistent()


def test_staff_retry_books_a_stuck_refund_found_at_stripe_without_sending_it_again(proxy):
    # given: Stripe made the refund on the last attempt, but the answer was lost
    order = order_paid(OrderFactory())
    refund = stuck_refund(proxy, order, made_at_stripe=True)
    [at_stripe] = refunds_at_stripe(order, refund)
    # when
    settled = refunds.refund_stuck_retry(refund_id=refund.pk)
    # then: booked as Stripe's refund, never posted again
    assert settled.status == Refund.Status.SUCCEEDED
    assert settled.stripe_refund_id == at_stripe.id
    assert posts_with_key(proxy, refund.idempotency_key) == MAX_REFUND_ATTEMPTS
    assert len(refunds_at_stripe(order, refund)) == 1
    assert LedgerTransaction.objects.filter(key=f"refund:{refund.pk}").count() == 1
    assert order_escrow_balance_fen(order=order) == order.price_fen - 300
    assert_ledger_consistent()


def test_staff_retry_sends_a_stuck_refund_again_with_the_same_key_once(proxy):
    # given: Stripe never saw the refund
    order = order_paid(OrderFactory())
    refund = stuck_refund(proxy, order)
    assert refunds_at_stripe(order, refund) == []
    # when: staff click twice
    settled = refunds.refund_stuck_retry(refund_id=refund.pk)
    with pytest.raises(RefundRefused) as error:
        refunds.refund_stuck_retry(refund_id=refund.pk)
    # then: sent once more with the same key, refunded and booked once
    assert settled.status == Refund.Status.SUCCEEDED
    assert (settled.attempts, settled.last_error) == (1, "")
    assert error.value.code == "refund_not_pending"
    posts = [p for p in proxy.requests_to("/v1/refunds") if p[0] == "POST"]
    assert {k for _m, _p, k in posts} == {refund.idempotency_key}
    assert len(posts) == MAX_REFUND_ATTEMPTS + 1
    assert len(refunds_at_stripe(order, refund)) == 1
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1
    assert order_escrow_balance_fen(order=order) == order.price_fen - 300
    assert_ledger_consistent()


def test_staff_retry_during_an_outage_gives_the_beat_a_fresh_round(proxy):
    # given: a stuck refund, and Stripe still failing the next post
    order = order_paid(OrderFactory())
    refund = stuck_refund(proxy, order)
    proxy.fail(method="POST", path_prefix="/v1/refunds", mode="500")
    # when
    retried = refunds.refund_stuck_retry(refund_id=refund.pk)
    # then: pending again with one attempt used, so the beat takes it up and finishes it
    assert (retried.status, retried.attempts) == (Refund.Status.PENDING, 1)
    assert not LedgerTransaction.objects.filter(kind="refund").exists()
    assert refunds.refunds_reconcile(older_than_seconds=0) == 1
    retried.refresh_from_db()
    assert retried.status == Refund.Status.SUCCEEDED
    assert len(refunds_at_stripe(order, refund)) == 1
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1
    assert_ledger_consistent()


def test_staff_retry_is_refused_when_stripe_cannot_be_asked(proxy):
    # given: a stuck refund and Stripe's refund listing down
    order = order_paid(OrderFactory())
    refund = stuck_refund(proxy, order)
    requests_before = len(proxy.requests_to("/v1/refunds"))
    proxy.fail(method="GET", path_prefix="/v1/refunds", mode="500")
    # when
    with pytest.raises(PaymentUnavailable):
        refunds.refund_stuck_retry(refund_id=refund.pk)
    # then: nothing changed and nothing was posted
    after = Refund.objects.get(pk=refund.pk)
    assert (after.status, after.attempts, after.last_error) == (
        refund.status,
        refund.attempts,
        refund.last_error,
    )
    new_requests = proxy.requests_to("/v1/refunds")[requests_before:]
    assert [m for m, _p, _k in new_requests] == ["GET"]
    assert not LedgerTransaction.objects.filter(kind="refund").exists()
    assert_ledger_consistent()


def test_staff_retry_is_refused_for_a_refund_with_attempts_left(proxy):
    # given: pending after one 500, still in the beat's hands
    order = order_paid(OrderFactory())
    proxy.fail(method="POST", path_prefix="/v1/refunds", mode="500")
    refund = refunds.refund_issue(
        order_id=order.pk, amount_fen=300, reason="r", cause="breach", idempotency_source="b:9"
    )
    requests_before = len(proxy.requests_to("/v1/refunds"))
    # when
    with pytest.raises(RefundRefused) as error:
        refunds.refund_stuck_retry(refund_id=refund.pk)
    # then: refused before Stripe was asked; nothing changed
    assert error.value.code == "refund_not_stuck"
    after = Refund.objects.get(pk=refund.pk)
    assert (after.status, after.attempts, after.last_error) == (
        Refund.Status.PENDING,
        1,
        refund.last_error,
    )
    assert len(proxy.requests_to("/v1/refunds")) == requests_before
    assert not LedgerTransaction.objects.filter(kind="refund").exists()
    assert_ledger_consistent()


def test_staff_retry_is_refused_for_a_succeeded_refund(proxy):
    # given
    order = order_paid(OrderFactory())
    refund = refunds.refund_issue(
        order_id=order.pk, amount_fen=300, reason="r", cause="breach", idempotency_source="b:10"
    )
    assert refund.status == Refund.Status.SUCCEEDED
    requests_before = len(proxy.requests_to("/v1/refunds"))
    # when
    with pytest.raises(RefundRefused) as error:
        refunds.refund_stuck_retry(refund_id=refund.pk)
    # then
    assert error.value.code == "refund_not_pending"
    after = Refund.objects.get(pk=refund.pk)
    assert (after.status, after.attempts, after.stripe_refund_id) == (
        Refund.Status.SUCCEEDED,
        refund.attempts,
        refund.stripe_refund_id,
    )
    assert len(proxy.requests_to("/v1/refunds")) == requests_before
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1
    assert_ledger_consistent()


def test_staff_find_a_stuck_refund_in_the_admin_and_settle_it(proxy, client):
    # given: one stuck refund and one refund that went through
    order = order_paid(OrderFactory())
    stuck = stuck_refund(proxy, order, amount_fen=100)
    done = refunds.refund_issue(
        order_id=order.pk, amount_fen=200, reason="r", cause="breach", idempotency_source="b:11"
    )
    client.force_login(StaffUserFactory(is_superuser=True))
    # when: staff filter on "needs staff"
    listing = client.get("/admin/payments/refund/", {"needs_staff": "stuck"})
    # then: only the stuck refund is listed, under the Chinese filter title
    assert listing.status_code == 200
    assert [r.pk for r in listing.context["cl"].result_list] == [stuck.pk]
    assert "待人工处理" in listing.content.decode()
    # when: the action on both (the one that went through is refused, nothing changed)
    response = client.post(
        "/admin/payments/refund/",
        {"action": "check_and_retry", "_selected_action": [stuck.pk, done.pk]},
    )
    # then
    assert response.status_code == 302
    stuck.refresh_from_db()
    assert stuck.status == Refund.Status.SUCCEEDED
    assert posts_with_key(proxy, stuck.idempotency_key) == MAX_REFUND_ATTEMPTS + 1
    notes = [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]
    assert notes[0] == ("info", f"退款 #{stuck.pk} 已退款。")
    assert notes[1][0] == "error"
    assert notes[1][1].startswith(f"#{done.pk}: ")
    assert LedgerTransaction.objects.filter(kind="refund").count() == 2
    assert order_escrow_balance_fen(order=order) == order.price_fen - 300
    assert_ledger_consistent()
