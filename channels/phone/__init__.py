"""The phone channel: CTI events from the PBX, the call state they add up to, its outcome and contact."""
from channels.phone.calls import (
    CALLBACK_OUTCOMES, OUTCOMES, CallState, CallSummary, LineRules, callback_contact, display_number,
    logged_call_contact,
)
from channels.phone.events import (
    CAUSES, EVENTS, SIGNATURE_HEADER, CallEvent, EventRejected, event_from_fields, parse_event, sign,
    signature_valid,
)

__all__ = [
    "CALLBACK_OUTCOMES", "CAUSES", "EVENTS", "OUTCOMES", "SIGNATURE_HEADER", "CallEvent", "CallState",
    "CallSummary", "EventRejected", "LineRules", "callback_contact", "display_number", "event_from_fields",
    "logged_call_contact", "parse_event", "sign", "signature_valid",
]
