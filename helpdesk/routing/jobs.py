"""Routing's background work: the minute sweep."""
from __future__ import annotations

from helpdesk.core import jobs
from helpdesk.core.extensions import db
from helpdesk.models import Ticket
from helpdesk.routing.services import drop_idle_to_away, redistribute, requeue_stale, route_tickets
from helpdesk.tickets import services as ticket_service


def sweep() -> None:
    """The minute sweep: re-enqueue unrouted tickets, set idle agents away, requeue stale
    tickets, hand out waiting ones."""
    unrouted = db.session.scalars(ticket_service.unrouted_tickets().with_only_columns(Ticket.id).limit(500)).all()
    for start in range(0, len(unrouted), 50):
        jobs.enqueue(route_tickets, unrouted[start:start + 50])
    drop_idle_to_away()
    requeue_stale()
    redistribute()
