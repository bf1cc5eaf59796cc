"""Intake: the raw contact is stored first, and no repeat or race creates a duplicate."""
from __future__ import annotations

import threading

from channels import InboundContact
from helpdesk import intake
from helpdesk.extensions import db
from helpdesk.models import RawContact, Ticket
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
    from helpdesk.services import tickets

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
