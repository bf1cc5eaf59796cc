"""Presence: set by the agent, dropped to away after inactivity by the minute sweep, fed to routing;
shown in the page's language; the routing panel speaks in names."""
from __future__ import annotations

from datetime import timedelta

from helpdesk.core.extensions import db
from helpdesk.core.periodic import sweep
from helpdesk.models import Ticket, User
from helpdesk.models.types import utcnow
from tests.conftest import csrf_token_from, login
from tests.helpdesk.tickets.factories import email_ticket


def test_an_idle_available_agent_is_set_away_by_the_sweep_and_gets_no_tickets(client, make_staff, app):
    idle = make_staff(teams=["wsparcie-techniczne"], skills=["technical-support"], presence="available")
    login(client, idle.email)
    client.get("/agent/")  # activity: last seen now
    db.session.expire_all()
    assert db.session.get(User, idle.id).last_seen_at is not None
    sweep()
    assert db.session.get(User, idle.id).presence == "available"  # active a moment ago

    long_ago = utcnow() - timedelta(minutes=app.config["PRESENCE_IDLE_MINUTES"] + 1)
    db.session.execute(db.update(User).where(User.id == idle.id).values(last_seen_at=long_ago))
    db.session.commit()
    sweep()
    db.session.expire_all()
    assert db.session.get(User, idle.id).presence == "away"
    ticket = email_ticket()  # routing no longer hands the away agent tickets
    assert db.session.get(Ticket, ticket.id).assignee_id is None


def test_the_ticket_pages_heartbeat_is_not_activity(client, make_staff):
    agent = make_staff(teams=["wsparcie-techniczne"], presence="available")
    ticket = email_ticket()
    login(client, agent.email)
    html = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    earlier = utcnow() - timedelta(minutes=30)
    db.session.execute(db.update(User).where(User.id == agent.id).values(last_seen_at=earlier))
    db.session.commit()
    assert client.post(f"/agent/tickets/{ticket.id}/viewers",
                       data={"csrf_token": csrf_token_from(html)}).status_code == 200
    db.session.expire_all()
    assert db.session.get(User, agent.id).last_seen_at == earlier
    client.get("/agent/")  # a page the agent opens is
    db.session.expire_all()
    assert db.session.get(User, agent.id).last_seen_at > earlier


def test_setting_presence_feeds_routing_and_reads_in_polish(client, make_staff):
    agent = make_staff(teams=["wsparcie-techniczne"], skills=["technical-support"], presence="offline")
    login(client, agent.email)
    html = client.get("/agent/").get_data(as_text=True)
    assert ">Dostępny</option>" in html and ">Zaraz wracam</option>" in html and ">Niedostępny</option>" in html
    response = client.post("/agent/presence", data={"presence-csrf_token": csrf_token_from(html),
                                                     "presence-presence": "available", "presence-next": "/agent/"},
                           follow_redirects=True)
    assert "Twój status: Dostępny." in response.get_data(as_text=True)
    ticket = email_ticket()
    assert db.session.get(Ticket, ticket.id).assignee_id == agent.id


def test_the_routing_panel_and_agent_list_speak_in_names_not_codes(client, make_staff):
    lead = make_staff(role="lead", teams=["wsparcie-techniczne"], skills=["technical-support"], presence="away")
    ticket = email_ticket()
    login(client, lead.email)
    panel = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True).split('class="routing-panel"')[1]
    panel = panel.split("</section>")[0]
    for slug in ("sla_policy =", "team =", "wsparcie-techniczne", "email-first-response", "technical-support"):
        assert slug not in panel
    assert "Wsparcie techniczne" in panel
    agents = client.get("/admin/agents").get_data(as_text=True)
    assert "Zaraz wracam" in agents and ">away<" not in agents
    assert "technical-support" not in agents.split("<tbody>")[1]
