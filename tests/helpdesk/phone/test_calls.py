"""The call log (screen and API), the caller panel, logging calls onto tickets, by hand too, the admin screens."""
from __future__ import annotations

import json
from datetime import timedelta

from channels import InboundContact
from helpdesk.intake import services as intake
from helpdesk.web.auth import issue_api_token
from helpdesk.core.extensions import db
from helpdesk.models import Message, Ticket
from helpdesk.models.phone import AgentPhone, BlockedNumber, Call, PhoneLine
from helpdesk.models.sla import SlaClock
from helpdesk.models.types import utcnow
from helpdesk.phone import services
from tests.conftest import csrf_token_from, login
from tests.helpdesk.phone.conftest import CALLER, LINE_660, local

MONDAY_10 = local(2025, 12, 1, 10, 0)


def call_of(call_id: str) -> Call:
    db.session.expire_all()
    return db.session.scalar(db.select(Call).filter_by(call_id=call_id))


def known_customer() -> Ticket:
    raw, _ = intake.store_raw(channel="email", source="test", payload=b"x", media_type="text/plain")
    return intake.receive(raw.id, InboundContact(channel="email", received_at=utcnow(), from_email="jan@example.pl",
                                                 from_name="Jan Kowalski", from_phone=CALLER, subject="Rata",
                                                 text="Pytanie o ratę."))


def answered(pbx, call_id: str, at, *, extension: str = "101", talk: int = 120, end: bool = True):
    events = [("newCall", at, {"user[]": [extension]}), ("answer", at + timedelta(seconds=10), {"user": extension})]
    if end:
        events.append(("hangup", at + timedelta(seconds=10 + talk), {}))
    pbx.call(call_id, events)
    return call_of(call_id)


def test_the_caller_panel_shows_the_customer_their_open_tickets_and_recent_calls(pbx, client, make_staff, app):
    agent = make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    services.set_agent_phone(None, agent.id, extension="101", number="")
    ticket = known_customer()
    pbx.call("old", [("newCall", MONDAY_10 - timedelta(days=3), {}),
                     ("hangup", MONDAY_10 - timedelta(days=3, seconds=-5), {"cause": "cancel"})])
    now = utcnow()
    pbx.call("ring", [("newCall", now, {"user[]": ["101"]})])
    login(client, agent.email)
    panel = client.get("/agent/phone/now").get_data(as_text=True)
    assert "Połączenie przychodzące" in panel and "+48 501 234 567" in panel and "Jan Kowalski" in panel
    assert ticket.number in panel and "krótkie porzucenie" in panel
    other, other_client = make_staff(teams=["obsluga-klienta"]), app.test_client()
    login(other_client, other.email)
    assert "+48 501 234 567" not in other_client.get("/agent/phone/now").get_data(as_text=True)  # not offered to them


def test_an_unknown_number_says_so(pbx, client, make_staff):
    agent = make_staff(teams=["obsluga-klienta"])
    services.set_agent_phone(None, agent.id, extension="102", number="")
    pbx.call("u1", [("newCall", utcnow(), {"user[]": ["102"]})], caller="+48600999888")
    login(client, agent.email)
    assert "Nieznany numer" in client.get("/agent/phone/now").get_data(as_text=True)


def test_the_stream_sends_an_event_when_the_agents_calls_change(pbx, client, make_staff, app, monkeypatch):
    import helpdesk.phone.views as views

    monkeypatch.setattr(views, "STREAM_SECONDS", 0.5)
    monkeypatch.setitem(app.config, "PHONE_STREAM_POLL_SECONDS", 0.1)
    agent = make_staff(teams=["obsluga-klienta"])
    services.set_agent_phone(None, agent.id, extension="103", number="")
    pbx.call("e1", [("newCall", utcnow(), {"user[]": ["103"]})])
    login(client, agent.email)
    answer = client.get("/agent/phone/stream")
    body = answer.get_data(as_text=True)
    assert answer.mimetype == "text/event-stream" and body.startswith("retry: 1000")
    data = json.loads(body.split("event: calls\ndata: ")[1].split("\n")[0])
    assert data == {"ringing": [[call_of("e1").id, "ringing"]], "unlogged": 0}


def test_logging_an_answered_call_on_a_new_ticket_with_notes_and_a_category(pbx, client, make_staff):
    agent = make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    services.set_agent_phone(None, agent.id, extension="101", number="")
    call = answered(pbx, "l1", MONDAY_10)
    assert [c.id for c in services.unlogged_for(agent, now=MONDAY_10 + timedelta(hours=1))] == [call.id]
    login(client, agent.email)
    page = client.get(f"/agent/phone/calls/{call.id}").get_data(as_text=True)
    assert "Nowe zgłoszenie" in page
    done = client.post(f"/agent/phone/calls/{call.id}", data={
        "csrf_token": csrf_token_from(page), "ticket": "new", "category": "payment-problems",
        "notes": "Klient pyta o przesunięcie raty\nUmówiono nowy termin."})
    assert done.status_code == 302
    call = call_of("l1")
    ticket = db.session.get(Ticket, call.ticket_id)
    assert ticket.channel == "phone" and ticket.subject == "Klient pyta o przesunięcie raty"
    assert ticket.category.slug == "payment-problems" and ticket.customer.phones[0].number == CALLER
    texts = [(m.direction, m.text) for m in ticket.messages]
    assert texts[0][0] == "in" and "2 min 0 s" in texts[0][1]
    assert texts[1] == ("out", "Klient pyta o przesunięcie raty\nUmówiono nowy termin.")
    clock = db.session.scalar(db.select(SlaClock).filter_by(ticket_id=ticket.id, name="first_response"))
    assert clock.stopped  # the call was the response
    assert call.logged_by_id == agent.id and services.unlogged_for(agent, now=MONDAY_10) == []
    page = client.get(f"/agent/tickets/{ticket.id}").get_data(as_text=True)
    assert "Umówiono nowy termin." in page and "odebrane" in page
    again = client.post(f"/agent/phone/calls/{call.id}", data={"csrf_token": csrf_token_from(page), "ticket": "new",
                                                               "category": "", "notes": "drugi raz"})
    assert again.headers["Location"].endswith(f"/agent/tickets/{ticket.id}")
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 1


def test_logging_a_call_on_the_callers_open_ticket(pbx, client, make_staff):
    agent = make_staff(teams=["obsluga-klienta"])
    services.set_agent_phone(None, agent.id, extension="101", number="")
    ticket = known_customer()
    call = answered(pbx, "l2", MONDAY_10)
    login(client, agent.email)
    page = client.get(f"/agent/phone/calls/{call.id}").get_data(as_text=True)
    assert f'value="{ticket.id}"' in page
    client.post(f"/agent/phone/calls/{call.id}", data={"csrf_token": csrf_token_from(page), "ticket": str(ticket.id),
                                                       "category": "", "notes": "Potwierdził adres."})
    db.session.expire_all()
    assert call_of("l2").ticket_id == ticket.id
    assert [m.text for m in db.session.get(Ticket, ticket.id).messages][-1] == "Potwierdził adres."


def test_an_agent_cannot_log_another_agents_call(pbx, client, make_staff):
    anna = make_staff(teams=["obsluga-klienta"])
    services.set_agent_phone(None, anna.id, extension="101", number="")
    call = answered(pbx, "l3", MONDAY_10)
    login(client, make_staff(teams=["obsluga-klienta"]).email)
    assert client.get(f"/agent/phone/calls/{call.id}").status_code == 404


def test_a_call_logged_by_hand(client, make_staff):
    agent = make_staff(teams=["obsluga-klienta"])
    login(client, agent.email)
    page = client.get("/agent/phone/log").get_data(as_text=True)
    bad = client.post("/agent/phone/log", data={"csrf_token": csrf_token_from(page), "number": "pizza",
                                                "direction": "in", "started_at": "2025-12-01T10:00",
                                                "talk_minutes": "3", "notes": "x", "category": ""})
    assert bad.status_code == 422 and "Podaj numer telefonu" in bad.get_data(as_text=True)
    done = client.post("/agent/phone/log", data={"csrf_token": csrf_token_from(page), "number": "501 234 567",
                                                 "direction": "out", "started_at": "2025-12-01T10:00",
                                                 "talk_minutes": "3", "notes": "Oddzwoniłem z komórki.",
                                                 "category": "loan-terms"})
    assert done.status_code == 302
    call = db.session.scalar(db.select(Call).filter_by(source="manual"))
    assert (call.caller, call.direction, call.talk_seconds, call.offered_at) == (CALLER, "out", 180, MONDAY_10)
    assert db.session.get(Ticket, call.ticket_id).category.slug == "loan-terms"


def test_the_call_log_screen_filters_and_agents_see_their_own(pbx, client, make_staff, app):
    anna = make_staff(teams=["obsluga-klienta"])
    services.set_agent_phone(None, anna.id, extension="101", number="")
    answered(pbx, "g1", MONDAY_10)
    pbx.call("g2", [("newCall", MONDAY_10, {}), ("hangup", MONDAY_10 + timedelta(seconds=40), {"cause": "cancel"})],
             caller="+48600111222")
    login(client, make_staff(role="lead").email)
    page = client.get("/agent/phone/calls?outcome=abandoned").get_data(as_text=True)
    assert "+48 600 111 222" in page and "+48 501 234 567" not in page
    page = client.get("/agent/phone/calls?since=2025-12-01&until=2025-12-01&number=501234567").get_data(as_text=True)
    assert "+48 501 234 567" in page and "+48 600 111 222" not in page
    assert client.get("/agent/phone/calls?since=2025-12-02").get_data(as_text=True).count("+48 ") == 0
    assert client.get("/agent/phone/calls?number=pizza").status_code == 400
    client = app.test_client()
    login(client, anna.email)
    page = client.get("/agent/phone/calls").get_data(as_text=True)
    assert "+48 501 234 567" in page and "+48 600 111 222" not in page


def test_the_calls_api_and_calls_on_a_ticket(pbx, client, make_staff):
    lead = make_staff(role="lead")
    token = issue_api_token(lead, "reports")
    headers = {"Authorization": f"Bearer {token}"}
    pbx.call("api1", [("newCall", MONDAY_10, {}), ("hangup", MONDAY_10 + timedelta(seconds=40), {"cause": "cancel"})])
    answer = client.get("/api/v1/calls?outcome=abandoned&since=2025-12-01T00:00:00%2B01:00", headers=headers)
    calls = answer.get_json()["calls"]
    assert len(calls) == 1 and calls[0]["offered_at"] == "2025-12-01T09:00:00+00:00"
    assert (calls[0]["line"], calls[0]["caller"], calls[0]["wait_seconds"]) == (LINE_660, CALLER, 40)
    ticket_id = call_of("api1").ticket_id
    assert calls[0]["ticket"] == Ticket.number_of(ticket_id)
    full = client.get(f"/api/v1/tickets/{ticket_id}", headers=headers).get_json()
    assert [c["call_id"] for c in full["calls"]] == ["api1"]
    assert client.get(f"/api/v1/tickets/{ticket_id}/calls", headers=headers).get_json()["calls"][0]["outcome"] == \
        "abandoned"
    assert client.get("/api/v1/calls?outcome=maybe", headers=headers).status_code == 400
    assert client.get("/api/v1/calls").status_code == 401


def test_admin_screens_edit_lines_block_numbers_and_set_extensions(client, make_staff, app):
    admin = make_staff(role="admin")
    login(client, admin.email)
    page = client.get("/admin/phone/lines").get_data(as_text=True)
    assert "Infolinia 660 600 700" in page and "Infolinia 22 206 21 21" in page
    line = db.session.scalar(db.select(PhoneLine).filter_by(number=LINE_660))
    form = client.get(f"/admin/phone/lines/{line.id}").get_data(as_text=True)
    token = csrf_token_from(form)
    saved = client.post(f"/admin/phone/lines/{line.id}", data={
        "csrf_token": token, "number": "660-600-700", "name": "Infolinia główna", "team": "wsparcie-techniczne",
        "calendar_name": "contact-centre", "short_abandon_seconds": "15", "out_of_hours_callbacks": "",
        "click_to_dial_url": "", "active": "y"})
    assert saved.status_code == 302
    db.session.expire_all()
    line = db.session.get(PhoneLine, line.id)
    assert (line.name, line.team.slug, line.short_abandon_seconds, line.out_of_hours_callbacks) == (
        "Infolinia główna", "wsparcie-techniczne", 15, False)
    bad = client.post("/admin/phone/lines/new", data={"csrf_token": token, "number": "22 206 21 21", "name": "x",
                                                      "team": "", "calendar_name": "contact-centre",
                                                      "short_abandon_seconds": "10"})
    assert bad.status_code == 422 and "Ten numer jest już linią." in bad.get_data(as_text=True)
    client.post("/admin/phone/blocked", data={"csrf_token": token, "number": "0048 600 100 200", "reason": "spam"})
    assert db.session.scalar(db.select(BlockedNumber.number)) == "+48600100200"
    client.post("/admin/phone/agents", data={"csrf_token": token, "agent": str(admin.id), "extension": "200",
                                             "number": ""})
    assert db.session.get(AgentPhone, admin.id).extension == "200"
    client = app.test_client()
    login(client, make_staff().email)
    assert client.get("/admin/phone/lines").status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0


def test_the_call_is_in_the_tickets_conversation_in_time_order(pbx, client, make_staff):
    agent = make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    services.set_agent_phone(None, agent.id, extension="101", number="")
    call = answered(pbx, "l1", MONDAY_10)
    login(client, agent.email)
    page = client.get(f"/agent/phone/calls/{call.id}").get_data(as_text=True)
    client.post(f"/agent/phone/calls/{call.id}", data={
        "csrf_token": csrf_token_from(page), "ticket": "new", "category": "", "notes": "Notatka z rozmowy."})
    ticket_id = call_of("l1").ticket_id
    html = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    conversation = html.split('class="conversation"')[1].split('class="composer')[0]
    assert f'id="call{call.id}"' in conversation and "odebrane" in conversation
    assert conversation.index(f'id="call{call.id}"') < conversation.index("Notatka z rozmowy.")
