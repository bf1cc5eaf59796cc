"""The route_ticket job on real rules and realistic Polish contacts: decisions, traces, pins,
the unrouted queue, hand-outs by SLA due time and requeues after the grace period."""
from __future__ import annotations

from datetime import timedelta

import pytest

from channels import InboundContact
from helpdesk.intake import services as intake
from helpdesk.routing import jobs as routing_jobs
from helpdesk.routing import services as routing_service
from helpdesk.core.extensions import db
from helpdesk.models import Ticket, TicketEvent, User
from helpdesk.models.types import utcnow
from helpdesk.tickets import services as ticket_service
from tests.conftest import csrf_token_from, login


def contact(text: str, *, subject: str = "Zapytanie", channel: str = "webform", form_category: str | None = None,
            sender: str = "jan.kowalski@example.pl") -> Ticket:
    """A customer's contact through intake, as the contact form and mailboxes deliver it."""
    raw, _ = intake.store_raw(channel=channel, source="test", payload=text.encode(), media_type="text/plain")
    return intake.receive(raw.id, InboundContact(channel=channel, received_at=utcnow(), from_email=sender,
                                                 from_name="Jan Kowalski", subject=subject, text=text,
                                                 form_category=form_category))


def fresh(ticket_id: int) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def event_kinds(ticket_id: int) -> list[str]:
    return [e.kind for e in db.session.scalars(db.select(TicketEvent).filter_by(ticket_id=ticket_id)
                                               .order_by(TicketEvent.id))]


@pytest.fixture
def tech_agent(make_staff):
    return make_staff("ewa@kontakt.test", name="Ewa Nowak", teams=["wsparcie-techniczne"],
                      skills=["technical-support"], presence="available")


@pytest.mark.both_databases
def test_a_login_problem_goes_to_technical_support_and_an_available_agent(app, tech_agent):
    ticket = fresh(contact("Dzień dobry, nie mogę się zalogować do strefy klienta od wczoraj.",
                           subject="Problem z logowaniem").id)
    assert ticket.category.slug == "technical-support"
    assert ticket.team.slug == "wsparcie-techniczne"
    assert ticket.assignee_id == tech_agent.id and ticket.routed_at is not None
    assert ticket.routing["sla_policy"] == "email-first-response"
    assert "text-technical-support" in [r["rule_id"] for r in ticket.routing["trace"]["rules"]]
    assert ticket.routing["trace"]["assignment"]["status"] == "assigned"
    kinds = event_kinds(ticket.id)
    assert kinds.count("assignee") == 1 and "team" in kinds
    assert db.session.get(User, tech_agent.id).last_assigned_at is not None


def test_rules_set_priority_and_tags_from_the_text(app):
    ticket = fresh(contact("Ktoś wziął pożyczkę na moje dane, to oszustwo! Proszę pilnie o kontakt.",
                           subject="Wyłudzenie").id)
    assert ticket.priority == "urgent"
    assert {"podejrzenie-oszustwa", "pilne"} <= set(ticket.tags)
    assert ticket.assignee_id is None and ticket.routing["trace"]["assignment"]["status"] == "queued"


def test_a_ticket_matching_no_team_rule_goes_to_the_default_team_and_the_trace_says_so(app):
    ticket = fresh(contact("Dzień dobry, chciałbym zapytać o godziny otwarcia biura.", channel="email").id)
    assert ticket.team.slug == "obsluga-klienta"
    assert "no rule set a team; default team obsluga-klienta" in ticket.routing["trace"]["notes"]


def test_the_api_ticket_carries_the_decision_and_its_trace(app, client, tech_agent):
    ticket = contact("Nie mogę się zalogować, wyskakuje błąd hasła.", subject="Logowanie")
    login(client, "ewa@kontakt.test")
    routing = client.get(f"/api/v1/tickets/{ticket.id}").get_json()["routing"]
    assert routing["category"] == "technical-support" and routing["team"] == "wsparcie-techniczne"
    assert routing["priority"] == "normal" and routing["assignee_id"] == tech_agent.id
    assert routing["trace"]["assignment"]["candidates"][0]["agent_id"] == tech_agent.id
    assert routing["trace"]["rules"]


def test_the_ticket_page_explains_the_routing(app, client, tech_agent, make_staff):
    make_staff("marek@kontakt.test", name="Marek Zajęty", teams=["wsparcie-techniczne"],
               skills=["technical-support"], presence="away")
    ticket = contact("Nie mogę się zalogować do panelu klienta.", subject="Logowanie")
    login(client, "ewa@kontakt.test")
    page = client.get(f"/agent/tickets/{ticket.id}?lang=en").get_data(as_text=True)
    assert "Why this routing" in page and "Treść: Wsparcie techniczne" in page
    assert "Marek Zajęty" in page and "not available" in page
    assert "Pin to agent" not in page  # agents see the reasons, only leads pin


def test_a_pinned_ticket_is_never_moved(app, client, tech_agent, make_staff):
    make_staff("lead@kontakt.test", role="lead", presence="available")
    other = make_staff("olek@kontakt.test", teams=["wsparcie-techniczne"], skills=["technical-support"],
                       presence="available")
    ticket = contact("Nie mogę się zalogować.", subject="Logowanie")
    login(client, "lead@kontakt.test")
    page = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    response = client.post(f"/agent/tickets/{ticket.id}/pin",
                           data={"pin-agent": str(other.id), "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert fresh(ticket.id).pinned and fresh(ticket.id).assignee_id == other.id
    routing_service.set_presence(db.session.get(User, other.id), "offline")
    assert routing_service.requeue_stale(utcnow() + timedelta(hours=2)) == []
    routing_service.redistribute()
    routing_service.route_ticket(ticket.id)
    assert fresh(ticket.id).assignee_id == other.id


def test_agents_cannot_pin(app, client, tech_agent):
    ticket = contact("Nie mogę się zalogować.", subject="Logowanie")
    login(client, "ewa@kontakt.test")
    page = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    response = client.post(f"/agent/tickets/{ticket.id}/pin",
                           data={"pin-agent": str(tech_agent.id), "csrf_token": csrf_token_from(page)})
    assert response.status_code == 403 and not fresh(ticket.id).pinned


def test_a_ticket_routing_failed_on_shows_in_the_unrouted_queue_until_the_sweep_routes_it(
        app, client, make_staff, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("rules engine down")

    monkeypatch.setattr(routing_service, "decide", broken)
    ticket = contact("Nie mogę się zalogować.", subject="Logowanie")
    assert fresh(ticket.id).routed_at is None  # the failure is logged, the ticket is kept
    stored = fresh(ticket.id)
    stored.created_at = utcnow() - timedelta(minutes=app.config["ROUTING_UNROUTED_MINUTES"] + 1)
    db.session.commit()
    make_staff("lead@kontakt.test", role="lead")
    make_staff("agent@kontakt.test", teams=["wsparcie-techniczne"])
    agent = app.test_client()
    login(agent, "agent@kontakt.test")
    assert "view=unrouted" not in agent.get("/agent/").get_data(as_text=True)
    login(client, "lead@kontakt.test")
    assert ticket.number in client.get("/agent/?view=unrouted").get_data(as_text=True)
    monkeypatch.undo()
    routing_jobs.sweep()
    assert fresh(ticket.id).routed_at is not None
    assert ticket.number not in client.get("/agent/?view=unrouted").get_data(as_text=True)


def test_an_agent_becoming_available_gets_the_ticket_due_first(app, client, make_staff):
    agent = make_staff("ewa@kontakt.test", teams=["wsparcie-techniczne"], skills=["technical-support"],
                       capacity={"webform": 1}, presence="offline")
    later = contact("Nie mogę się zalogować.", subject="Logowanie 1")
    sooner = contact("Błąd przy logowaniu do panelu klienta.", subject="Logowanie 2")
    undated = contact("Strona nie działa w przeglądarce.", subject="Logowanie 3")
    now = utcnow()
    fresh(later.id).next_due_at = now + timedelta(hours=5)
    fresh(sooner.id).next_due_at = now + timedelta(hours=1)
    db.session.commit()
    assert fresh(sooner.id).assignee_id is None and fresh(later.id).assignee_id is None
    login(client, "ewa@kontakt.test")
    page = client.get("/agent/").get_data(as_text=True)
    client.post("/agent/presence", data={"presence-presence": "available", "presence-next": "/agent/",
                                         "csrf_token": csrf_token_from(page)})
    assert fresh(sooner.id).assignee_id == agent.id
    assert fresh(later.id).assignee_id is None and fresh(undated.id).assignee_id is None
    ticket_service.change_status(sooner.id, db.session.get(User, agent.id), "solved")
    assert fresh(later.id).assignee_id == agent.id and fresh(undated.id).assignee_id is None


def test_unanswered_tickets_return_to_the_queue_after_the_grace_period(app, make_staff):
    agent = make_staff("ewa@kontakt.test", teams=["wsparcie-techniczne"], skills=["technical-support"],
                       presence="available")
    waiting = contact("Nie mogę się zalogować.", subject="Logowanie")
    answered = contact("Błąd logowania w aplikacji mobilnej.", subject="Aplikacja")
    ticket_service.reply(answered.id, db.session.get(User, agent.id), "Proszę wyczyścić pamięć podręczną.")
    routing_service.set_presence(db.session.get(User, agent.id), "offline")
    grace = timedelta(minutes=app.config["ROUTING_GRACE_MINUTES"])
    assert routing_service.requeue_stale(utcnow() + grace - timedelta(minutes=1)) == []
    requeued = routing_service.requeue_stale(utcnow() + grace + timedelta(minutes=1))
    assert [(r.ticket_id, r.reason) for r in requeued] == [(waiting.id, "offline")]
    assert fresh(waiting.id).assignee_id is None and fresh(answered.id).assignee_id == agent.id
    last = db.session.scalars(db.select(TicketEvent).filter_by(ticket_id=waiting.id, kind="assignee")
                              .order_by(TicketEvent.id.desc())).first()
    assert last.data["new"] is None and last.data["reason"] == "offline"


def test_a_new_customer_message_on_a_waiting_ticket_looks_for_an_agent_again(app, make_staff):
    ticket = contact("Nie mogę się zalogować.", subject="Logowanie")
    assert fresh(ticket.id).assignee_id is None
    agent = make_staff("ewa@kontakt.test", teams=["wsparcie-techniczne"], skills=["technical-support"],
                       presence="available")
    raw, _ = intake.store_raw(channel="email", source="test", payload=b"x", media_type="text/plain")
    intake.receive(raw.id, InboundContact(channel="email", received_at=utcnow(), from_email="jan@example.pl",
                                          text="Nadal nie działa."), thread_to=fresh(ticket.id))
    assert fresh(ticket.id).assignee_id == agent.id
    assert fresh(ticket.id).category.slug == "technical-support"  # assignment only, no re-classification


def test_tickets_of_an_agent_whose_shift_ended_return_to_the_queue(app, make_staff):
    from datetime import datetime, timezone

    agent = make_staff("ewa@kontakt.test", teams=["wsparcie-techniczne"], skills=["technical-support"],
                       presence="available", shift_calendar="working-days")
    lead = make_staff("lead@kontakt.test", role="lead")
    ticket = contact("Nie mogę się zalogować.", subject="Logowanie")
    ticket_service.update_fields(ticket.id, db.session.get(User, lead.id), assignee_id=agent.id)
    friday = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
    assert routing_service.requeue_stale(friday) == []
    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)  # no working-days shift all weekend
    assert [(r.ticket_id, r.reason) for r in routing_service.requeue_stale(sunday)] == [(ticket.id, "shift_ended")]
    assert fresh(ticket.id).assignee_id is None
