"""SLA timers: policies, clocks driven by the ticket life-cycle signals, warnings, breaches, recalculation.

`init_app(app)` connects the receivers, the minute sweep, the screens and the template
helpers. Priority changes are caught on the ORM attribute, so every path that changes a
ticket's priority (agent, routing, escalation) retargets its resolution clock.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.core import periodic
from helpdesk.core import signals
from helpdesk.models import Ticket
from helpdesk.sla.services import alerts
from helpdesk.sla.services import clocks
from helpdesk.sla.services import recalc
from helpdesk.sla import views
from helpdesk.core import jobs
from helpdesk.web.helpers import add_menu_entry

PRIORITY_CHANGED = "sla_priority_changed"  # session.info key: tickets whose priority changed


def init_app(app) -> None:
    signals.ticket_opened.connect(_on_opened, weak=False)
    signals.ticket_routed.connect(_on_routed, weak=False)
    signals.message_added.connect(_on_message, weak=False)
    signals.status_changed.connect(_on_status, weak=False)
    signals.calendar_changed.connect(_on_calendar_changed, weak=False)
    signals.sla_policy_changed.connect(_on_policy_changed, weak=False)
    signals.calendar_preview.connect(_preview_calendar, weak=False)
    if not event.contains(Session, "before_commit", _before_commit):
        event.listen(Ticket.priority, "set", _priority_set)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
    periodic.register(app, alerts.sweep)
    app.register_blueprint(views.bp)
    add_menu_entry(app, "top", "sla.notifications", _l("Notifications"), position=90,
                   template="agent/_sla_nav.html")
    add_menu_entry(app, "admin", "sla.policies", _l("SLA policies"), position=30)
    app.add_template_filter(views.working_time)
    app.add_template_filter(views.answer_by)
    app.add_template_filter(views.reason_label, "sla_reason")
    app.add_template_global(views.sla_summaries)
    app.add_template_global(clocks.clock_views, "sla_clocks")
    app.add_template_global(clocks.history, "sla_history")
    app.add_template_global(clocks.first_response_due)
    app.add_template_global(views.policy_title, "sla_policy_title")
    app.add_template_global(lambda: alerts.unread_count(current_user), "sla_unread")
    app.jinja_env.globals.update(SLA_CLOCK_LABELS=clocks.CLOCK_LABELS, SLA_STATE_LABELS=views.STATE_LABELS,
                                 SLA_ACTION_LABELS=views.ACTION_LABELS)


def _on_opened(ticket: Ticket, **_) -> None:
    clocks.opened(ticket.id)
    clocks.attach_policy(ticket, None, clocks.now(), "ticket opened: channel default", start=ticket.created_at)


def _on_routed(ticket: Ticket, decision, **_) -> None:
    clocks.attach_policy(ticket, decision.sla_policy, clocks.now(), "routed", start=ticket.created_at)


def _on_message(message, **_) -> None:
    if message.direction == "out" and not message.internal:
        clocks.agent_replied(message.ticket, clocks.now())
    elif message.direction == "in":
        clocks.customer_wrote(message.ticket, clocks.now())


def _on_status(ticket: Ticket, old: str, new: str, **_) -> None:
    clocks.status_changed(ticket, old, new, clocks.now())


def _on_calendar_changed(name: str, **_) -> None:
    jobs.enqueue(recalc.recalculate_calendar, name)


def _on_policy_changed(name: str, **_) -> None:
    jobs.enqueue(recalc.recalculate_policy, name)


def _preview_calendar(name: str, calendar, **_) -> recalc.Preview:
    """How the open tickets' deadlines would move if the calendar changed so (the calendar screen asks)."""
    return recalc.plan(clocks.now(), calendars={name: calendar})


def _priority_set(ticket: Ticket, value, old, initiator) -> None:
    session = Session.object_session(ticket)
    if session is not None and ticket.id is not None and value != old:
        session.info.setdefault(PRIORITY_CHANGED, set()).add(ticket)


def _before_commit(session: Session) -> None:
    changed = session.info.pop(PRIORITY_CHANGED, set())
    for ticket in changed:
        clocks.sync_priority(ticket, clocks.now(), "priority " + ticket.priority)


def _after_commit(session: Session) -> None:
    alarms = session.info.pop(clocks.PENDING_ALARMS, None)
    if alarms:
        alerts.schedule(alarms)


def _after_rollback(session: Session, previous_transaction) -> None:
    session.info.pop(clocks.PENDING_ALARMS, None)
    session.info.pop(PRIORITY_CHANGED, None)
