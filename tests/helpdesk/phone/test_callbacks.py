"""Callbacks: the phone-callback SLA in contact-centre time (out of hours, a trading Sunday), attempts,
the callbacks view, the dial link."""
from __future__ import annotations

from datetime import timedelta

import pytest

from helpdesk.core.extensions import db
from helpdesk.models import Message, Ticket
from helpdesk.models.phone import Call, Callback, PhoneLine
from helpdesk.models.sla import SlaClock
from helpdesk.phone import jobs as phone_jobs
from helpdesk.phone import services
from tests.conftest import csrf_token_from, login
from tests.helpdesk.phone.conftest import CALLER, local


def missed(pbx, call_id: str, at, *, wait: int = 60, caller: str = CALLER, cause: str = "cancel"):
    pbx.call(call_id, [("newCall", at, {}), ("hangup", at + timedelta(seconds=wait), {"cause": cause})],
             caller=caller)
    db.session.expire_all()
    return db.session.scalar(db.select(Call).filter_by(call_id=call_id))


def first_response(ticket_id: int) -> SlaClock:
    return db.session.scalar(db.select(SlaClock).filter_by(ticket_id=ticket_id, name="first_response"))


@pytest.mark.parametrize("called_at, due", [
    # Monday 10:00, open: two hours later
    (local(2025, 12, 1, 10, 0), local(2025, 12, 1, 12, 0)),
    # Monday 21:30: half an hour tonight, an hour and a half from Tuesday 08:00
    (local(2025, 12, 1, 21, 30), local(2025, 12, 2, 9, 30)),
    # Monday 23:30, out of hours: the clock starts at Tuesday's 08:00 opening
    (local(2025, 12, 1, 23, 30), local(2025, 12, 2, 10, 0)),
    # Saturday 20:30 before a trading Sunday (14 December 2025): Sunday 10:00 + 2 h
    (local(2025, 12, 13, 20, 30), local(2025, 12, 14, 12, 0)),
    # Saturday 20:30 before an ordinary Sunday: Monday 08:00 + 2 h
    (local(2025, 11, 29, 20, 30), local(2025, 12, 1, 10, 0)),
    # Christmas Eve 2025 is a public holiday, and so are the next two days: Saturday 27th 08:00 + 2 h
    (local(2025, 12, 23, 22, 15), local(2025, 12, 27, 10, 0)),
])
def test_the_callback_is_due_in_two_hours_of_contact_centre_time(pbx, called_at, due):
    call = missed(pbx, f"c-{called_at:%m%d%H%M}", called_at)
    ticket = db.session.get(Ticket, call.ticket_id)
    clock = first_response(ticket.id)
    assert clock.policy_name == "phone-callback" and clock.calendar_name == "contact-centre"
    assert clock.target_seconds == 2 * 3600 and clock.due_at == due and ticket.next_due_at == due
    assert call.out_of_hours == (called_at.hour >= 22 or called_at.hour < 8 or (
        called_at.weekday() == 5 and called_at.hour >= 20))


def test_out_of_hours_calls_on_a_line_that_does_not_call_back(pbx):
    line = db.session.scalar(db.select(PhoneLine).filter_by(number="+48660600700"))
    line.out_of_hours_callbacks = False
    db.session.commit()
    call = missed(pbx, "n1", local(2025, 12, 1, 23, 30))
    assert call.outcome == "out_of_hours" and call.ticket_id is None
    phone_jobs.sweep()
    assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 0


def test_an_unreached_attempt_leaves_the_clock_running_a_reached_one_stops_it(pbx, client, make_staff):
    agent = make_staff("anna@kontakt.test", teams=["obsluga-klienta"])
    call = missed(pbx, "a1", local(2025, 12, 1, 10, 0))
    ticket_id = call.ticket_id
    login(client, agent.email)
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert 'href="tel:+48501234567"' in page and "Oddzwonienie" in page
    token = csrf_token_from(page)
    client.post(f"/agent/tickets/{ticket_id}/callback-attempt",
                data={"csrf_token": token, "attempt-outcome": "no_answer", "attempt-note": "poczta"})
    db.session.expire_all()
    clock = first_response(ticket_id)
    assert not clock.stopped and clock.running_since is not None
    note = db.session.scalars(db.select(Message).filter_by(ticket_id=ticket_id, internal=True)).one()
    assert "Próba oddzwonienia: bez odpowiedzi" in note.text and "poczta" in note.text
    client.post(f"/agent/tickets/{ticket_id}/callback-attempt",
                data={"csrf_token": token, "attempt-outcome": "reached", "attempt-note": "Umówiono spłatę"})
    db.session.expire_all()
    assert first_response(ticket_id).stopped
    callback = db.session.scalar(db.select(Callback).filter_by(ticket_id=ticket_id))
    assert callback.status == "reached" and [a.outcome for a in callback.attempts] == ["no_answer", "reached"]
    page = client.get(f"/agent/tickets/{ticket_id}").get_data(as_text=True)
    assert "klient osiągnięty" in page and "Zapisz próbę" not in page


def test_the_callbacks_view_lists_open_callbacks_the_earliest_due_first(pbx, client, make_staff):
    late = missed(pbx, "v1", local(2025, 12, 1, 23, 0), caller="+48600000001")  # due Tuesday 10:00
    early = missed(pbx, "v2", local(2025, 12, 1, 11, 0), caller="+48600000002")  # due Monday 13:00
    login(client, make_staff(teams=["obsluga-klienta"]).email)
    page = client.get("/agent/phone/callbacks").get_data(as_text=True)
    first, second = Ticket.number_of(early.ticket_id), Ticket.number_of(late.ticket_id)
    assert first in page and second in page and page.index(first) < page.index(second)
    services.record_attempt(early.ticket_id, db.session.scalars(db.select(services.User)).first(), "reached")
    assert first not in client.get("/agent/phone/callbacks").get_data(as_text=True)


def test_a_click_to_dial_url_when_the_line_has_one(pbx, client, make_staff):
    line = db.session.scalar(db.select(PhoneLine).filter_by(number="+48660600700"))
    line.click_to_dial_url = "https://pbx.example.pl/dial?to={number}&from={extension}"
    db.session.commit()
    agent = make_staff(teams=["obsluga-klienta"])
    services.set_agent_phone(None, agent.id, extension="101", number="")
    call = missed(pbx, "d1", local(2025, 12, 1, 10, 0))
    login(client, agent.email)
    page = client.get(f"/agent/tickets/{call.ticket_id}").get_data(as_text=True)
    assert 'href="https://pbx.example.pl/dial?to=%2B48501234567&amp;from=101"' in page
