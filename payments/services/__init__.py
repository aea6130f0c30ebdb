"""Writes of the payments area, one module per sub-domain.

ledger.py      - the only writer of journal rows (balanced, append-only, once per key)
payments.py    - PaymentIntents: create, confirm, sync (verified retrieve), capture to escrow
refunds.py     - refunds from escrow through the Stripe Refund API, and their reconciliation
settlement.py  - escrow release after the dispute window, settlement holds
payees.py      - an order's payees (who earns from when) and the split by time served
payouts.py     - staff-approved payout batches through a payouts gateway
budget.py      - clients' monthly budget caps
webhooks.py    - storing and processing verified Stripe events exactly once
"""
