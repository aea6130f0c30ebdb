"""Disputes API: POST /api/orders/{id}/dispute/, the listener's answer, the staff desk
endpoints (404 to anyone else) and notifications."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from payments.disputes.models import Dispute, DisputeAuditEntry
from payments.models import Refund
from tests.factories import StaffUserFactory, UserFactory
from tests.payments.dispute_helpers import finished_order, money_snapshot

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def dispute_url(order) -> str:
    return f"/api/orders/{order.pk}/dispute/"


BODY = {"reason": "slow_replies", "statement": "Every reply took over a minute."}


def test_client_opens_a_dispute(django_capture_on_commit_callbacks):
    # given
    order = finished_order()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(order.client).post(dispute_url(order), BODY, format="json")
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["order"], body["state"], body["reason"]) == (order.pk, "open", "slow_replies")
    assert body["outcome"] == ""
    assert Dispute.objects.get().order_id == order.pk
    listener_api = api_as(order.listener.user)
    assert listener_api.get(dispute_url(order)).json()["statement"] == BODY["statement"]
    kinds = [n["kind"] for n in listener_api.get("/api/notifications/").json()]
    assert kinds == ["dispute_opened"]


def test_someone_elses_order_is_404():
    # given
    order = finished_order()
    before = money_snapshot()
    # when
    response = api_as(UserFactory()).post(dispute_url(order), BODY, format="json")
    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert money_snapshot() == before


def test_after_the_window_is_refused(settings):
    # given
    settings.DISPUTE_WINDOW_HOURS = 1
    order = finished_order(hours_ago=2)
    before = money_snapshot()
    # when
    response = api_as(order.client).post(dispute_url(order), BODY, format="json")
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "dispute_window_closed"
    assert money_snapshot() == before


def test_second_dispute_is_refused():
    # given
    order = finished_order()
    api = api_as(order.client)
    api.post(dispute_url(order), BODY, format="json")
    before = money_snapshot()
    # when
    response = api.post(dispute_url(order), BODY, format="json")
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "dispute_exists"
    assert money_snapshot() == before


def test_bad_reason_is_400():
    # given
    order = finished_order()
    # when
    response = api_as(order.client).post(
        dispute_url(order), {"reason": "bored", "statement": "x" * 20}, format="json"
    )
    # then
    assert response.status_code == 400
    assert not Dispute.objects.exists()


def test_listener_answers_through_the_api():
    # given
    order = finished_order()
    api_as(order.client).post(dispute_url(order), BODY, format="json")
    dispute = Dispute.objects.get()
    # when
    response = api_as(order.listener.user).post(
        f"/api/disputes/{dispute.pk}/answer/", {"statement": "I replied in time."}, format="json"
    )
    # then
    assert response.status_code == 200
    assert response.json()["listener_statement"] == "I replied in time."
    again = api_as(order.client).post(
        f"/api/disputes/{dispute.pk}/answer/", {"statement": "Client pretending."}, format="json"
    )
    assert again.status_code == 404


def test_desk_is_404_for_non_staff():
    # given
    order = finished_order()
    api_as(order.client).post(dispute_url(order), BODY, format="json")
    dispute = Dispute.objects.get()
    before = money_snapshot()
    # when / then
    for user in (order.client, order.listener.user, UserFactory()):
        api = api_as(user)
        assert api.get("/api/disputes/desk/").status_code == 404
        assert api.get(f"/api/disputes/desk/{dispute.pk}/").status_code == 404
        decide = api.post(
            f"/api/disputes/desk/{dispute.pk}/decide/",
            {"outcome": "full_refund", "reason": "I decide."},
            format="json",
        )
        assert decide.status_code == 404
    assert money_snapshot() == before
    assert not DisputeAuditEntry.objects.exclude(action="opened").exists()


def test_staff_decides_a_partial_refund_through_the_api(settings):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 10**9
    order = finished_order()
    api_as(order.client).post(dispute_url(order), BODY, format="json")
    dispute = Dispute.objects.get()
    staff = api_as(StaffUserFactory())
    # when
    queue = staff.get("/api/disputes/desk/").json()
    response = staff.post(
        f"/api/disputes/desk/{dispute.pk}/decide/",
        {"outcome": "partial_refund", "amount_fen": 250, "reason": "Two late replies."},
        format="json",
    )
    # then
    assert [item["id"] for item in queue] == [dispute.pk]
    assert response.status_code == 200, response.json()
    assert (response.json()["state"], response.json()["amount_fen"]) == ("resolved", 250)
    assert Refund.objects.get().amount_fen == 250
    seen = api_as(order.client).get(dispute_url(order)).json()
    assert (seen["outcome"], seen["amount_fen"], seen["decision_reason"]) == (
        "partial_refund",
        250,
        "Two late replies.",
    )


@pytest.mark.parametrize(
    ("amount", "status", "code"),
    [
        (12.5, 400, None),
        ("250", 400, None),
        (True, 400, None),
        (0, 400, "invalid_amount"),
        (-5, 400, "invalid_amount"),
        (10**15, 400, "invalid_amount"),
        ("huge", 400, None),
    ],
)
def test_bad_amounts_are_refused(amount, status, code):
    # given
    order = finished_order()
    api_as(order.client).post(dispute_url(order), BODY, format="json")
    dispute = Dispute.objects.get()
    before = money_snapshot()
    # when
    response = api_as(StaffUserFactory()).post(
        f"/api/disputes/desk/{dispute.pk}/decide/",
        {"outcome": "partial_refund", "amount_fen": amount, "reason": "Some reason."},
        format="json",
    )
    # then
    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
    assert money_snapshot() == before


def test_more_than_what_is_left_is_refused_through_the_api(settings):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 10**9
    order = finished_order()
    api_as(order.client).post(dispute_url(order), BODY, format="json")
    dispute = Dispute.objects.get()
    before = money_snapshot()
    # when
    response = api_as(StaffUserFactory()).post(
        f"/api/disputes/desk/{dispute.pk}/decide/",
        {"outcome": "partial_refund", "amount_fen": order.price_fen + 1, "reason": "Too much."},
        format="json",
    )
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "refund_exceeds_escrow"
    assert money_snapshot() == before


def test_second_approval_through_the_api(settings):
    # given
    settings.DISPUTE_SECOND_APPROVAL_FEN = 100
    order = finished_order(hours_ago=30)
    settings.DISPUTE_WINDOW_HOURS = 48
    api_as(order.client).post(dispute_url(order), BODY, format="json")
    dispute = Dispute.objects.get()
    first, second = api_as(StaffUserFactory()), api_as(StaffUserFactory())
    # when
    proposed = first.post(
        f"/api/disputes/desk/{dispute.pk}/decide/",
        {"outcome": "full_refund", "reason": "No replies at all."},
        format="json",
    )
    self_approved = first.post(f"/api/disputes/desk/{dispute.pk}/approve/")
    client_view = api_as(order.client).get(dispute_url(order)).json()
    approved = second.post(f"/api/disputes/desk/{dispute.pk}/approve/")
    # then
    assert proposed.json()["state"] == "awaiting_approval"
    assert (client_view["state"], client_view["amount_fen"]) == ("awaiting_approval", None)
    assert self_approved.status_code == 409
    assert self_approved.json()["code"] == "second_approver_required"
    assert approved.status_code == 200
    assert approved.json()["state"] == "resolved"
    assert Refund.objects.get().amount_fen == order.price_fen
    assert order.ended_at + timedelta(hours=48) > dispute.created_at
