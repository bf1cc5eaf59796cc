"""One customer across channels: matched by e-mail, phone (E.164), PESEL or customer number; two
customers are never merged on their own — the merge is proposed on the ticket and an agent decides."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

import pytest

from channels import InboundContact
from helpdesk.core.extensions import db
from helpdesk.intake import services as intake
from helpdesk.models import AuditEntry, Customer, Ticket, TicketEvent
from helpdesk.models.customers import CustomerMergeProposal
from routing import defaults
from tests.conftest import csrf_token_from, login

PESEL = "44051401359"


def receive(channel="email", **fields) -> Ticket:
    """A contact stored and received as every channel's intake does."""
    raw, _ = intake.store_raw(channel=channel, source="test", payload=uuid.uuid4().bytes, media_type="text/plain")
    contact = InboundContact(channel=channel, received_at=datetime.now(timezone.utc),
                             subject=fields.pop("subject", "Pytanie"), text="Treść", **fields)
    return intake.receive(raw.id, contact)


def customers() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Customer))


@pytest.mark.both_databases
def test_the_same_customer_is_found_by_any_identifier_in_any_channel(app):
    first = receive(from_email="Jan.Kowalski@example.pl", from_name="Jan Kowalski", from_phone="+48660600701")
    by_phone = receive("phone", from_phone="660 600 701")  # national format: +48 by default
    by_email = receive("webform", from_email="jan.kowalski@example.pl", pesel=PESEL)
    by_pesel = receive("webform", from_email="jan.k@poczta.example", pesel=PESEL)
    assert {t.customer_id for t in (first, by_phone, by_email, by_pesel)} == {first.customer_id}
    customer = db.session.get(Customer, first.customer_id)
    customer.customer_number = "K-778812"
    db.session.commit()
    by_number = receive("phone", from_phone="+48221112233", customer_number="K-778812")
    assert by_number.customer_id == customer.id and customers() == 1
    db.session.refresh(customer)
    assert {e.address for e in customer.emails} == {"jan.kowalski@example.pl", "jan.k@poczta.example"}
    assert {p.number for p in customer.phones} == {"+48660600701", "+48221112233"}
    assert customer.pesel == PESEL


@pytest.mark.both_databases
def test_identifiers_of_two_customers_raise_a_proposal_and_nothing_is_merged(app):
    anna = receive(from_email="anna@example.pl", from_name="Anna Nowak").customer_id
    caller = receive("phone", from_phone="+48221234567").customer_id
    ticket = receive("webform", from_email="anna@example.pl", from_phone="22 123 45 67", from_name="Anna Nowak")
    assert ticket.customer_id == anna and customers() == 2  # the e-mail decides; nothing merged
    proposal = db.session.scalars(db.select(CustomerMergeProposal)).one()
    assert (proposal.customer_id, proposal.other_customer_id, proposal.ticket_id) == (anna, caller, ticket.id)
    assert proposal.reasons == [{"kind": "phone", "value": "+48221234567"}] and proposal.status == "proposed"
    assert [p.number for p in db.session.get(Customer, caller).phones] == ["+48221234567"]  # stays the caller's
    receive("webform", from_email="anna@example.pl", from_phone="+48221234567")
    assert db.session.scalar(db.select(db.func.count()).select_from(CustomerMergeProposal)) == 1  # not twice


def test_an_agent_merges_on_the_ticket_and_the_audit_trail_keeps_it(app, client, make_staff):
    anna = receive(from_email="anna@example.pl", from_name="Anna Nowak").customer_id
    call = receive("phone", from_phone="+48221234567", pesel=PESEL)
    caller = call.customer_id
    ticket = receive("webform", from_email="anna@example.pl", from_phone="+48221234567")
    agent = make_staff(teams=list(defaults.TEAMS))
    login(client, agent.email)
    page = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    assert "To może być ta sama osoba" in page and "ten sam numer telefonu +48221234567" in page
    proposal = db.session.scalars(db.select(CustomerMergeProposal)).one()
    answer = client.post(f"/agent/tickets/{ticket.id}/customer-merge/{proposal.id}",
                         data={"csrf_token": csrf_token_from(page), "action": "merge"})
    assert answer.status_code == 302
    db.session.expire_all()
    assert customers() == 1 and db.session.get(Customer, caller) is None
    kept = db.session.get(Customer, anna)
    assert {p.number for p in kept.phones} == {"+48221234567"} and kept.pesel == PESEL
    assert db.session.get(Ticket, call.id).customer_id == anna  # the call's ticket moved over
    entry = db.session.scalars(db.select(AuditEntry).filter_by(entity="customer", action="merge")).one()
    assert entry.actor_user_id == agent.id and entry.data["merged_customer_id"] == caller
    assert entry.data["merged"]["phones"] == ["+48221234567"] and entry.data["tickets"] == [call.id]
    assert db.session.get(CustomerMergeProposal, proposal.id).status == "merged"
    assert db.session.scalars(db.select(TicketEvent.kind).filter_by(ticket_id=ticket.id, kind="customer-merged")).one()
    page = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    assert "To może być ta sama osoba" not in page
    again = client.post(f"/agent/tickets/{ticket.id}/customer-merge/{proposal.id}",
                        data={"csrf_token": csrf_token_from(page), "action": "merge"}, follow_redirects=True)
    assert "już rozstrzygnięta" in again.get_data(as_text=True)


def test_not_the_same_person_is_remembered(app, client, make_staff):
    receive(from_email="anna@example.pl")
    receive("phone", from_phone="+48221234567")
    ticket = receive("webform", from_email="anna@example.pl", from_phone="+48221234567")
    agent = make_staff(teams=list(defaults.TEAMS))
    login(client, agent.email)
    page = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    proposal = db.session.scalars(db.select(CustomerMergeProposal)).one()
    client.post(f"/agent/tickets/{ticket.id}/customer-merge/{proposal.id}",
                data={"csrf_token": csrf_token_from(page), "action": "dismiss"})
    receive("webform", from_email="anna@example.pl", from_phone="+48221234567")
    assert [p.status for p in db.session.scalars(db.select(CustomerMergeProposal))] == ["dismissed"]
    assert customers() == 2
    assert db.session.scalars(db.select(AuditEntry.action).filter_by(entity="customer")).all() == ["merge-dismissed"]


def test_an_agent_cannot_decide_on_a_proposal_of_another_ticket(app, client, make_staff):
    receive(from_email="anna@example.pl")
    receive("phone", from_phone="+48221234567")
    receive("webform", from_email="anna@example.pl", from_phone="+48221234567")
    unrelated = receive(from_email="ktos@example.pl")
    agent = make_staff(teams=list(defaults.TEAMS))
    login(client, agent.email)
    page = client.get(f"/agent/tickets/{unrelated.id}").get_data(as_text=True)
    proposal = db.session.scalars(db.select(CustomerMergeProposal)).one()
    answer = client.post(f"/agent/tickets/{unrelated.id}/customer-merge/{proposal.id}",
                         data={"csrf_token": csrf_token_from(page), "action": "merge"})
    assert answer.status_code == 404 and customers() == 3
