"""Admin registrations of live sessions, one module per sub-domain."""

from sessions import (
    call_admin,  # noqa: F401  (calls: read-only)
    clock_admin,  # noqa: F401  (reply clocks, breaches, pauses: read-only)
    handover_admin,  # noqa: F401  (hand-overs, their audit: read-only)
    order_admin,  # noqa: F401  (orders and chat messages: read-only)
    pool_admin,  # noqa: F401  (open requests: read-only)
    safety_admin,  # noqa: F401  (escalations and message flags: read-only)
)
