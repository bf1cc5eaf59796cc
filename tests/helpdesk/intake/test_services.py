"""Intake: the raw contact is stored first, and no repeat or race creates a duplicate."""
from __future__ import annotations

import dataclasses
import threading

from channels import InboundContact
from channels.webform import FormSubmission, to_payload
from helpdesk.intake import services as intake
from helpdesk.core.extensions import db
from helpdesk.models import Customer, RawContact, Ticket, TicketEvent
from helpdesk.models.sla import SlaClock
from helpdesk.models.types import utcnow


def contact() -> InboundContact:
    return InboundContact(channel="email", received_at=utcnow(), from_email="k@example.pl", subject="Rata",
                          text="Pytanie o ratę.")


def test_two_deliveries_of_the_same_contact_at_once_make_one_ticket(app):
    barrier = threading.Barrier(2)
    numbers = []

    def deliver():
        with app.app_context():
            raw, _ = intake.store_raw(channel="email", source="test", payload=b"same bytes",
                                      media_type="message/rfc822", dedup_key="mid-1@example.pl")
            barrier.wait()
            numbers.append(intake.receive(raw.id, contact()).number)
            db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(numbers) == 2 and numbers[0] == numbers[1]
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(RawContact)) == 1


def test_a_contact_that_cannot_become_a_ticket_is_quarantined_with_the_reason(app, monkeypatch):
    from helpdesk.tickets import services as tickets

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tickets, "open_ticket", broken)  # stands in for any failure after storing
    raw, _ = intake.store_raw(channel="email", source="test", payload=b"bytes", media_type="message/rfc822")
    try:
        intake.receive(raw.id, contact())
    except RuntimeError:
        pass
    db.session.expire_all()
    stored = db.session.get(RawContact, raw.id)
    assert stored.status == "quarantined" and "disk full" in stored.reason and stored.payload == b"bytes"


def stored_submission(n: int, *, email: str | None = None, subject: str = "Rata") -> RawContact:
    """A web-form submission stored as the contact page stores it, its ticket number reserved."""
    form = FormSubmission(name=f"Klient {n}", email=email or f"klient{n}@example.pl", category="payment-problems",
                          subject=subject, description="Nie widzę mojej wpłaty na koncie.")
    raw, created = intake.store_raw(channel="webform", source=intake.WEBFORM_SOURCE,
                                    payload=to_payload(form, utcnow()), media_type="application/json",
                                    reserve_ticket=True)
    assert created
    return raw


def test_stored_submissions_become_tickets_a_batch_at_a_time_under_their_reserved_numbers(app, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "INTAKE_BATCH", 4)
    raws = [stored_submission(n) for n in range(3)] + [stored_submission(9, email="Klient0@Example.pl")]
    raws.append(stored_submission(5))
    reserved = {raw.id: raw.reserved_ticket_id for raw in raws}

    assert intake.receive_stored() == 4  # a full batch; the fifth in the run it asks for (inline here)
    assert "one at a time" not in caplog.text  # each batch went in at once
    db.session.expire_all()
    for raw_id, ticket_id in reserved.items():
        raw = db.session.get(RawContact, raw_id)
        assert raw.status == "processed" and raw.ticket_id is not None
        if ticket_id is not None:  # PostgreSQL reserves the number; SQLite has no sequences
            assert raw.ticket_id == ticket_id
        ticket = db.session.get(Ticket, raw.ticket_id)
        assert [m.direction for m in ticket.messages] == ["in"] and ticket.messages[0].author_customer is ticket.customer
        assert {"created", "message-in"} <= set(db.session.scalars(
            db.select(TicketEvent.kind).filter_by(ticket_id=ticket.id)))
        assert db.session.scalar(db.select(SlaClock).filter_by(ticket_id=ticket.id, name="first_response"))
    # two submissions from one address (written differently) in one batch: one customer
    first, fourth = (db.session.get(Ticket, db.session.get(RawContact, raws[n].id).ticket_id) for n in (0, 3))
    assert first.customer_id == fourth.customer_id
    assert db.session.scalar(db.select(db.func.count()).select_from(Customer)) == 4


def test_a_submission_that_cannot_become_a_ticket_is_quarantined_and_the_rest_of_its_batch_opens(app, monkeypatch):
    from helpdesk.tickets import services as tickets

    opened_at_once = tickets.open_tickets

    def fails_for_one(new):  # stands in for any failure one contact causes after it was stored
        if any(item.contact.subject == "Zepsute" for item in new):
            raise RuntimeError("disk full")
        return opened_at_once(new)

    monkeypatch.setattr(tickets, "open_tickets", fails_for_one)
    good = [stored_submission(1), stored_submission(3)]
    broken = stored_submission(2, subject="Zepsute")
    unreadable, _ = intake.store_raw(channel="webform", source=intake.WEBFORM_SOURCE, payload=b'{"fields": {}}',
                                     media_type="application/json")

    assert intake.receive_stored() == 2
    db.session.expire_all()
    assert [db.session.get(RawContact, raw.id).status for raw in good] == ["processed", "processed"]
    broken, unreadable = db.session.get(RawContact, broken.id), db.session.get(RawContact, unreadable.id)
    assert broken.status == "quarantined" and "disk full" in broken.reason and broken.ticket_id is None
    assert unreadable.status == "quarantined" and "not a stored web-form submission" in unreadable.reason
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 2


def test_a_batch_of_stored_contacts_becomes_tickets_once_and_a_repeat_is_the_stored_one(app):
    contacts = [(f"src-{n}", f"bytes {n}".encode(), f"batch-{n}") for n in range(3)]
    stored = intake.store_raw_many(channel="phone", media_type="application/json", contacts=contacts)
    again = intake.store_raw_many(channel="phone", media_type="application/json", contacts=contacts[1:])
    assert [s.id for s in again] == [s.id for s in stored[1:]]
    assert db.session.scalar(db.select(db.func.count()).select_from(RawContact)) == 3
    batch = [(s.id, dataclasses.replace(contact(), from_email=f"k{n}@example.pl"), None) for n, s in enumerate(stored)]
    opened = intake.receive_many(batch)
    assert len(set(opened.values())) == 3
    assert {db.session.get(Ticket, opened[s.id]).customer.primary_email for s in stored} == {
        "k0@example.pl", "k1@example.pl", "k2@example.pl"}
    assert intake.receive_many(batch) == opened  # received before: the same tickets
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 3
    assert {raw.status for raw in db.session.scalars(db.select(RawContact))} == {"processed"}


def test_a_contact_of_a_batch_that_cannot_become_a_ticket_is_quarantined_and_the_rest_go_on(app, monkeypatch):
    from helpdesk.tickets import services as tickets

    stored = intake.store_raw_many(channel="phone", media_type="application/json",
                                   contacts=[(f"src-{n}", b"{}", f"q-{n}") for n in range(3)])
    real = tickets.open_tickets

    def refuse_the_second(new):  # a mock: a ticket that cannot be written, as no real contact fails on cue
        if any(item.raw_contact_id == stored[1].id for item in new):
            raise ValueError("cannot be written")
        return real(new)

    monkeypatch.setattr(tickets, "open_tickets", refuse_the_second)
    opened = intake.receive_many([(s.id, contact(), None) for s in stored])
    assert set(opened) == {stored[0].id, stored[2].id}
    raw = db.session.get(RawContact, stored[1].id)
    assert raw.status == "quarantined" and "cannot be written" in raw.reason
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 2
