"""Warnings and breaches: in-app notifications, e-mail only in opening hours, the sweep, escalation, RQ."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from rq.registry import ScheduledJobRegistry

from helpdesk.core import jobs
from helpdesk.core import periodic
from helpdesk.core.extensions import db
from helpdesk.models import Ticket
from helpdesk.models.sla import Notification, SlaEvent
from helpdesk.tickets import services as tickets
from helpdesk.sla.services import policies
from tests.fixtures.mailservers import smtp, smtp_server  # noqa: F401  (pytest fixtures)
from tests.helpdesk.sla.test_clocks import clock, local, now, open_ticket  # noqa: F401

TEAM = "obsluga-klienta"  # the team of payment problems; its calendar is contact-centre


@pytest.fixture
def staffed(make_staff):
    """An agent on duty and a team lead of the customer service team, and a manager who assigns.

    The agent is available: the routing sweep returns an offline agent's unanswered tickets to the queue.
    """
    return (make_staff("agent@kontakt.test", teams=[TEAM], presence="available"), make_staff("lead@kontakt.test", role="lead", teams=[TEAM]),
            make_staff("manager@kontakt.test", role="manager"))


def staff_mail(smtp) -> list:
    """What the SMTP server received for staff (the customer gets an acknowledgement too)."""
    return [mail for mail in smtp.received if mail.recipients != ["klient@example.pl"]]


def assigned_ticket(agent, manager, **fields) -> Ticket:
    ticket = open_ticket()
    return tickets.update_fields(ticket.id, manager, assignee_id=agent.id, **fields)


def sla_events(ticket: Ticket, action: str) -> list[SlaEvent]:
    db.session.expire_all()
    return db.session.scalars(db.select(SlaEvent).filter_by(ticket_id=ticket.id, action=action)).all()


def test_a_warning_at_night_notifies_in_the_app_and_mails_at_the_next_opening(app, now, staffed, smtp):
    agent, lead, manager = staffed
    now(local(2026, 12, 7, 5, 0))  # Monday; first response due Tuesday 05:00, warning at 75% = Monday 23:00
    ticket = assigned_ticket(agent, manager)
    assert clock(ticket, "first_response").warn_at == local(2026, 12, 7, 23, 0)
    now(local(2026, 12, 7, 22, 59))
    periodic.sweep()
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 0
    now(local(2026, 12, 7, 23, 0))  # the contact centre closed at 22:00
    periodic.sweep()
    notes = db.session.scalars(db.select(Notification).order_by(Notification.user_id)).all()
    assert {(n.user_id, n.kind, n.clock) for n in notes} == {(agent.id, "warning", "first_response"),
                                                             (lead.id, "warning", "first_response")}
    assert all(n.email_at == local(2026, 12, 8, 8, 0) for n in notes) and staff_mail(smtp) == []
    now(local(2026, 12, 8, 7, 59))  # the breach (due 05:00) has fired too, still before opening
    periodic.sweep()
    assert staff_mail(smtp) == [] and len(sla_events(ticket, "breach")) == 1
    now(local(2026, 12, 8, 8, 0))
    periodic.sweep()
    periodic.sweep()
    recipients = sorted(r for mail in staff_mail(smtp) for r in mail.recipients)
    assert recipients == ["agent@kontakt.test"] * 2 + ["lead@kontakt.test"] * 2  # a warning and a breach each
    assert all(ticket.number.encode() in mail.data for mail in staff_mail(smtp))
    db.session.expire_all()
    assert {n.emailed_at for n in db.session.scalars(db.select(Notification))} == {local(2026, 12, 8, 8, 0)}
    assert len(sla_events(ticket, "warning")) == 1


def test_the_sweep_fires_a_breach_a_lost_job_missed_once(app, now, staffed):
    agent, lead, manager = staffed
    now(local(2026, 12, 8, 10, 0))
    ticket = assigned_ticket(agent, manager)
    now(local(2026, 12, 9, 10, 30))  # past the first-response deadline; inline, no delayed job ran
    periodic.sweep()
    periodic.sweep()
    breaches = sla_events(ticket, "breach")
    assert [(e.clock, e.at) for e in breaches] == [("first_response", local(2026, 12, 9, 10, 30))]
    assert clock(ticket, "first_response").breached_at == local(2026, 12, 9, 10, 30)
    kinds = db.session.scalars(db.select(Notification.kind).filter_by(user_id=agent.id)).all()
    assert kinds == ["breach"]  # the warning's moment passed unseen: the breach says it all


@pytest.mark.parametrize("pinned", [False, True])
def test_a_breach_escalates_as_the_policy_says(app, now, staffed, pinned):
    agent, lead, manager = staffed
    policy = policies.get_policy("email-first-response", "email")
    fields = {k: getattr(policy, k) for k in ("title", "calendar_name", "first_response_minutes",
                                              "next_response_minutes", "resolution_minutes", "pause_statuses",
                                              "warn_percent")}
    policies.update_policy(manager, "email-first-response", {**fields, "escalation": ["raise_priority",
                                                                                      "return_to_queue"]})
    now(local(2026, 12, 8, 10, 0))
    ticket = assigned_ticket(agent, manager)
    db.session.get(Ticket, ticket.id).pinned = pinned
    db.session.commit()
    now(local(2026, 12, 9, 11, 0))
    periodic.sweep()
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.priority == "high"
    assert ticket.assignee_id == (agent.id if pinned else None)
    assert clock(ticket, "resolution").target_seconds == 24 * 3600  # high priority's resolution target
    notified = set(db.session.scalars(db.select(Notification.user_id)))
    assert notified == {agent.id}  # notify_lead is not among this policy's actions


def test_the_sweep_schedules_a_precise_job_shortly_before_an_alarm_and_the_worker_fires_it(
        app, now, redis_url, monkeypatch, staffed):
    agent, lead, manager = staffed
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", f"test-sla-{uuid.uuid4().hex[:8]}")
    app.extensions.pop("kontakt_redis", None)
    try:
        now(local(2026, 11, 16, 9, 0))  # in the past, so RQ's scheduler finds the jobs due
        ticket = assigned_ticket(agent, manager)
        first = clock(ticket, "first_response")
        registry = ScheduledJobRegistry(queue=jobs.queue())
        warning_job = f"sla-{ticket.id}-{int(first.warn_at.timestamp())}"
        breach_job = f"sla-{ticket.id}-{int(first.due_at.timestamp())}"
        assert registry.get_job_ids() == []  # hours away: nothing is scheduled at opening

        now(first.warn_at - timedelta(seconds=90))  # a sweep a minute and a half before the warning
        periodic.sweep()
        assert warning_job in registry.get_job_ids() and breach_job not in registry.get_job_ids()
        assert sla_events(ticket, "warning") == []

        now(first.due_at - timedelta(seconds=30))
        periodic.sweep()
        assert breach_job in registry.get_job_ids()
        assert sla_events(ticket, "breach") == []
        now(first.due_at + timedelta(seconds=5))  # the worker runs the jobs before any further sweep
        jobs.run_worker(burst=True, with_scheduler=True)
        assert [e.clock for e in sla_events(ticket, "breach")] == ["first_response"]
        assert sorted(db.session.scalars(db.select(Notification.kind).filter_by(user_id=agent.id))) == [
            "breach", "warning"]
    finally:
        jobs.queue().delete(delete_jobs=True)
        app.extensions.pop("kontakt_redis", None)
