"""Warnings and breaches: fired once each by a delayed job or the minute sweep, whichever comes first.

A warning or breach notifies the assignee (and the team's leads when the policy says
notify_lead) in the app at once, and by e-mail only while the team is open: an e-mail
due when the team is closed waits for the next opening and the sweep sends it then.
"""
from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from channels.email.outbound import SendFailed
from schedules import CalendarError
from helpdesk.core import jobs
from helpdesk.core import mailer
from helpdesk.core import periodic
from helpdesk.calendars.services import get_calendar
from helpdesk.core.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.models.core import PRIORITIES, agent_teams
from helpdesk.models.sla import Notification, SlaClock
from helpdesk.tickets.services import record_event
from helpdesk.sla.services import clocks

log = logging.getLogger(__name__)
# How far ahead the minute sweep schedules precise checks: two sweeps' worth, so a late sweep misses none.
LOOKAHEAD = 2 * periodic.INTERVAL
WARSAW = ZoneInfo("Europe/Warsaw")


def check_ticket(ticket_id: int) -> None:
    """The job: fire whatever warning or breach of this ticket has come due (idempotent)."""
    at = clocks.now()
    rows = db.session.scalars(db.select(SlaClock).filter_by(ticket_id=ticket_id).with_for_update()
                              .order_by(SlaClock.id)).all()
    ticket = db.session.get(Ticket, ticket_id)
    fired = False
    for row in rows:
        if row.running_since is None:
            continue
        if row.due_at is not None and row.due_at <= at and row.breached_at is None:
            _fire(ticket, row, "breach", at)
            fired = True
        elif row.warn_at is not None and row.warn_at <= at and row.warned_at is None and row.breached_at is None:
            _fire(ticket, row, "warning", at)
            fired = True
    db.session.commit()
    if fired:
        send_due_emails()


def _fire(ticket: Ticket, row: SlaClock, kind: str, at: datetime) -> None:
    policy = clocks.policy_of(ticket, {row.name: row})
    if kind == "breach":
        row.breached_at = at
        row.warned_at = row.warned_at or at
    else:
        row.warned_at = at
    clocks.record(row, kind, at, "due at " + row.due_at.isoformat() if kind == "breach" else
                  f"{policy.warn_percent}% of the target")
    recipients = _recipients(ticket, policy)
    if kind == "breach":
        _escalate(ticket, policy)
    team_calendar = get_calendar(ticket.team.calendar_name if ticket.team else "contact-centre")
    try:
        email_at = team_calendar.next_open(at)
    except CalendarError:  # a team that never opens again gets its alerts in the app only
        email_at = None
    for user in recipients:
        db.session.add(Notification(user_id=user.id, ticket_id=ticket.id, kind=kind, clock=row.name,
                                    due_at=row.due_at, created_at=at, email_at=email_at))


def _recipients(ticket: Ticket, policy) -> list[User]:
    users = {}
    if ticket.assignee is not None and ticket.assignee.active:
        users[ticket.assignee.id] = ticket.assignee
    if "notify_lead" in policy.escalation and ticket.team_id is not None:
        leads = db.session.scalars(db.select(User).join(agent_teams, agent_teams.c.user_id == User.id)
                                   .where(agent_teams.c.team_id == ticket.team_id, User.role == "lead",
                                          User.active.is_(True)))
        users.update({u.id: u for u in leads})
    return list(users.values())


def _escalate(ticket: Ticket, policy) -> None:
    """The policy's escalation on a breach (a raised priority retargets the resolution clock on commit)."""
    if "raise_priority" in policy.escalation and ticket.priority != PRIORITIES[-1]:
        old = ticket.priority
        ticket.priority = PRIORITIES[PRIORITIES.index(old) + 1]
        record_event(ticket, "priority", None, old=old, new=ticket.priority, reason="sla-breach")
    if "return_to_queue" in policy.escalation and ticket.assignee_id is not None and not ticket.pinned:
        record_event(ticket, "assignee", None, old=ticket.assignee_id, new=None, reason="sla-breach")
        ticket.assignee_id = None


def send_due_emails() -> int:
    """Send the notification e-mails whose team is open now; the count sent."""
    at = clocks.now()
    pending = db.session.scalars(db.select(Notification).where(Notification.emailed_at.is_(None),
                                                               Notification.email_at <= at)
                                 .order_by(Notification.id).limit(500)).all()
    sent = 0
    if not pending:
        return sent
    try:
        with mailer.connection() as smtp:  # one SMTP session for the lot
            for note in pending:
                smtp.send(_email(note))
                note.emailed_at = at
                db.session.commit()  # each as it goes: a failure later does not send it again
                sent += 1
    except SendFailed as exc:
        log.warning("SLA notifications: %s e-mailed, the rest wait for the next sweep: %s", sent, exc)
    return sent


def _email(note: Notification) -> EmailMessage:
    with force_locale(note.user.ui_language):
        what = _("SLA breached") if note.kind == "breach" else _("SLA warning")
        clock = str(clocks.CLOCK_LABELS[note.clock])
        message = EmailMessage()
        message["From"] = current_app.config["MAIL_FROM"]
        message["To"] = note.user.email
        message["Subject"] = f"[{note.ticket.number}] {what}: {clock}"
        link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("tickets.ticket", ticket_id=note.ticket_id,
                                                                       _external=False)
        due = note.due_at.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M") if note.due_at else "—"
        message.set_content(f"{what}: {clock}\n{note.ticket.number} {note.ticket.subject}\n"
                            f"{_('Due')}: {due}\n{link}\n")
    return message


def sweep() -> None:
    """The minute sweep: fire what a lost job missed, then send e-mails whose team has opened."""
    at = clocks.now()
    due = db.session.scalars(db.select(SlaClock.ticket_id).distinct().where(
        SlaClock.running_since.is_not(None),
        ((SlaClock.due_at <= at) & SlaClock.breached_at.is_(None))
        | ((SlaClock.warn_at <= at) & SlaClock.warned_at.is_(None) & SlaClock.breached_at.is_(None)))).all()
    db.session.rollback()
    for ticket_id in due:
        check_ticket(ticket_id)
    send_due_emails()
    schedule_upcoming(at)
    db.session.rollback()


def schedule(alarms: set[tuple[int, datetime]]) -> None:
    """Enqueue a check of the ticket at each warning or due instant that comes before the next sweep
    could look ahead to it; `sweep` schedules the later ones a minute or two in advance.

    A delayed job for every instant of every clock would cost each new ticket several
    Redis round trips for alarms that mostly get moved or made moot before they come."""
    horizon = clocks.now() + LOOKAHEAD
    for ticket_id, instant in alarms:
        if instant <= horizon:
            jobs.enqueue(check_ticket, ticket_id, at=instant, job_id=f"sla-{ticket_id}-{int(instant.timestamp())}")


def schedule_upcoming(at: datetime) -> int:
    """Enqueue the checks of the warnings and deadlines due within LOOKAHEAD of ``at``; how many."""
    soon = at + LOOKAHEAD
    rows = db.session.execute(db.select(SlaClock.ticket_id, SlaClock.warn_at, SlaClock.warned_at, SlaClock.due_at)
                              .where(SlaClock.running_since.is_not(None), SlaClock.breached_at.is_(None),
                                     ((SlaClock.due_at > at) & (SlaClock.due_at <= soon))
                                     | ((SlaClock.warn_at > at) & (SlaClock.warn_at <= soon)
                                        & SlaClock.warned_at.is_(None)))).all()
    alarms = {(r.ticket_id, instant) for r in rows
              for instant in (r.warn_at if r.warned_at is None else None, r.due_at)
              if instant is not None and at < instant <= soon}
    schedule(alarms)
    return len(alarms)


def unread_count(user: User) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None)))

