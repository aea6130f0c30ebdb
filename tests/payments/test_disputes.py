"""Dispute services: opening within the window, the listener's answer, the staff decision
through the escrow services, second approval, and everything refused changing nothing.
(The ledger invariants are checked after every test by tests/payments/conftest.py.)"""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.exceptions import NotFound
from payments.disputes import services
from payments.disputes.exceptions import DisputeInvalid, DisputeRefused
from payments.disputes.models import Dispute, DisputeAuditEntry, Notification
from payments.disputes.selectors import dispute_evidence, dispute_refusal
from payments.exceptions import InvalidAmount
from payments.models import Refund, SettlementHold
from payments.selectors import order_escrow_balance_fen
from payments.services import refunds, settlement
from sessions.models import Order
from tests.factories import ListenerUserFactory, StaffUserFactory, UserFactory
from tests.payments.dispute_helpers import audit_actions, finished_order, money_snapshot

pytestmark = pytest.mark.django_db


def open_dispute(order, *, now=None, reason=Dispute.Reason.SLOW_REPLIES) -> Dispute:
    return services.dispute_open(
        order_id=order.pk,
        client=order.client,
        reason=reason,
        statement="The replies took minutes, not seconds.",
        now=now,
    )


def after_window(order):
    return order.ended_at + timedelta(hours=25)


# --- opening --------------------------------------------------------------------------------


def test_client_opens_a_dispute_and_settlement_freezes(
    django_capture_on_commit_callbacks, sms_outbox
):
    # given
    order = finished_order(hours_ago=2)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        dispute = open_dispute(order)
    # then
    assert dispute.state == Dispute.State.OPEN
    assert dispute.reason == Dispute.Reason.SLOW_REPLIES
    assert settlement.order_settlement_frozen(order=order) is True
    assert SettlementHold.objects.get().source == f"dispute:{dispute.pk}"
    assert settlement.escrow_release(order_id=order.pk, now=after_window(order)) is None
    order.refresh_from_db()
    assert order.state == Order.State.COMPLETED
    assert audit_actions(dispute) == ["opened"]
    kinds = dict(Notification.objects.values_list("user_id", "kind"))
    assert kinds == {order.listener.user_id: "dispute_opened", order.client_id: "dispute_received"}
    assert sorted(sms.phone for sms in sms_outbox()) == sorted(
        [order.client.phone, order.listener.user.phone]
    )


def test_a_terminated_session_can_be_disputed():
    # given
    order = finished_order(to=Order.State.TERMINATED)
    # when
    dispute = open_dispute(order, reason=Dispute.Reason.LISTENER_ABSENT)
    # then
    assert dispute.order_id == order.pk
    assert settlement.order_settlement_frozen(order=order) is True


def test_dispute_after_the_window_is_refused(settings):
    # given
    settings.DISPUTE_WINDOW_HOURS = 24
    order = finished_order(hours_ago=24.5)
    before = money_snapshot()
    # when
    with pytest.raises(DisputeRefused) as error:
        open_dispute(order)
    # then
    assert error.value.code == "dispute_window_closed"
    assert money_snapshot() == before


def test_dispute_on_someone_elses_order_is_not_found():
    # given
    order = finished_order()
    stranger = UserFactory()
    before = money_snapshot()
    # when
    with pytest.raises(NotFound):
        services.dispute_open(
            order_id=order.pk, client=stranger, reason="other", statement="Not my order at all."
        )
    # then
    assert money_snapshot() == before


def test_a_second_dispute_is_refused():
    # given
    order = finished_order()
    open_dispute(order)
    before = money_snapshot()
    # when
    with pytest.raises(DisputeRefused) as error:
        open_dispute(order, reason=Dispute.Reason.OTHER)
    # then
    assert error.value.code == "dispute_exists"
    assert money_snapshot() == before


def test_a_session_not_yet_finished_cannot_be_disputed():
    # given
    from tests.payments.helpers import order_paid
    from tests.sessions.factories import OrderFactory

    order = order_paid(OrderFactory())
    before = money_snapshot()
    # when
    with pytest.raises(DisputeRefused) as error:
        open_dispute(order)
    # then
    assert error.value.code == "dispute_not_allowed"
    assert money_snapshot() == before


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("open", None),
        ("existing", "dispute_exists"),
        ("not_finished", "dispute_not_allowed"),
        ("window_closed", "dispute_window_closed"),
    ],
)
def test_the_page_says_in_advance_what_opening_would_refuse_with(settings, case, code):
    # given
    settings.DISPUTE_WINDOW_HOURS = 24
    if case == "not_finished":
        from tests.payments.helpers import order_paid
        from tests.sessions.factories import OrderFactory

        order = order_paid(OrderFactory())
    else:
        order = finished_order(hours_ago=25 if case == "window_closed" else 1)
    if case == "existing":
        open_dispute(order)
    # when
    said = dispute_refusal(order=order)
    # then
    if code is None:
        assert said is None
        assert open_dispute(order).order_id == order.pk
        return
    before = money_snapshot()
    with pytest.raises(DisputeRefused) as error:
        open_dispute(order, reason=Dispute.Reason.OTHER)
    assert error.value.code == code
    assert said == error.value.message
    assert money_snapshot() == before


@pytest.mark.parametrize(
    ("reason", "statement", "code"),
    [
        ("angry", "A long enough statement.", "reason_invalid"),
        ("other", "   ", "statement_short"),
        ("other", "x" * 2001, "statement_long"),
        ("other", None, "statement_invalid"),
    ],
)
def test_bad_dispute_input_is_refused(reason, statement, code):
    # given
    order = finished_order()
    before = money_snapshot()
    # when
    with pytest.raises(DisputeInvalid) as error:
        services.dispute_open(
            order_id=order.pk, client=order.client, reason=reason, statement=statement
        )
    # then
    assert error.value.code == code
    assert money_snapshot() == before


# --- the listener's answer ------------------------------------------------------------------


def test_listener_answers_once(django_capture_on_commit_callbacks):
    # given
    order = finished_order()
    dispute = open_dispute(order)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_answer(
            dispute_id=dispute.pk,
            listener_user=order.listener.user,
            statement="I answered every message within the window.",
        )
    # then
    dispute.refresh_from_db()
    assert dispute.listener_statement == "I answered every message within the window."
    assert dispute.listener_answered_at is not None
    assert Notification.objects.filter(user=order.client, kind="dispute_answered").count() == 1
    with pytest.raises(DisputeRefused) as error:
        services.dispute_answer(
            dispute_id=dispute.pk, listener_user=order.listener.user, statement="Second try."
        )
    assert error.value.code == "already_answered"
    dispute.refresh_from_db()
    assert dispute.listener_statement == "I answered every message within the window."


def test_another_listener_cannot_answer():
    # given
    dispute = open_dispute(finished_order())
    # when
    with pytest.raises(NotFound):
        services.dispute_answer(
            dispute_id=dispute.pk, listener_user=ListenerUserFactory(), statement="Not mine."
        )
    # then
    dispute.refresh_from_db()
    assert dispute.listener_statement == ""


# --- decisions ------------------------------------------------------------------------------


def test_partial_refund_goes_through_stripe_and_settles_the_rest(
    settings, django_capture_on_commit_callbacks, sms_outbox
):
    # given
    settings.PLATFORM_COMMISSION_PERCENT = 25
    settings.DISPUTE_SECOND_APPROVAL_FEN = 1_000_000
    order = finished_order(hours_ago=2)
    dispute = open_dispute(order)
    staff = StaffUserFactory()
    amount = order.price_fen // 3
    # when: decided after the dispute window has passed
    with django_capture_on_commit_callbacks(execute=True):
        dispute = services.dispute_decide(
            dispute_id=dispute.pk,
            staff=staff,
            outcome=Dispute.Outcome.PARTIAL_REFUND,
            amount_fen=amount,
            reason="Three replies were late.",
            now=after_window(order),
        )
    # then
    assert dispute.state == Dispute.State.RESOLVED
    assert dispute.amount_fen == amount
    refund = Refund.objects.get()
    assert dispute.refund_id == refund.pk
    assert (refund.status, refund.amount_fen, refund.cause) == ("succeeded", amount, "dispute")
    assert refund.idempotency_source == f"dispute:{dispute.pk}"
    assert refund.stripe_refund_id
    assert SettlementHold.objects.get().lifted_at is not None
    order.refresh_from_db()
    assert order.state == Order.State.SETTLED
    assert order_escrow_balance_fen(order=order) == 0
    assert audit_actions(dispute) == ["opened", "decided"]
    resolved = Notification.objects.filter(kind="dispute_resolved")
    assert sorted(resolved.values_list("user_id", flat=True)) == sorted(
        [order.client_id, order.listener.user_id]
    )
    assert resolved.first().params["reason"] == "Three replies were late."
    assert any("Three replies were late." in sms.text for sms in sms_outbox())


def test_decision_inside_the_window_refunds_now_and_settles_when_the_window_ends(settings):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 1_000_000
    order = finished_order(hours_ago=2)
    dispute = open_dispute(order)
    # when
    services.dispute_decide(
        dispute_id=dispute.pk,
        staff=StaffUserFactory(),
        outcome=Dispute.Outcome.PARTIAL_REFUND,
        amount_fen=100,
        reason="One late reply.",
    )
    # then
    order.refresh_from_db()
    assert order.state == Order.State.COMPLETED
    assert order_escrow_balance_fen(order=order) == order.price_fen - 100
    assert settlement.order_settlement_frozen(order=order) is False
    # when
    released = settlement.settlement_sweep(now=after_window(order))
    # then
    assert released == 1
    order.refresh_from_db()
    assert order.state == Order.State.SETTLED


def test_full_refund_returns_what_is_left_after_automatic_refunds(settings):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 1_000_000
    order = finished_order()
    breach = refunds.refund_issue(
        order_id=order.pk,
        amount_fen=300,
        reason="missed reply window",
        cause=Refund.Cause.BREACH,
        idempotency_source="breach:test-1",
    )
    dispute = open_dispute(order)
    # when
    dispute = services.dispute_decide(
        dispute_id=dispute.pk,
        staff=StaffUserFactory(),
        outcome=Dispute.Outcome.FULL_REFUND,
        reason="The listener never showed up.",
        now=after_window(order),
    )
    # then
    assert dispute.amount_fen == order.price_fen - 300
    assert breach.status == Refund.Status.SUCCEEDED
    assert sum(Refund.objects.filter(status="succeeded").values_list("amount_fen", flat=True)) == (
        order.price_fen
    )
    order.refresh_from_db()
    assert order.state == Order.State.SETTLED
    assert order_escrow_balance_fen(order=order) == 0


def test_reject_refunds_nothing_and_releases_the_escrow(settings):
    # given
    settings.PLATFORM_COMMISSION_PERCENT = 20
    order = finished_order()
    dispute = open_dispute(order)
    # when
    dispute = services.dispute_decide(
        dispute_id=dispute.pk,
        staff=StaffUserFactory(),
        outcome=Dispute.Outcome.REJECT,
        reason="The transcript shows every reply in time.",
        now=after_window(order),
    )
    # then
    assert (dispute.state, dispute.amount_fen, dispute.refund_id) == ("resolved", 0, None)
    assert not Refund.objects.exists()
    order.refresh_from_db()
    assert order.state == Order.State.SETTLED


def test_partial_refund_larger_than_what_is_left_is_refused(settings):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 1_000_000_000
    order = finished_order()
    dispute = open_dispute(order)
    staff = StaffUserFactory()
    before = money_snapshot()
    # when
    with pytest.raises(DisputeRefused) as error:
        services.dispute_decide(
            dispute_id=dispute.pk,
            staff=staff,
            outcome=Dispute.Outcome.PARTIAL_REFUND,
            amount_fen=order.price_fen + 1,
            reason="Too generous.",
        )
    # then
    assert error.value.code == "refund_exceeds_escrow"
    assert money_snapshot() == before
    assert audit_actions(dispute) == ["opened", "refused"]


@pytest.mark.parametrize("amount", [0, -100, 12.5, "100", True, None, 10**12])
def test_absurd_partial_amounts_are_refused(amount):
    # given
    order = finished_order()
    dispute = open_dispute(order)
    before = money_snapshot()
    # when
    with pytest.raises(InvalidAmount):
        services.dispute_decide(
            dispute_id=dispute.pk,
            staff=StaffUserFactory(),
            outcome=Dispute.Outcome.PARTIAL_REFUND,
            amount_fen=amount,
            reason="Some reason here.",
        )
    # then
    assert money_snapshot() == before


def test_non_staff_cannot_decide():
    # given
    order = finished_order()
    dispute = open_dispute(order)
    before = money_snapshot()
    # when
    for user in (order.client, order.listener.user, UserFactory()):
        with pytest.raises(NotFound):
            services.dispute_decide(
                dispute_id=dispute.pk, staff=user, outcome="reject", reason="I decide myself."
            )
    # then
    assert money_snapshot() == before
    assert audit_actions(dispute) == ["opened"]


def test_a_decided_dispute_cannot_be_decided_again(settings):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 1_000_000
    order = finished_order()
    dispute = open_dispute(order)
    services.dispute_decide(
        dispute_id=dispute.pk,
        staff=StaffUserFactory(),
        outcome="partial_refund",
        amount_fen=100,
        reason="One late reply.",
    )
    before = money_snapshot()
    # when
    with pytest.raises(DisputeRefused) as error:
        services.dispute_decide(
            dispute_id=dispute.pk,
            staff=StaffUserFactory(),
            outcome="full_refund",
            reason="Changed my mind.",
        )
    # then
    assert error.value.code == "dispute_not_open"
    assert money_snapshot() == before


# --- second approval ------------------------------------------------------------------------


def test_large_refund_waits_for_a_second_staff_member(settings, django_capture_on_commit_callbacks):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 100
    order = finished_order()
    dispute = open_dispute(order)
    first, second = StaffUserFactory(), StaffUserFactory()
    # when
    proposed = services.dispute_decide(
        dispute_id=dispute.pk, staff=first, outcome="full_refund", reason="Listener absent."
    )
    # then: nothing moved yet
    assert proposed.state == Dispute.State.AWAITING_APPROVAL
    assert proposed.amount_fen == order.price_fen
    assert not Refund.objects.exists()
    assert settlement.order_settlement_frozen(order=order) is True
    # when: the proposer cannot approve their own decision
    before = money_snapshot()
    with pytest.raises(DisputeRefused) as error:
        services.dispute_approve(dispute_id=dispute.pk, staff=first)
    # then
    assert error.value.code == "second_approver_required"
    assert money_snapshot() == before
    # when
    with django_capture_on_commit_callbacks(execute=True):
        approved = services.dispute_approve(
            dispute_id=dispute.pk, staff=second, now=after_window(order)
        )
    # then
    assert approved.state == Dispute.State.RESOLVED
    assert (approved.proposed_by_id, approved.approved_by_id) == (first.pk, second.pk)
    assert Refund.objects.get().amount_fen == order.price_fen
    order.refresh_from_db()
    assert order.state == Order.State.SETTLED
    assert audit_actions(dispute) == ["opened", "proposed", "refused", "approved", "decided"]
    assert Notification.objects.filter(kind="dispute_resolved").count() == 2


def test_small_refund_needs_no_second_approval(settings):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 100
    order = finished_order()
    dispute = open_dispute(order)
    # when
    decided = services.dispute_decide(
        dispute_id=dispute.pk,
        staff=StaffUserFactory(),
        outcome="partial_refund",
        amount_fen=100,
        reason="Exactly at the limit.",
    )
    # then
    assert decided.state == Dispute.State.RESOLVED
    assert decided.approved_by_id is None


def test_declined_proposal_reopens_the_dispute(settings):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 100
    order = finished_order()
    dispute = open_dispute(order)
    first, second = StaffUserFactory(), StaffUserFactory()
    services.dispute_decide(
        dispute_id=dispute.pk, staff=first, outcome="full_refund", reason="Listener absent."
    )
    # when
    reopened = services.dispute_proposal_decline(
        dispute_id=dispute.pk, staff=second, note="The transcript shows replies."
    )
    # then
    assert reopened.state == Dispute.State.OPEN
    assert (reopened.outcome, reopened.amount_fen, reopened.proposed_by_id) == ("", None, None)
    assert not Refund.objects.exists()
    assert settlement.order_settlement_frozen(order=order) is True
    with pytest.raises(DisputeRefused):
        services.dispute_approve(dispute_id=dispute.pk, staff=second)


# --- the desk's audit and evidence ----------------------------------------------------------


def test_desk_views_are_audited_and_evidence_is_complete(settings):
    # given
    order = finished_order()
    refunds.refund_issue(
        order_id=order.pk,
        amount_fen=200,
        reason="missed reply window",
        cause=Refund.Cause.BREACH,
        idempotency_source="breach:test-2",
    )
    dispute = open_dispute(order)
    staff = StaffUserFactory()
    # when
    services.dispute_desk_viewed(staff=staff)
    services.dispute_desk_viewed(staff=staff, dispute=dispute)
    evidence = dispute_evidence(dispute=dispute)
    # then
    assert list(
        DisputeAuditEntry.objects.filter(actor=staff).values_list("action", "dispute_id")
    ) == [("queue_viewed", None), ("viewed", dispute.pk)]
    assert [r.amount_fen for r in evidence.automatic_refunds] == [200]
    assert [t.kind for t in evidence.ledger] == ["capture", "refund"]
    assert evidence.escrow_available_fen == order.price_fen - 200
    assert evidence.frozen is True
    assert evidence.window_ends == order.ended_at + timedelta(hours=settings.DISPUTE_WINDOW_HOURS)


def test_audit_rows_are_never_changed():
    # given
    open_dispute(finished_order())
    entry = DisputeAuditEntry.objects.get()
    # when
    entry.action = "decided"
    with pytest.raises(ValueError, match="never changed"):
        entry.save()
    # then
    assert DisputeAuditEntry.objects.get().action == "opened"


def test_window_boundary_is_exclusive(settings):
    # given
    settings.DISPUTE_WINDOW_HOURS = 24
    order = finished_order(hours_ago=3)
    ends = order.ended_at + timedelta(hours=24)
    # when / then
    with pytest.raises(DisputeRefused):
        open_dispute(order, now=ends)
    dispute = open_dispute(order, now=ends - timedelta(seconds=1))
    assert dispute.created_at < ends
    assert timezone.now() < ends
