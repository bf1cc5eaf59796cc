"""A ticket's SLA clocks in the database: start, pause, resume, stop, retarget, with the history.

Every change goes through `_change`: the plain `schedules.clock.Clock` does the arithmetic,
the row keeps the result with its due and warning instants, an SlaEvent records it, and
Ticket.next_due_at follows the nearest running deadline. All of it inside the caller's
transaction; warning and breach jobs are enqueued after the commit.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from schedules.clock import Clock
from helpdesk.core.extensions import db, per_transaction
from helpdesk.models import Ticket
from helpdesk.models.sla import SlaClock, SlaEvent, SlaPolicy
from helpdesk.models.types import utcnow
from helpdesk.calendars.services import get_calendar
from helpdesk.sla.services.policies import get_policy, target_minutes

DONE_STATUSES = ("solved", "closed")
CLOCK_LABELS = {"first_response": _l("First response"), "next_response": _l("Next response"),
                "resolution": _l("Resolution")}
PENDING_ALARMS = "sla_alarms"  # session.info key: (ticket id, instant) to enqueue after commit


def now() -> datetime:
    return utcnow()


# --- rows <-> plain clocks -------------------------------------------------------

def to_clock(row: SlaClock) -> Clock:
    return Clock(row.name, timedelta(seconds=row.target_seconds), row.calendar_name,
                 accumulated=timedelta(seconds=row.accumulated_seconds), running_since=row.running_since,
                 started=True, stopped=row.stopped, warned_at=row.warned_at, breached_at=row.breached_at)


def _store(row: SlaClock, clock: Clock, warn_percent: int) -> None:
    cal = get_calendar(clock.calendar)
    row.target_seconds = int(clock.target.total_seconds())
    row.calendar_name = clock.calendar
    row.accumulated_seconds = clock.accumulated.total_seconds()
    row.running_since = clock.running_since
    row.stopped = clock.stopped
    row.warned_at, row.breached_at = clock.warned_at, clock.breached_at
    row.due_at = clock.due(cal)
    row.warn_at = clock.warning_due(cal, warn_percent / 100)


def record(row: SlaClock, action: str, at: datetime, reason: str, **data) -> SlaEvent:
    clock = to_clock(row)
    event = SlaEvent(ticket_id=row.ticket_id, clock=row.name, action=action, reason=reason, at=at,
                     policy_name=row.policy_name, calendar_name=row.calendar_name,
                     target_seconds=row.target_seconds,
                     elapsed_seconds=clock.elapsed(at, get_calendar(row.calendar_name)).total_seconds(),
                     due_at=row.due_at, data=data)
    db.session.add(event)
    return event


def clocks_of(ticket_id: int) -> dict[str, SlaClock]:
    """The ticket's clocks by name, read once per transaction (new ones join through `_new_row`)."""
    known = per_transaction("sla_clocks")
    if ticket_id not in known:
        known[ticket_id] = {row.name: row for row in
                            db.session.scalars(db.select(SlaClock).filter_by(ticket_id=ticket_id))}
    return known[ticket_id]


def preload(ticket_ids: list[int]) -> None:
    """Read the clocks of many tickets in one query, for a job working on a batch of them."""
    known = per_transaction("sla_clocks")
    missing = [ticket_id for ticket_id in ticket_ids if ticket_id not in known]
    for ticket_id in missing:
        known[ticket_id] = {}
    if missing:
        for row in db.session.scalars(db.select(SlaClock).where(SlaClock.ticket_id.in_(missing))):
            known[row.ticket_id][row.name] = row


def opened(ticket_id: int) -> None:
    """Note that a ticket opened in this transaction has no clocks yet (saves asking)."""
    per_transaction("sla_clocks").setdefault(ticket_id, {})


def policy_of(ticket: Ticket, rows: dict[str, SlaClock]) -> SlaPolicy:
    name = next(iter(rows.values())).policy_name if rows else None
    return get_policy(name, ticket.channel)


def _change(ticket: Ticket, row: SlaClock, action: str, at: datetime, reason: str, policy: SlaPolicy,
            **data) -> None:
    clock = to_clock(row)
    cal = get_calendar(clock.calendar)
    if action == "start":
        clock.start(at)
    elif action == "pause":
        clock.pause(at, cal)
    elif action == "resume":
        clock.resume(at)
    elif action == "stop":
        clock.stop(at, cal)
    elif action == "retarget":
        clock.retarget(at, cal, timedelta(minutes=data["target_minutes"]), data["calendar"])
        row.policy_name = policy.name
    _store(row, clock, policy.warn_percent)
    record(row, action, at, reason, **data)
    if action in ("pause", "stop") and clock.breached_at is None and clock.accumulated > clock.target:
        # Overdue before any job noticed: the breach is on record, even if nobody is alerted now.
        row.breached_at = at
        record(row, "breach", at, "found overdue at " + action)
    _schedule(row)


def _schedule(row: SlaClock) -> None:
    alarms = db.session.info.setdefault(PENDING_ALARMS, set())
    for instant in (row.warn_at if row.warned_at is None else None, row.due_at if row.breached_at is None else None):
        if instant is not None:
            alarms.add((row.ticket_id, instant))


def refresh_next_due(ticket: Ticket, rows: dict[str, SlaClock] | None = None) -> None:
    """Ticket.next_due_at: the nearest deadline among its running clocks (``rows``: all of them,
    when the caller has them; otherwise they are read from the database)."""
    if rows is not None:
        ticket.next_due_at = min((r.due_at for r in rows.values() if r.running_since is not None and r.due_at),
                                 default=None)
        return
    db.session.flush()
    ticket.next_due_at = db.session.scalar(
        db.select(db.func.min(SlaClock.due_at)).where(SlaClock.ticket_id == ticket.id,
                                                      SlaClock.running_since.is_not(None)))


def _new_row(ticket: Ticket, name: str, policy: SlaPolicy) -> SlaClock | None:
    minutes = target_minutes(policy, name, ticket.priority)
    if minutes is None:
        return None
    row = SlaClock(ticket_id=ticket.id, name=name, policy_name=policy.name, calendar_name=policy.calendar_name,
                   target_seconds=minutes * 60, accumulated_seconds=0.0, stopped=False)
    db.session.add(row)
    clocks_of(ticket.id)[name] = row
    return row


# --- life-cycle events ---------------------------------------------------------------

def attach_policy(ticket: Ticket, policy_name: str | None, at: datetime, reason: str, *, start: datetime) -> None:
    """Give the ticket its policy: start its clocks at ``start``, or retarget them at ``at`` if running."""
    policy = get_policy(policy_name, ticket.channel)
    rows = clocks_of(ticket.id)
    if not rows:
        for name in ("first_response", "resolution"):
            row = _new_row(ticket, name, policy)
            if row is not None:
                _change(ticket, row, "start", start, reason, policy)
        if ticket.status in policy.pause_statuses:
            pause_running(ticket, at, "status " + ticket.status)
    elif any(row.policy_name != policy.name for row in rows.values()):
        retarget(ticket, policy, at, reason)
    refresh_next_due(ticket, rows)


def retarget(ticket: Ticket, policy: SlaPolicy, at: datetime, reason: str) -> bool:
    """Move every clock to the policy's current targets and calendar; True if any changed."""
    changed = False
    for row in clocks_of(ticket.id).values():
        minutes = target_minutes(policy, row.name, ticket.priority)
        if minutes is None:
            continue
        if (row.policy_name, row.calendar_name, row.target_seconds) != (policy.name, policy.calendar_name,
                                                                         minutes * 60):
            old = {"policy": row.policy_name, "calendar": row.calendar_name, "target_seconds": row.target_seconds}
            _change(ticket, row, "retarget", at, reason, policy, target_minutes=minutes,
                    calendar=policy.calendar_name, old=old)
            changed = True
    refresh_next_due(ticket, clocks_of(ticket.id))
    return changed


def agent_replied(ticket: Ticket, at: datetime) -> None:
    """A public agent reply stops the first and the next response clocks."""
    rows = clocks_of(ticket.id)
    policy = policy_of(ticket, rows)
    for name in ("first_response", "next_response"):
        row = rows.get(name)
        if row is not None and not row.stopped:
            _change(ticket, row, "stop", at, "public reply", policy)
    refresh_next_due(ticket, clocks_of(ticket.id))


def customer_wrote(ticket: Ticket, at: datetime) -> None:
    """A customer message after the first response starts the next response clock.

    While an earlier message is still unanswered the running clock keeps counting from it.
    A message that left the ticket waiting, solved or closed (an automated answer) starts nothing.
    """
    rows = clocks_of(ticket.id)
    first = rows.get("first_response")
    if first is None or not first.stopped:
        return
    policy = policy_of(ticket, rows)
    if ticket.status in DONE_STATUSES or ticket.status in policy.pause_statuses:
        return
    row = rows.get("next_response") or _new_row(ticket, "next_response", policy)
    if row is None or (row.id is not None and not row.stopped):
        return
    _change(ticket, row, "start", at, "customer message", policy)
    refresh_next_due(ticket, clocks_of(ticket.id))


def status_changed(ticket: Ticket, old: str, new: str, at: datetime) -> None:
    """Pause on a pausing status, stop on solved/closed, resume on open and on reopen."""
    rows = clocks_of(ticket.id)
    if not rows:
        return
    policy = policy_of(ticket, rows)
    if new in DONE_STATUSES:
        for row in rows.values():
            if not row.stopped:
                _change(ticket, row, "stop", at, "status " + new, policy)
    elif new in policy.pause_statuses:
        pause_running(ticket, at, "status " + new)
    else:
        reopened = old in DONE_STATUSES
        for row in rows.values():
            paused = not row.stopped and row.running_since is None
            if paused or (reopened and row.name == "resolution"):
                _change(ticket, row, "resume", at, ("reopened, status " if reopened else "status ") + new, policy)
    refresh_next_due(ticket, clocks_of(ticket.id))


def pause_running(ticket: Ticket, at: datetime, reason: str) -> None:
    rows = clocks_of(ticket.id)
    policy = policy_of(ticket, rows)
    for row in rows.values():
        if row.running_since is not None:
            _change(ticket, row, "pause", at, reason, policy)


def sync_priority(ticket: Ticket, at: datetime, reason: str) -> bool:
    """Retarget the resolution clock when the ticket's priority has changed; True if it moved."""
    rows = clocks_of(ticket.id)
    return bool(rows) and retarget(ticket, policy_of(ticket, rows), at, reason)


# --- reading -----------------------------------------------------------------------

def clock_views(ticket: Ticket, at: datetime | None = None) -> list[dict]:
    """Each clock of the ticket for the API and the ticket page (working times in seconds).

    A running clock past its deadline shows as breached even before the breach job has run;
    ``css`` adds the warning colour once the warning instant has passed."""
    at = at or now()
    views = []
    order = {"first_response": 0, "next_response": 1, "resolution": 2}
    for row in sorted(clocks_of(ticket.id).values(), key=lambda r: order[r.name]):
        clock = to_clock(row)
        cal = get_calendar(row.calendar_name)
        state = "breached" if clock.running and clock.remaining(at, cal) < timedelta(0) else clock.state()
        css = {"running": "ok", "met": "ok"}.get(state, state)
        if state == "running" and (row.warned_at or (row.warn_at and row.warn_at <= at)):
            css = "warning"
        views.append({
            "clock": row.name, "policy": row.policy_name, "calendar": row.calendar_name,
            "target_seconds": row.target_seconds, "due_at": row.due_at, "state": state, "css": css,
            "elapsed_seconds": int(clock.elapsed(at, cal).total_seconds()),
            "remaining_seconds": int(clock.remaining(at, cal).total_seconds()),
            "warned_at": row.warned_at, "breached_at": row.breached_at,
        })
    return views


def sla_json(ticket: Ticket) -> dict:
    """The ticket's SLA for the JSON API: its policy, nearest deadline and each clock."""
    views = clock_views(ticket)
    return {
        "policy": views[0]["policy"] if views else None,
        "next_due_at": ticket.next_due_at.isoformat() if ticket.next_due_at else None,
        "clocks": [{
            "clock": v["clock"], "state": v["state"], "calendar": v["calendar"],
            "target_seconds": v["target_seconds"], "elapsed_seconds": v["elapsed_seconds"],
            "remaining_seconds": v["remaining_seconds"],
            "due_at": v["due_at"].isoformat() if v["due_at"] else None,
        } for v in views],
    }


def history(ticket_id: int) -> list[SlaEvent]:
    return db.session.scalars(db.select(SlaEvent).filter_by(ticket_id=ticket_id).order_by(SlaEvent.id)).all()


def first_response_due(ticket: Ticket) -> datetime | None:
    """When the customer will have the first answer at the latest (None when the ticket has no such clock)."""
    row = clocks_of(ticket.id).get("first_response")
    return row.due_at if row is not None else None


def promised_first_response(channel: str, received_at: datetime) -> datetime | None:
    """The first-response deadline the channel's default policy gives a contact received then
    (what a ticket not yet opened will get, unless routing picks another policy)."""
    policy = get_policy(None, channel)
    if not policy.first_response_minutes:
        return None
    return get_calendar(policy.calendar_name).add(received_at, timedelta(minutes=policy.first_response_minutes))
