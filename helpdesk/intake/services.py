"""Intake: persist the raw contact first, then thread it onto a ticket or open a new one."""
from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from channels import InboundContact, webform
from helpdesk.core import jobs
from helpdesk.core import signals
from helpdesk.core.extensions import db, forget_per_transaction, insert_ignoring_conflicts
from helpdesk.models import RawContact, Ticket
from helpdesk.customers import services as customers
from helpdesk.kb import services as kb
from helpdesk.tickets import services as tickets

log = logging.getLogger(__name__)

WEBFORM_SOURCE = "contact-form"  # the source of contacts stored by the public contact page
_WEBFORM_KEY = "webform:"  # a contact page submission's dedup key: this and the page's submission id


def webform_dedup_key(submission_id: str) -> str:
    """The dedup key of a contact page submission: its submission id, which is also the key of
    its visit to the help articles the page suggested."""
    return f"{_WEBFORM_KEY}{submission_id}"


@dataclasses.dataclass(frozen=True)
class StoredContact:
    """A raw contact as committed (see store_raw)."""
    id: int
    status: str
    ticket_id: int | None
    reserved_ticket_id: int | None
    received_at: datetime
    reason: str | None


_STORED = (RawContact.id, RawContact.status, RawContact.ticket_id, RawContact.reserved_ticket_id,
           RawContact.received_at, RawContact.reason)


def store_raw(*, channel: str, source: str, payload: bytes, media_type: str,
              dedup_key: str | None = None, reserve_ticket: bool = False) -> tuple[StoredContact, bool]:
    """Commit the contact exactly as received. Returns (what was stored, created); a repeat
    of a dedup_key returns the stored one, so no retry creates a duplicate.

    ``reserve_ticket`` takes the id of the ticket it will open from the tickets' own
    sequence, so the customer can be told the number before the ticket exists (on
    PostgreSQL; SQLite has no sequences, and there the demo receives the contact at once).
    """
    values = dict(channel=channel, source=source, payload=payload, media_type=media_type, dedup_key=dedup_key)
    if reserve_ticket and db.session.get_bind().dialect.name == "postgresql":
        values["reserved_ticket_id"] = db.func.nextval(db.func.pg_get_serial_sequence("tickets", "id"))
    try:
        # One statement that also gives back the defaults and the reserved id; plain rows, as
        # the contact page is the busiest writer.
        row = db.session.execute(insert(RawContact.__table__).values(**values).returning(*_STORED)).one()
    except IntegrityError:  # stored before (a retry), or by a concurrent delivery this moment
        db.session.rollback()
        row = db.session.execute(db.select(*_STORED).filter_by(dedup_key=dedup_key)).one()
        created = False
    else:
        created = True
    db.session.commit()
    return StoredContact(*row), created


def store_raw_many(*, channel: str, media_type: str, contacts: list[tuple[str, bytes, str]]) -> list[StoredContact]:
    """Commit raw contacts, given as (source, payload, dedup key), in two statements; as
    `store_raw` for each, a repeated dedup key gives the one stored before. In the given order."""
    keys = [key for _, _, key in contacts]
    if contacts:
        db.session.execute(insert_ignoring_conflicts(RawContact.__table__, "dedup_key"), [
            dict(channel=channel, source=source, payload=payload, media_type=media_type, dedup_key=key)
            for source, payload, key in contacts])
    stored = {key: StoredContact(*row) for key, *row in db.session.execute(
        db.select(RawContact.dedup_key, *_STORED).where(RawContact.dedup_key.in_(keys)))}
    db.session.commit()
    return [stored[key] for key in keys]


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
                                         linked_ticket_id=linked_ticket_id, ticket_id=raw.reserved_ticket_id)
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
    if created:
        signals.tickets_received.send((ticket.id,), channels={ticket.channel})
    else:
        signals.ticket_committed.send(ticket.id)
    return ticket


def receive_stored() -> int:
    """The job: open tickets for the web-form contacts the contact page stored, a batch at a time.

    Contacts another worker is receiving are skipped (SKIP LOCKED). Each contact opens its
    ticket under the id reserved for it, the whole batch at once; should that fail, they
    are tried one at a time, and one that cannot become a ticket is quarantined with the
    reason while the rest go on. Returns how many tickets were opened.
    """
    batch = current_app.config["INTAKE_BATCH"]  # a full batch asks for another run, so workers share a burst
    waiting = db.session.scalars(
        db.select(RawContact).where(RawContact.status == "received", RawContact.channel == "webform",
                                    RawContact.source == WEBFORM_SOURCE)
        .order_by(RawContact.id).limit(batch).with_for_update(skip_locked=True)).all()
    readable = []
    for raw in waiting:
        try:
            readable.append((raw, _without_nul(webform.from_payload(raw.payload)), None))
        except ValueError as exc:
            log.warning("raw contact %s is not a readable web-form submission: %s", raw.id, exc)
            raw.status, raw.reason = "quarantined", f"{type(exc).__name__}: {exc}"
    opened = list(_open_stored(readable).values())
    # Their customers were shown help articles and wrote anyway (a contact without such a
    # visit matches no row). Here rather than on the contact page, whose every statement counts.
    kb.forms_submitted({raw.dedup_key.removeprefix(_WEBFORM_KEY): raw.received_at for raw, _, _ in readable
                        if raw.status == "processed" and raw.dedup_key})
    db.session.commit()
    if opened:
        signals.tickets_received.send(tuple(opened), channels={"webform"})
    if len(waiting) == batch:  # there may be more: another run, which a free worker can start at once
        jobs.enqueue_once(receive_stored)
    return len(opened)


def receive_many(contacts: list[tuple[int, InboundContact, int | None]]) -> dict[int, int]:
    """Open a ticket for each stored raw contact, given as (raw id, contact, team id), in one
    transaction: what `receive` does for one, at the cost of a few statements for all. A raw
    contact received before gives its ticket. Returns raw id -> ticket id; one that could not
    become a ticket is quarantined with the reason and left out."""
    raws = {raw.id: raw for raw in db.session.scalars(
        db.select(RawContact).where(RawContact.id.in_([raw_id for raw_id, _, _ in contacts])).order_by(RawContact.id)
        .with_for_update().execution_options(populate_existing=True))}
    received = {raw.id: raw.ticket_id for raw in raws.values() if raw.status == "processed" and raw.ticket_id}
    opened = _open_stored([(raws[raw_id], _without_nul(contact), team_id) for raw_id, contact, team_id in contacts
                           if raw_id in raws and raw_id not in received])
    db.session.commit()
    if opened:
        signals.tickets_received.send(tuple(opened.values()), channels={contact.channel for _, contact, _ in contacts})
    return {**received, **opened}


def _open_stored(stored: list[tuple[RawContact, InboundContact, int | None]]) -> dict[int, int]:
    """Open the tickets of stored (raw contact, contact, team id), all at once; should that fail,
    one at a time, quarantining one that cannot become a ticket. Returns raw id -> ticket id."""
    try:
        with db.session.begin_nested():
            return _open_all(stored)
    except Exception:
        log.warning("a batch of %s contacts could not become tickets at once; one at a time", len(stored),
                    exc_info=True)
        forget_per_transaction()
    opened = {}
    for raw, contact, team_id in stored:
        try:
            with db.session.begin_nested():
                opened.update(_open_all([(raw, contact, team_id)]))
        except Exception as exc:
            log.exception("raw contact %s could not become a ticket", raw.id)
            forget_per_transaction()
            raw.status, raw.reason = "quarantined", f"{type(exc).__name__}: {exc}"
    return opened


def _open_all(stored: list[tuple[RawContact, InboundContact, int | None]]) -> dict[int, int]:
    contacts = [contact for _, contact, _ in stored]
    opened = tickets.open_tickets([
        tickets.NewTicket(contact, customer, raw.id, team_id=team_id, ticket_id=raw.reserved_ticket_id)
        for (raw, contact, team_id), customer in zip(stored, customers.identify_all(contacts))])
    for (raw, _, _), ticket in zip(stored, opened):
        raw.status, raw.ticket_id, raw.reason = "processed", ticket.id, None
    return {raw.id: ticket.id for (raw, _, _), ticket in zip(stored, opened)}


def _without_nul(contact: InboundContact) -> InboundContact:
    """The contact with NUL characters removed from its text (PostgreSQL cannot store them)."""
    changes = {f.name: getattr(contact, f.name).replace("\x00", "") for f in dataclasses.fields(contact)
               if isinstance(getattr(contact, f.name), str) and "\x00" in getattr(contact, f.name)}
    return dataclasses.replace(contact, **changes) if changes else contact
