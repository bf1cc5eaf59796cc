"""The customer's earlier tickets on a ticket's page: only those the viewer may open."""
from __future__ import annotations

from channels import InboundContact
from helpdesk.intake import services as intake
from helpdesk.models.types import utcnow
from tests.conftest import login


def open_ticket(category: str, subject: str):
    raw, _ = intake.store_raw(channel="email", source="test", payload=subject.encode(), media_type="text/plain")
    return intake.receive(raw.id, InboundContact(channel="email", received_at=utcnow(), from_email="k@example.pl",
                                                 from_name="Klient", subject=subject, text="Treść sprawy klienta.",
                                                 form_category=category))


def test_earlier_tickets_of_other_teams_are_not_shown_to_an_agent(client, make_staff):
    elsewhere = open_ticket("technical-support", "Sprawa zespołu technicznego")  # wsparcie-techniczne
    same_team = open_ticket("payment-problems", "Wcześniejsza sprawa płatności")  # obsluga-klienta
    current = open_ticket("payment-problems", "Bieżąca sprawa płatności")
    assert elsewhere.customer_id == same_team.customer_id == current.customer_id
    make_staff("piotr@kontakt.test", teams=["obsluga-klienta"])
    login(client, "piotr@kontakt.test")
    page = client.get(f"/agent/tickets/{current.id}").get_data(as_text=True)
    assert "Wcześniejsza sprawa płatności" in page and same_team.number in page
    assert "Sprawa zespołu technicznego" not in page and elsewhere.number not in page
    assert client.get(f"/agent/tickets/{elsewhere.id}").status_code == 404


def test_a_manager_sees_every_earlier_ticket(client, make_staff):
    elsewhere = open_ticket("technical-support", "Sprawa zespołu technicznego")
    current = open_ticket("payment-problems", "Bieżąca sprawa płatności")
    make_staff("szefowa@kontakt.test", role="manager")
    login(client, "szefowa@kontakt.test")
    assert elsewhere.number in client.get(f"/agent/tickets/{current.id}").get_data(as_text=True)
