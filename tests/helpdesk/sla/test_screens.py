"""SLA in the screens: the queue's deadlines and order, the ticket's clocks, the confirmation page,
the policy editor's preview and apply, notifications, the JSON API."""
from __future__ import annotations

import re

import pytest

from helpdesk.web.auth import issue_api_token
from helpdesk.core.extensions import db
from helpdesk.models import AuditEntry, Ticket
from helpdesk.models.sla import Notification, SlaClock, SlaPolicy
from helpdesk.tickets import services as tickets
from tests.conftest import csrf_token_from, login
from tests.helpdesk.intake.test_contact_form import form_data
from tests.helpdesk.sla.test_clocks import clock, local, now, open_ticket  # noqa: F401


def queue_rows(html: str) -> list[tuple[str, str]]:
    """(ticket number, sla cell class) per queue row, in order."""
    return re.findall(r'data-ticket="(KT-\d+)"[^>]*>\s*<td class="pick">.*?</td>\s*<td><a [^>]*>KT-\d+</a></td>\s*'
                      r'<td class="sla sla-(\w+)"', html, re.S)


@pytest.mark.both_databases
def test_the_queue_sorts_by_the_nearest_deadline_and_colours_it(app, client, now, make_staff):
    agent = make_staff("agent@kontakt.test", role="manager")
    now(local(2026, 12, 8, 10, 0))
    later = open_ticket()
    now(local(2026, 12, 8, 11, 0))
    waiting = open_ticket()
    tickets.change_status(waiting.id, agent, "waiting")
    now(local(2026, 12, 7, 9, 0))
    earlier = open_ticket()  # due Tuesday 9:00, already breached "now" below
    now(local(2026, 12, 8, 12, 0))
    tickets.update_fields(later.id, agent, priority="urgent")  # resolution due 18:00, 75% passed at 16:00
    now(local(2026, 12, 8, 16, 30))
    login(client, "agent@kontakt.test")
    html = client.get("/agent/?view=all").get_data(as_text=True)
    assert queue_rows(html) == [(earlier.number, "breached"), (later.number, "warning"), (waiting.number, "paused")]
    # Working time left to 18:00; the breached one in clock time since 9:00.
    assert "1 h 30 min" in html and "po terminie od 7 h 30 min" in html


def test_the_ticket_page_shows_each_clock_with_its_history(app, client, now, make_staff):
    make_staff("agent@kontakt.test", role="manager")
    now(local(2026, 12, 8, 10, 0))
    ticket = open_ticket()
    login(client, "agent@kontakt.test")
    html = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    panel = html[html.index('class="sla-panel"'):]
    assert "Pierwsza odpowiedź" in panel and "Rozwiązanie" in panel and "Historia SLA" in panel
    assert "zgłoszenie otwarte: domyślna polityka kanału" in panel
    # the policy by the name staff know it, not its short name
    assert "E-mail i formularz: odpowiedź w 24 h roboczych" in panel and "email-first-response" not in panel


def test_the_sla_history_reasons_are_shown_in_the_page_language(app, client, now, make_staff):
    agent = make_staff("agent@kontakt.test", role="manager")
    now(local(2026, 12, 8, 10, 0))
    ticket = open_ticket()
    now(local(2026, 12, 8, 11, 0))
    tickets.change_status(ticket.id, agent, "waiting")
    login(client, "agent@kontakt.test")
    panel = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True).split('class="sla-panel"')[1]
    assert "status: Oczekuje na klienta" in panel and "status waiting" not in panel
    panel = client.get(f"/agent/tickets/{ticket.id}?lang=en").get_data(as_text=True).split('class="sla-panel"')[1]
    assert "status: Waiting for customer" in panel and "ticket opened: the channel&#39;s default policy" in panel


def test_a_reason_of_unknown_form_is_shown_as_stored(app):
    from helpdesk.sla.views import reason_label

    with app.test_request_context("/?lang=en"):
        assert reason_label("due at 2026-12-08T09:00:00+00:00").startswith("deadline was 12/8/26, 10:00")  # Warsaw time
        assert reason_label("50% of the target") == "50% of the target"
        assert reason_label("moved by hand") == "moved by hand"


def test_the_confirmation_page_promises_the_first_response_deadline(app, client, now):
    now(local(2026, 12, 8, 14, 30))  # Tuesday: 24 working hours later is Wednesday 14:30
    page = client.post("/contact", data=form_data(client), follow_redirects=True).get_data(as_text=True)
    assert "Odpowiemy najpóźniej do środy, 9 grudnia 2026, 14:30." in page
    now(local(2026, 12, 11, 16, 0))  # Friday: the weekend does not count
    page = client.post("/contact", data=form_data(client), follow_redirects=True).get_data(as_text=True)
    assert "Odpowiemy najpóźniej do poniedziałku, 14 grudnia 2026, 16:00." in page
    english = client.get("/contact/sent?lang=en").get_data(as_text=True)
    assert "We will answer by Monday, 14 December 2026, 16:00 at the latest." in english


def test_a_policy_edit_is_previewed_then_applied_to_open_tickets(app, client, now, make_staff):
    make_staff("admin@kontakt.test", role="admin")
    now(local(2026, 12, 8, 10, 0))
    ticket = open_ticket()
    login(client, "admin@kontakt.test")
    page = client.get("/admin/sla/email-first-response").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "title": "E-mail", "calendar_name": "working-days",
            "first_response_hours": "8", "next_response_hours": "24", "resolution_urgent": "8",
            "resolution_high": "24", "resolution_normal": "72", "resolution_low": "120", "warn_percent": "75",
            "pause_statuses": ["waiting"], "escalation": ["notify_lead"], "preview": "1"}
    preview = client.post("/admin/sla/email-first-response", data=data).get_data(as_text=True)
    assert "Zmiana przesunie 1 otwartych zgłoszeń (1 liczników): terminy przesuną się o −16 h 00 min" in preview
    db.session.expire_all()
    assert db.session.scalar(db.select(SlaPolicy.first_response_minutes).filter_by(
        name="email-first-response")) == 24 * 60  # a preview saves nothing
    del data["preview"]
    client.post("/admin/sla/email-first-response", data={**data, "apply": "1"})
    first = clock(ticket, "first_response")
    assert first.target_seconds == 8 * 3600 and first.due_at == local(2026, 12, 8, 18, 0)
    assert db.session.get(Ticket, ticket.id).next_due_at == local(2026, 12, 8, 18, 0)
    assert db.session.scalar(db.select(AuditEntry).filter_by(entity="sla_policy")).action == "update"


def test_a_bad_policy_edit_names_the_problem(app, client, make_staff):
    make_staff("admin@kontakt.test", role="admin")
    login(client, "admin@kontakt.test")
    page = client.get("/admin/sla/phone-callback").get_data(as_text=True)
    reply = client.post("/admin/sla/phone-callback", data={
        "csrf_token": csrf_token_from(page), "calendar_name": "no-such-calendar", "warn_percent": "75",
        "apply": "1"}).get_data(as_text=True)
    assert "Nie można zapisać polityki: calendar_name: unknown calendar" in reply
    assert client.get("/admin/sla/nope").status_code == 404
    listing = client.get("/admin/sla/").get_data(as_text=True)
    refused = client.post("/admin/sla/", data={"csrf_token": csrf_token_from(listing), "name": "Zła nazwa!"})
    assert "use lower-case letters" in refused.get_data(as_text=True)
    created = client.post("/admin/sla/", data={"csrf_token": csrf_token_from(listing), "name": "vip-first-response"})
    assert created.headers["Location"].endswith("/admin/sla/vip-first-response")
    assert db.session.scalar(db.select(SlaPolicy.calendar_name).filter_by(name="vip-first-response")) == "working-days"


def test_agents_cannot_edit_policies(app, client, make_staff):
    make_staff("agent@kontakt.test")
    login(client, "agent@kontakt.test")
    assert client.get("/admin/sla/email-first-response").status_code == 403


def test_notifications_are_listed_and_marked_read(app, client, now, make_staff):
    agent = make_staff("agent@kontakt.test", teams=["obsluga-klienta"])
    now(local(2026, 12, 8, 10, 0))
    ticket = open_ticket()
    db.session.add(Notification(user_id=agent.id, ticket_id=ticket.id, kind="breach", clock="first_response",
                                due_at=local(2026, 12, 9, 10, 0), created_at=local(2026, 12, 9, 10, 0)))
    db.session.commit()
    login(client, "agent@kontakt.test")
    html = client.get("/agent/notifications").get_data(as_text=True)
    assert ticket.number in html and "Przekroczony termin SLA" in html
    assert re.search(r'Powiadomienia <span class="badge sla-breached">1</span>', html)
    client.post("/agent/notifications", data={"csrf_token": csrf_token_from(html)})
    assert 'class="badge sla-breached"' not in client.get("/agent/notifications").get_data(as_text=True)


def test_the_api_ticket_carries_its_clocks(app, client, now, make_staff):
    agent = make_staff(role="manager")
    token = issue_api_token(agent, "test")
    now(local(2026, 12, 8, 10, 0))
    ticket = open_ticket()
    now(local(2026, 12, 8, 13, 0))
    body = client.get(f"/api/v1/tickets/{ticket.id}", headers={"Authorization": f"Bearer {token}"}).get_json()
    sla = body["sla"]
    assert sla["policy"] == "email-first-response"
    first = {c["clock"]: c for c in sla["clocks"]}["first_response"]
    assert first == {"clock": "first_response", "state": "running", "calendar": "working-days",
                     "target_seconds": 24 * 3600, "elapsed_seconds": 3 * 3600, "remaining_seconds": 21 * 3600,
                     "due_at": clock(ticket, "first_response").due_at.isoformat()}
    assert sla["next_due_at"] == first["due_at"]
    assert db.session.scalar(db.select(db.func.count()).select_from(SlaClock)) == 2
