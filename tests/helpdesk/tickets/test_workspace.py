"""Agents log in, see only what their role allows, and work a ticket."""
from __future__ import annotations

from channels import InboundContact
from helpdesk.intake import services as intake
from helpdesk.core.extensions import db
from helpdesk.models import Ticket, TicketEvent
from helpdesk.models.types import utcnow
from tests.conftest import csrf_token_from, login


def open_ticket(category: str = "technical-support", text: str = "Nie mogę się zalogować do panelu.") -> Ticket:
    raw, _ = intake.store_raw(channel="email", source="test", payload=text.encode(), media_type="text/plain")
    return intake.receive(raw.id, InboundContact(channel="email", received_at=utcnow(), from_email="k@example.pl",
                                                 from_name="Klient", subject="Logowanie", text=text,
                                                 form_category=category))


def test_wrong_password_and_unknown_user_get_the_same_answer(client, make_staff):
    make_staff("anna@kontakt.test")
    wrong = login(client, "anna@kontakt.test", "nope").get_data(as_text=True)
    unknown = login(client, "nobody@kontakt.test", "nope").get_data(as_text=True)
    assert "Nieprawidłowy e-mail lub hasło." in wrong and "Nieprawidłowy e-mail lub hasło." in unknown
    assert client.get("/agent/").status_code == 302  # still not logged in


def test_password_is_stored_as_argon2(make_staff):
    user = make_staff()
    assert user.password_hash.startswith("$argon2id$")


def test_agent_cannot_open_another_teams_ticket(client, make_staff):
    ticket = open_ticket("technical-support")
    make_staff("piotr@kontakt.test", teams=["obsluga-klienta"])
    login(client, "piotr@kontakt.test")
    assert client.get(f"/agent/tickets/{ticket.id}").status_code == 404
    assert ticket.number not in client.get("/agent/?view=all").get_data(as_text=True)


def test_manager_sees_all_tickets(client, make_staff):
    ticket = open_ticket("technical-support")
    make_staff("marek@kontakt.test", role="manager")
    login(client, "marek@kontakt.test")
    assert ticket.number in client.get("/agent/").get_data(as_text=True)


def test_reply_opens_the_ticket_and_is_audited(client, make_staff):
    ticket = open_ticket()
    agent = make_staff("tomasz@kontakt.test", teams=["wsparcie-techniczne"])
    login(client, agent.email)
    page = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    response = client.post(f"/agent/tickets/{ticket.id}", data={
        "reply-csrf_token": csrf_token_from(page), "reply-text": "Proszę spróbować zresetować hasło."},
        follow_redirects=True)
    assert "Proszę spróbować zresetować hasło." in response.get_data(as_text=True)
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "open"
    kinds = [e.kind for e in db.session.scalars(db.select(TicketEvent).filter_by(ticket_id=ticket.id))]
    assert kinds == ["created", "message-in", "message-out", "status"]


def test_the_ticket_history_reads_as_words_with_names_in_the_page_language(client, make_staff):
    from helpdesk.tickets import services as ticket_service

    ticket = open_ticket()
    lead = make_staff("lead@kontakt.test", name="Ewa Lider", role="lead", teams=["wsparcie-techniczne"])
    agent = make_staff("tomasz@kontakt.test", name="Tomasz Agent", teams=["wsparcie-techniczne"])
    ticket_service.update_fields(ticket.id, lead, priority="high", assignee_id=agent.id)
    ticket_service.change_status(ticket.id, lead, "waiting")
    login(client, lead.email)
    events = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True).split('class="events"')[1]
    assert "otwarcie zgłoszenia" in events and "wiadomość od klienta" in events
    assert "priorytet → Wysoki" in events and "agent → Tomasz Agent" in events
    assert "status → Oczekuje na klienta" in events
    events = client.get(f"/agent/tickets/{ticket.id}?lang=en").get_data(as_text=True).split('class="events"')[1]
    assert "priority → High" in events and "status → Waiting for customer" in events


def test_disallowed_status_change_is_explained(client, make_staff):
    ticket = open_ticket()
    agent = make_staff(teams=["wsparcie-techniczne"])
    login(client, agent.email)
    page = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    client.post(f"/agent/tickets/{ticket.id}", data={"status-csrf_token": csrf_token_from(page),
                                                    "status-status": "closed", "status-version": "1"})
    page = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    response = client.post(f"/agent/tickets/{ticket.id}", data={
        "status-csrf_token": csrf_token_from(page), "status-status": "waiting", "status-version": "2"})
    # closed -> waiting is not allowed: the ticket stays closed
    assert response.status_code == 422
    assert "Taka zmiana statusu jest niedozwolona." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "closed"


def test_unknown_route_is_404_and_healthz_reports_database(client):
    assert client.get("/nie-ma-takiej-strony").status_code == 404
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["database"] == "ok"
