"""Intake: persist the raw contact first, then thread it onto a ticket or open a new one."""
from __future__ import annotations

import dataclasses
import logging

from sqlalchemy.exc import IntegrityError

from channels import InboundContact
from helpdesk import signals
from helpdesk.extensions import db
from helpdesk.models import RawContact, Ticket
from helpdesk.services import customers, tickets

log = logging.getLogger(__name__)


def store_raw(*, channel: str, source: str, payload: bytes, media_type: str,
              dedup_key: str | None = None) -> tuple[RawContact, bool]:
    """Commit the contact exactly as received. Returns (raw, created); a repeat of a
    dedup_key returns the stored one, so no retry creates a duplicate."""
    if dedup_key:
        existing = db.session.scalar(db.select(RawContact).filter_by(dedup_key=dedup_key))
        if existing:
            return existing, False
    raw = RawContact(channel=channel, source=source, payload=payload, media_type=media_type, dedup_key=dedup_key)
    db.session.add(raw)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent delivery of the same contact won the race
        db.session.rollback()
        return db.session.scalar(db.select(RawContact).filter_by(dedup_key=dedup_key)), False
    return raw, True


def quarantine(raw_id: int, reason: str) -> None:
    raw = db.session.get(RawContact, raw_id)
    raw.status = "quarantined"
    raw.reason = reason
    db.session.commit()


def receive(raw_id: int, contact: InboundContact, *, thread_to: Ticket | None = None,
            team_id: int | None = None, linked_ticket_id: int | None = None) -> Ticket:
    """Turn a stored raw contact into a ticket message, in one transaction.

    With ``thread_to`` the contact is a customer message on that ticket (which goes back
    to open unless the mail is automated, see tickets.customer_replied); otherwise a new
    ticket is opened, with ``team_id`` and ``linked_ticket_id`` passed to
    tickets.open_ticket. Receiving the same raw contact twice returns its ticket unchanged.
    """
    # The row lock makes a concurrent second delivery of the same contact wait, then see it processed.
    raw = db.session.scalars(db.select(RawContact).filter_by(id=raw_id).with_for_update()
                             .execution_options(populate_existing=True)).one()
    if raw.status == "processed" and raw.ticket_id:
        return db.session.get(Ticket, raw.ticket_id)
    contact = _without_nul(contact)
    try:
        customer = customers.identify(contact)
        if thread_to is not None:
            ticket = thread_to
            # Reopen first, so the message lands on an open ticket (SLA: it starts the next response).
            if not contact.is_automated:  # an out-of-office answer is not the customer replying
                tickets.customer_replied(ticket)
            tickets.add_message(ticket, channel=contact.channel, direction="in", text=contact.text,
                                html=contact.html, author_customer=customer,
                                author_name=contact.from_name or contact.from_email, subject=contact.subject,
                                attachments=contact.attachments, external_message_id=contact.message_id,
                                call_id=contact.call_id, raw_contact_id=raw.id)
            created = False
        else:
            ticket = tickets.open_ticket(contact, customer, raw.id, team_id=team_id,
                                         linked_ticket_id=linked_ticket_id)
            created = True
        raw.status = "processed"
        raw.ticket_id = ticket.id
        raw.reason = None
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.exception("raw contact %s could not become a ticket", raw_id)
        quarantine(raw_id, f"{type(exc).__name__}: {exc}")
        raise
    signals.ticket_committed.send(ticket.id, created=created)
    return ticket


def _without_nul(contact: InboundContact) -> InboundContact:
    """The contact with NUL characters removed from its text (PostgreSQL cannot store them)."""
    changes = {f.name: getattr(contact, f.name).replace("\x00", "") for f in dataclasses.fields(contact)
               if isinstance(getattr(contact, f.name), str) and "\x00" in getattr(contact, f.name)}
    return dataclasses.replace(contact, **changes) if changes else contact
