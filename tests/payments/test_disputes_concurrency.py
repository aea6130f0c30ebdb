"""Two staff deciding one dispute at once, with real threads and real row locks
(PostgreSQL): exactly one decision wins, the other is refused, money moves once."""

from datetime import timedelta

import pytest

from marketplace.exceptions import DomainError
from payments.disputes import services
from payments.disputes.models import Dispute, DisputeAuditEntry
from payments.models import Refund
from sessions.models import Order
from tests.concurrency import run_together
from tests.factories import StaffUserFactory
from tests.payments.dispute_helpers import finished_order

pytestmark = [pytest.mark.django_db(transaction=True)]


def opened(order) -> Dispute:
    return services.dispute_open(
        order_id=order.pk,
        client=order.client,
        reason=Dispute.Reason.LISTENER_ABSENT,
        statement="Nobody answered at all.",
    )


@pytest.mark.parametrize("round_", range(3))
def test_two_staff_deciding_at_once_only_one_wins(settings, round_):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 10**9
    order = finished_order(hours_ago=2)
    dispute = opened(order)
    alice, bob = StaffUserFactory(), StaffUserFactory()
    later = order.ended_at + timedelta(hours=settings.DISPUTE_WINDOW_HOURS + 1)

    def decide(staff, outcome, amount):
        return lambda: services.dispute_decide(
            dispute_id=dispute.pk,
            staff=staff,
            outcome=outcome,
            amount_fen=amount,
            reason=f"decided by {staff.pk}",
            now=later,
        )

    # when
    results = run_together(
        decide(alice, Dispute.Outcome.PARTIAL_REFUND, 150),
        decide(bob, Dispute.Outcome.FULL_REFUND, None),
    )
    # then
    winners = [r for r in results if isinstance(r, Dispute)]
    losers = [r for r in results if isinstance(r, DomainError)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert losers[0].code == "dispute_not_open"
    dispute.refresh_from_db()
    assert dispute.state == Dispute.State.RESOLVED
    assert dispute.decision_reason == winners[0].decision_reason
    refunds = list(Refund.objects.filter(order=order))
    expected = 150 if dispute.outcome == Dispute.Outcome.PARTIAL_REFUND else order.price_fen
    assert [(r.amount_fen, r.status) for r in refunds] == [(expected, "succeeded")]
    order.refresh_from_db()
    assert order.state == Order.State.SETTLED
    actions = list(
        DisputeAuditEntry.objects.filter(dispute=dispute).values_list("action", flat=True)
    )
    assert sorted(actions) == ["decided", "opened", "refused"]


def test_two_approvers_at_once_execute_once(settings):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 100
    order = finished_order(hours_ago=2)
    dispute = opened(order)
    proposer, carol, dave = StaffUserFactory(), StaffUserFactory(), StaffUserFactory()
    services.dispute_decide(
        dispute_id=dispute.pk, staff=proposer, outcome="full_refund", reason="Listener absent."
    )
    # when
    results = run_together(
        lambda: services.dispute_approve(dispute_id=dispute.pk, staff=carol),
        lambda: services.dispute_approve(dispute_id=dispute.pk, staff=dave),
    )
    # then
    assert sorted(type(r).__name__ for r in results) == ["Dispute", "DisputeRefused"]
    assert [r.amount_fen for r in Refund.objects.filter(order=order)] == [order.price_fen]


def test_two_opens_at_once_make_one_dispute():
    # given
    order = finished_order(hours_ago=2)
    # when
    results = run_together(lambda: opened(order), lambda: opened(order))
    # then
    assert sorted(type(r).__name__ for r in results) == ["Dispute", "DisputeRefused"]
    assert Dispute.objects.filter(order=order).count() == 1
