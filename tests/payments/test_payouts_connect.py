"""Payouts through Stripe Connect.

localstripe has no /v1/transfers, so Stripe's side is played by a small loopback server
that answers like Stripe (Stripe is outside our control; everything of ours is real).
"""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from payments.models import LedgerTransaction, Payout
from payments.selectors import listener_earnings
from payments.services import payouts, settlement
from sessions.models import Order
from sessions.services.transitions import order_transition
from tests.factories import StaffUserFactory
from tests.payments.helpers import order_paid
from tests.sessions.factories import OrderFactory

pytestmark = pytest.mark.django_db


class StripeTransfers:
    """Answers POST /v1/transfers like Stripe and records what it was sent."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        recorded = self.requests

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = {key: values[0] for key, values in parse_qs(body).items()}
                recorded.append(
                    {"path": self.path, "form": form, "key": self.headers.get("Idempotency-Key")}
                )
                reply = json.dumps(
                    {"id": f"tr_{len(recorded)}", "object": "transfer", **form}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stripe_transfers(settings, local_stripe):
    server = StripeTransfers()
    yield server
    server.close()


def settled_order() -> Order:
    order = order_paid(OrderFactory())
    order_transition(order_id=order.pk, to=Order.State.ACCEPTED)
    order_transition(order_id=order.pk, to=Order.State.ACTIVE)
    ended = timezone.now() - timedelta(hours=25)
    order_transition(order_id=order.pk, to=Order.State.COMPLETED, now=ended)
    settlement.escrow_release(order_id=order.pk)
    return order


def test_approved_batch_is_transferred_to_the_connected_account(settings, stripe_transfers):
    # given: a listener with a connected account and money available
    order = settled_order()
    listener = order.listener
    listener.stripe_account_id = "acct_listener1"
    listener.save(update_fields=["stripe_account_id"])
    share = order.price_fen - order.price_fen * 25 // 100
    staff = StaffUserFactory()
    settings.PAYOUTS_GATEWAY = "stripe_connect"
    batch = payouts.payout_batch_create(created_by=staff)
    # when: staff approve; Stripe is reached at the stand-in
    settings.STRIPE_API_BASE = stripe_transfers.url
    payouts.payout_batch_approve(batch_id=batch.pk, approved_by=staff)
    # then
    payout = Payout.objects.get()
    assert stripe_transfers.requests == [
        {
            "path": "/v1/transfers",
            "form": {"amount": str(share), "currency": "cny", "destination": "acct_listener1"},
            "key": payout.idempotency_key,
        }
    ]
    assert payout.status == Payout.Status.SENT
    assert payout.gateway_reference == "tr_1"
    assert listener_earnings(listener=listener).paid_out_fen == share
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYOUT).count() == 1


def test_listener_without_a_connected_account_is_not_paid(settings, stripe_transfers):
    # given: no connected account
    order = settled_order()
    share = order.price_fen - order.price_fen * 25 // 100
    staff = StaffUserFactory()
    settings.PAYOUTS_GATEWAY = "stripe_connect"
    batch = payouts.payout_batch_create(created_by=staff)
    # when
    settings.STRIPE_API_BASE = stripe_transfers.url
    payouts.payout_batch_approve(batch_id=batch.pk, approved_by=staff)
    # then: nothing sent, nothing posted, the money stays available and the error is kept
    payout = Payout.objects.get()
    assert stripe_transfers.requests == []
    assert payout.status == Payout.Status.PENDING
    assert payout.last_error != ""
    assert not LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYOUT).exists()
    assert listener_earnings(listener=order.listener).in_payout_fen == share


def test_failed_payout_sent_again_after_the_account_is_set_reuses_its_key(
    settings, stripe_transfers, admin_client
):
    # given: a payout that failed for want of a connected account
    order = settled_order()
    staff = StaffUserFactory(is_superuser=True)
    settings.PAYOUTS_GATEWAY = "stripe_connect"
    batch = payouts.payout_batch_create(created_by=staff)
    settings.STRIPE_API_BASE = stripe_transfers.url
    payouts.payout_batch_approve(batch_id=batch.pk, approved_by=staff)
    order.listener.stripe_account_id = "acct_later"
    order.listener.save(update_fields=["stripe_account_id"])
    # when: staff send the failed payouts again from the admin, twice
    admin_client.force_login(staff)
    for _ in range(2):
        admin_client.post(
            "/admin/payments/payoutbatch/",
            {"action": "send_pending_again", "_selected_action": [batch.pk]},
        )
    # then: one transfer, with the payout's own key, and one ledger posting
    payout = Payout.objects.get()
    assert [r["key"] for r in stripe_transfers.requests] == [payout.idempotency_key]
    assert payout.status == Payout.Status.SENT
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.PAYOUT).count() == 1
