"""Models of live sessions, one module per sub-domain.

orders.py  - the order ("session") and its lifecycle states
calls.py   - voice and video calls inside a session
chat.py    - chat messages and read state (live chat)
clocks.py  - reply clocks and breaches (the reply-window contract)
safety.py  - crisis escalations, message risk, flags and labels, the on-call roster
pool.py    - the open request pool (a client's request, claimed by one listener)
plans.py   - weekly and monthly plans (one order per day)
handover.py - hand-overs of an active session to another listener (转单)
"""

from sessions.models.calls import Call
from sessions.models.chat import Message, QuickReply, ReadMarker
from sessions.models.clocks import Breach, Pause, ReplyClock
from sessions.models.handover import Handover
from sessions.models.orders import Order
from sessions.models.plans import Plan
from sessions.models.pool import OpenRequest
from sessions.models.safety import (
    Escalation,
    EscalationEvent,
    MessageFlag,
    MessageLabel,
    MessageRisk,
    OnCall,
)

__all__ = [
    "Breach",
    "Call",
    "Escalation",
    "EscalationEvent",
    "Handover",
    "Message",
    "MessageFlag",
    "MessageLabel",
    "MessageRisk",
    "OnCall",
    "OpenRequest",
    "Order",
    "Pause",
    "Plan",
    "QuickReply",
    "ReadMarker",
    "ReplyClock",
]
