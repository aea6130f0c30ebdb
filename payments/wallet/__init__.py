"""The client's prepaid wallet: a ledger account topped up through Stripe, drained by
per-minute sessions, and withdrawn by refunding the original top-ups."""
