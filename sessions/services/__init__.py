"""Writes for orders and live sessions, one module per sub-domain.

transitions.py  - the one locked state change every lifecycle service goes through
orders.py       - booking, payment, acceptance, cancellation, expiry, settlement hand-off
lifecycle.py    - a session starting, ending on time, ending early, being terminated
chat.py         - the message pipeline (validate, safety scan, persist, ack, push)
clocks.py       - reply clocks: opening, closing, recording missed deadlines
watcher.py      - the latency watcher: batched sweeps of due clocks
compensation.py - the refunds a breach grants, and their retry pass
handover.py     - handing an active session to another listener (转单), with the client's yes
"""
