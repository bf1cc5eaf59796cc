"""SLA clocks driven by the ticket life-cycle: opening, routing, replies, pauses, solve and reopen."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import schedules
from channels import InboundContact
from helpdesk.intake import services as intake
from helpdesk.core import signals
from helpdesk.calendars import services as calendar_service
from helpdesk.core.extensions import db
from helpdesk.models import Ticket
from helpdesk.models.sla import SlaClock, SlaEvent
from helpdesk.tickets import services as tickets
from helpdesk.sla.services import clocks
from helpdesk.sla.services import recalc
from routing import RuleSet, TicketFacts, decide
from routing.defaults import default_rules
from schedules.clock import ClockEvent, replay

WARSAW = ZoneInfo("Europe/Warsaw")
WORKING_DAYS = schedules.builtin("working-days")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=WARSAW)


@pytest.fixture
def now(monkeypatch):
    """Sets the instant the SLA code sees as now (the clocks' arithmetic is what is under test)."""
    def set_now(instant: datetime) -> datetime:
        monkeypatch.setattr(clocks, "now", lambda: instant)
        # the contact form stamps what it receives; clocks count from that instant
        monkeypatch.setattr("helpdesk.intake.views.utcnow", lambda: instant)
        return instant

    return set_now


def open_ticket(text: str = "Proszę o harmonogram spłaty.", category: str | None = "payment-problems",
                channel: str = "email") -> Ticket:
    raw, _ = intake.store_raw(channel=channel, source="test", payload=text.encode(), media_type="text/plain")
    return intake.receive(raw.id, InboundContact(channel=channel, received_at=clocks.now(),
                                                 from_email="klient@example.pl", from_name="Klient",
                                                 subject="Spłata", text=text, form_category=category))


def customer_writes(ticket: Ticket, text: str = "Czy jest już odpowiedź?", automated: bool = False) -> None:
    raw, _ = intake.store_raw(channel="email", source="test", payload=text.encode(), media_type="text/plain")
    intake.receive(raw.id, InboundContact(channel="email", received_at=clocks.now(), from_email="klient@example.pl",
                                          subject="Re: Spłata", text=text, is_automated=automated),
                   thread_to=ticket)


def clock(ticket: Ticket, name: str) -> SlaClock:
    db.session.expire_all()
    return db.session.scalar(db.select(SlaClock).filter_by(ticket_id=ticket.id, name=name))


def state(ticket: Ticket, name: str) -> str:
    return clocks.to_clock(clock(ticket, name)).state()


def test_an_opened_ticket_has_running_clocks_with_the_channel_default(app, now):
    now(local(2026, 12, 8, 10, 0))  # Tuesday
    ticket = open_ticket()
    first, resolution = clock(ticket, "first_response"), clock(ticket, "resolution")
    assert first.policy_name == "email-first-response" and first.calendar_name == "working-days"
    assert first.due_at == local(2026, 12, 9, 10, 0)  # 24 working hours on working-days
    assert resolution.target_seconds == 72 * 3600  # a normal ticket
    assert db.session.get(Ticket, ticket.id).next_due_at == first.due_at
    assert clock(ticket, "next_response") is None


def test_an_internal_note_does_not_stop_the_first_response_but_a_public_reply_does(app, now, make_staff):
    agent = make_staff()
    now(local(2026, 12, 8, 10, 0))
    ticket = open_ticket()
    now(local(2026, 12, 8, 11, 0))
    tickets.reply(ticket.id, agent, "Sprawdzam w systemie.", internal=True)
    assert state(ticket, "first_response") == "running"
    now(local(2026, 12, 8, 12, 0))
    tickets.reply(ticket.id, agent, "Harmonogram w załączeniu.")
    first = clock(ticket, "first_response")
    assert state(ticket, "first_response") == "met" and first.accumulated_seconds == 2 * 3600
    assert db.session.get(Ticket, ticket.id).next_due_at == clock(ticket, "resolution").due_at


def test_each_customer_message_after_an_answer_starts_the_next_response(app, now, make_staff):
    agent = make_staff()
    now(local(2026, 12, 8, 10, 0))
    ticket = open_ticket()
    tickets.reply(ticket.id, agent, "Odpowiedź.")
    now(local(2026, 12, 8, 15, 0))
    customer_writes(ticket)
    now(local(2026, 12, 8, 16, 0))
    customer_writes(ticket, "Halo?")  # still unanswered: keeps counting from the first message
    nxt = clock(ticket, "next_response")
    assert nxt.running_since == local(2026, 12, 8, 15, 0) and nxt.due_at == local(2026, 12, 9, 15, 0)
    now(local(2026, 12, 9, 9, 0))
    tickets.reply(ticket.id, agent, "Już odpowiadam.")
    assert state(ticket, "next_response") == "met"
    now(local(2026, 12, 9, 10, 0))
    customer_writes(ticket, "Dziękuję, jeszcze jedno pytanie.")
    nxt = clock(ticket, "next_response")
    assert nxt.running_since == local(2026, 12, 9, 10, 0) and nxt.accumulated_seconds == 0


def test_waiting_pauses_and_a_customer_reply_reopens_and_resumes(app, now, make_staff):
    agent = make_staff()
    now(local(2026, 12, 4, 20, 0))  # Friday evening
    ticket = open_ticket()
    tickets.reply(ticket.id, agent, "Proszę o numer umowy.")
    now(local(2026, 12, 4, 22, 0))
    tickets.change_status(ticket.id, agent, "waiting")
    assert state(ticket, "resolution") == "paused" and db.session.get(Ticket, ticket.id).next_due_at is None
    now(local(2026, 12, 7, 9, 0))  # Monday: the weekend does not count, and the pause kept 2 h
    customer_writes(ticket, "Numer umowy: 123/2026.")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "open"
    resolution = clock(ticket, "resolution")
    assert resolution.accumulated_seconds == 2 * 3600 and resolution.running_since == local(2026, 12, 7, 9, 0)
    assert resolution.due_at == local(2026, 12, 7, 9, 0) + timedelta(hours=70)
    assert state(ticket, "next_response") == "running"
    actions = [(e.clock, e.action) for e in clocks.history(ticket.id)]
    assert ("resolution", "pause") in actions and ("resolution", "resume") in actions


def test_solve_stops_resolution_and_reopen_resumes_it(app, now, make_staff):
    agent = make_staff()
    now(local(2026, 12, 8, 10, 0))
    ticket = open_ticket()
    tickets.reply(ticket.id, agent, "Załatwione.")
    now(local(2026, 12, 8, 13, 0))
    tickets.change_status(ticket.id, agent, "solved")
    assert state(ticket, "resolution") == "met" and clock(ticket, "resolution").accumulated_seconds == 3 * 3600
    now(local(2026, 12, 10, 10, 0))
    tickets.change_status(ticket.id, agent, "open")
    resolution = clock(ticket, "resolution")
    assert state(ticket, "resolution") == "running" and resolution.accumulated_seconds == 3 * 3600
    # 38 h to the end of Friday, the weekend does not count, 31 h from Monday 00:00.
    assert resolution.due_at == local(2026, 12, 15, 7, 0)
    assert state(ticket, "first_response") == "met"


def test_routing_switches_the_policy_mid_ticket_keeping_elapsed_time(app, now):
    now(local(2026, 12, 8, 6, 0))  # working-days counts, the contact centre opens at 8
    ticket = open_ticket(category=None)
    decision = decide(TicketFacts(id=ticket.id, channel="phone", created_at=ticket.created_at),
                      RuleSet.from_dict(default_rules()), [], now(local(2026, 12, 8, 7, 0)))
    assert decision.sla_policy == "phone-callback"
    signals.ticket_routed.send(db.session.get(Ticket, ticket.id), decision=decision)
    db.session.commit()
    first = clock(ticket, "first_response")
    assert first.policy_name == "phone-callback" and first.calendar_name == "contact-centre"
    assert first.accumulated_seconds == 3600  # the hour counted on working-days is kept
    assert first.due_at == local(2026, 12, 8, 9, 0)  # one more hour of contact-centre time from 8:00
    retarget = [e for e in clocks.history(ticket.id) if e.action == "retarget" and e.clock == "first_response"]
    assert retarget and retarget[0].data["old"]["policy"] == "email-first-response"


def test_a_priority_change_retargets_the_resolution_clock(app, now, make_staff):
    manager = make_staff(role="manager")
    now(local(2026, 12, 8, 10, 0))
    ticket = open_ticket()
    now(local(2026, 12, 8, 11, 0))
    tickets.update_fields(ticket.id, manager, priority="urgent")
    resolution = clock(ticket, "resolution")
    assert resolution.target_seconds == 8 * 3600 and resolution.due_at == local(2026, 12, 8, 18, 0)


@pytest.mark.both_databases
def test_a_calendar_change_mid_ticket_moves_the_deadline_and_is_in_the_history(app, now):
    now(local(2026, 12, 8, 10, 0))
    ticket = open_ticket()
    assert clock(ticket, "first_response").due_at == local(2026, 12, 9, 10, 0)
    closed = schedules.Calendar.from_dict({**WORKING_DAYS.to_dict(), "exceptions": [
        {"name": "Inwentaryzacja", "start": "2026-12-09", "hours": []}]})
    at = now(local(2026, 12, 8, 12, 0))
    preview = recalc.plan(at, calendars={"working-days": closed})
    # First response: a day later; resolution (Friday 10:00) moves over the weekend to Monday.
    assert (preview.tickets, preview.clocks) == (1, 2)
    assert (preview.earliest_shift, preview.latest_shift) == (timedelta(hours=24), timedelta(hours=72))
    assert recalc.apply(preview, at, "calendar working-days changed") == 1
    assert clock(ticket, "first_response").due_at == local(2026, 12, 10, 10, 0)
    assert db.session.get(Ticket, ticket.id).next_due_at == local(2026, 12, 10, 10, 0)
    events = [e for e in clocks.history(ticket.id) if e.action == "recalculate"]
    assert {e.clock for e in events} == {"first_response", "resolution"}
    assert events[0].data["old_due"] is not None


def test_a_calendar_changed_signal_recomputes_open_tickets_in_the_background(app, now):
    now(local(2026, 12, 8, 10, 0))
    ticket = open_ticket()
    # A closure saved through the calendars area announces calendar_changed; the job runs inline.
    calendar_service.add_exception("working-days", title="Inwentaryzacja", start=date(2026, 12, 9), actor=None)
    assert clock(ticket, "first_response").due_at == local(2026, 12, 10, 10, 0)
    assert any(e.reason == "calendar working-days changed" for e in clocks.history(ticket.id))


def test_a_customer_reply_reopens_a_solved_ticket_and_an_automated_one_starts_nothing(app, now, make_staff):
    agent = make_staff()
    now(local(2026, 12, 8, 10, 0))
    ticket = open_ticket()
    tickets.reply(ticket.id, agent, "Proszę o dokument.")
    tickets.change_status(ticket.id, agent, "waiting")
    now(local(2026, 12, 8, 11, 0))
    customer_writes(ticket, "Jestem na urlopie do poniedziałku.", automated=True)
    assert clock(ticket, "next_response") is None and state(ticket, "resolution") == "paused"
    tickets.change_status(ticket.id, agent, "solved")
    now(local(2026, 12, 8, 12, 0))
    customer_writes(ticket, "Jednak mam jeszcze pytanie.")
    assert db.session.get(Ticket, ticket.id).status == "open"
    assert state(ticket, "resolution") == "running" and state(ticket, "next_response") == "running"
    assert clock(ticket, "next_response").running_since == local(2026, 12, 8, 12, 0)


def test_the_stored_history_replays_to_the_stored_clocks(app, now, make_staff):
    agent = make_staff()
    now(local(2026, 12, 4, 20, 0))
    ticket = open_ticket()
    now(local(2026, 12, 4, 21, 0))
    tickets.reply(ticket.id, agent, "Proszę o dokumenty.")
    tickets.change_status(ticket.id, agent, "waiting")
    now(local(2026, 12, 8, 9, 30))
    customer_writes(ticket, "Dokumenty w załączniku.")
    now(local(2026, 12, 8, 11, 0))
    tickets.change_status(ticket.id, agent, "solved")
    events = [ClockEvent(e.at, e.clock, e.action, timedelta(seconds=e.target_seconds), e.calendar_name)
              for e in db.session.scalars(db.select(SlaEvent).filter_by(ticket_id=ticket.id).order_by(SlaEvent.id))]
    replayed = replay(events, clocks.get_calendar)
    for name, rebuilt in replayed.items():
        stored = clocks.to_clock(clock(ticket, name))
        assert (rebuilt.accumulated, rebuilt.running, rebuilt.state()) == (stored.accumulated, stored.running,
                                                                          stored.state())
    # 1 h on Friday evening, paused until Tuesday 9:30, then 1.5 h until solved.
    assert replayed["resolution"].accumulated == timedelta(hours=2, minutes=30)


def test_a_recalculation_leaves_alone_a_clock_paused_since_it_was_planned(app, now, make_staff):
    agent = make_staff()
    now(local(2026, 12, 8, 10, 0))
    ticket = open_ticket()
    closed = schedules.Calendar.from_dict({**WORKING_DAYS.to_dict(), "exceptions": [
        {"name": "Inwentaryzacja", "start": "2026-12-09", "hours": []}]})
    at = now(local(2026, 12, 8, 11, 0))
    preview = recalc.plan(at, calendars={"working-days": closed})
    tickets.change_status(ticket.id, agent, "waiting")  # between the preview and the apply
    recalc.apply(preview, at, "calendar working-days changed")
    resolution = clock(ticket, "resolution")
    assert resolution.running_since is None and resolution.due_at is None
    assert not [e for e in clocks.history(ticket.id) if e.action == "recalculate"]
