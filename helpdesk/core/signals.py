"""Ticket life-cycle signals, so SLA clocks, routing and e-mail react without services knowing them.

"before commit" signals run inside the service's transaction (receivers flush, never
commit); "committed" signals run after it, for enqueueing jobs.
"""
from blinker import Namespace

_signals = Namespace()

# before commit
ticket_opened = _signals.signal("ticket-opened")  # sender: Ticket
message_added = _signals.signal("message-added")  # sender: Message
status_changed = _signals.signal("status-changed")  # sender: Ticket; old=, new=, actor=

# after commit
ticket_committed = _signals.signal("ticket-committed")  # sender: ticket id (an existing ticket changed)
tickets_received = _signals.signal("tickets-received")  # sender: tuple of ids of tickets intake opened; channels=
message_committed = _signals.signal("message-committed")  # sender: message id
ticket_routed = _signals.signal("ticket-routed")  # sender: Ticket; decision=routing.Decision (before commit)
calendar_changed = _signals.signal("calendar-changed")  # sender: calendar name (after commit)
sla_policy_changed = _signals.signal("sla-policy-changed")  # sender: policy name (after commit)

# questions: receivers answer with a value (signal.send returns (receiver, value) pairs)
calendar_preview = _signals.signal("calendar-preview")  # sender: calendar name; calendar=the changed Calendar
# sender: Ticket; receivers answer with a list of tickets.services.TimelineEntry (e.g. the phone area its
# calls), which the ticket page shows among the messages in time order
ticket_timeline = _signals.signal("ticket-timeline")
