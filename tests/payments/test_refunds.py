import pytest
from django.conf import settings

from payments.exceptions import InvalidAmount, RefundRefused
from payments.models import LedgerTransaction, Refund
from payments.selectors import order_escrow_balance_fen
from payments.services import refunds
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
