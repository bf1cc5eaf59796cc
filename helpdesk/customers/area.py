"""Wiring of the customers area: merge proposals follow the ticket the contact opened or landed on,
and the ticket page lists the undecided ones."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.core import signals
from helpdesk.customers import services


def _on_message(message, **_) -> None:
    if message.direction == "in":
        services.attach_ticket(message.ticket)


def init_app(app) -> None:
    signals.ticket_opened.connect(services.attach_ticket, weak=False)
    signals.message_added.connect(_on_message, weak=False)
    if not event.contains(Session, "after_commit", services.forget_pending):
        event.listen(Session, "after_commit", services.forget_pending)
        event.listen(Session, "after_soft_rollback", services.forget_pending)
    app.add_template_global(services.proposals_for, "merge_proposals")
