"""Recalculation of open tickets' deadlines after a calendar or policy change: preview, then apply.

Set-based: one read of the running clocks concerned, the deadlines computed with the
compiled calendars, then bulk writes (COPY into a temporary table and one UPDATE on
PostgreSQL, executemany elsewhere). Each moved clock gets a history event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.models.sla import SlaClock, SlaEvent, SlaPolicy
from helpdesk.sla import clocks
from helpdesk.sla.policies import get_policy, target_minutes

ZERO = timedelta(0)


@dataclass
class Move:
    """One running clock whose deadline or target changes."""

    clock_id: int
    ticket_id: int
    clock: str
    policy_name: str
    old_due: datetime | None
    new_due: datetime | None
    new_warn: datetime | None
    target_seconds: int
    calendar_name: str
    accumulated_seconds: float
    running_since: datetime
    elapsed_seconds: float
    retargeted: bool


@dataclass
class Preview:
    """How many open tickets would move and by how much (positive: later)."""

    tickets: int
    clocks: int
    earliest_shift: timedelta
    latest_shift: timedelta
    moves: list[Move]


def plan(at: datetime, *, calendars: dict | None = None, policies: dict[str, SlaPolicy] | None = None) -> Preview:
    """The moves a change would cause: ``calendars`` maps a changed calendar's name to its new
    version (None: reload it); ``policies`` maps a changed policy's name to its new version."""
    calendars = {name: cal or clocks.calendar(name) for name, cal in (calendars or {}).items()}
    policies = policies or {}
    c = SlaClock.__table__.c
    t = Ticket.__table__.c
    query = (db.select(c.id, c.ticket_id, c.name, c.policy_name, c.calendar_name, c.target_seconds,
                       c.accumulated_seconds, c.running_since, c.due_at, t.priority, t.channel)
             .join_from(SlaClock.__table__, Ticket.__table__, t.id == c.ticket_id)
             .where(c.running_since.is_not(None), c.stopped.is_(False))
             .where(c.calendar_name.in_(list(calendars)) | c.policy_name.in_(list(policies))))
    resolved = dict(calendars)
    moves = []
    for row in db.session.execute(query):
        policy = policies.get(row.policy_name) or get_policy(row.policy_name, row.channel)
        minutes = target_minutes(policy, row.name, row.priority)
        target = row.target_seconds if minutes is None else minutes * 60
        name, running_since, accumulated = row.calendar_name, row.running_since, row.accumulated_seconds
        if row.policy_name in policies and policy.calendar_name != name:
            old = resolved.get(name) or resolved.setdefault(name, clocks.calendar(name))
            accumulated += max(old.elapsed(running_since, at), ZERO).total_seconds()
            name, running_since = policy.calendar_name, at
        cal = resolved.get(name) or resolved.setdefault(name, clocks.calendar(name))
        new_due = cal.add(running_since, timedelta(seconds=max(target - accumulated, 0)))
        warn = target * policy.warn_percent / 100 - accumulated
        new_warn = cal.add(running_since, timedelta(seconds=max(warn, 0)))
        retargeted = (target, name) != (row.target_seconds, row.calendar_name)
        if new_due != row.due_at or retargeted:
            elapsed = accumulated + max(cal.elapsed(running_since, at), ZERO).total_seconds()
            moves.append(Move(row.id, row.ticket_id, row.name, policy.name, row.due_at, new_due, new_warn, target,
                              name, accumulated, running_since, elapsed, retargeted))
    shifts = [m.new_due - m.old_due for m in moves if m.old_due is not None]
    return Preview(tickets=len({m.ticket_id for m in moves}), clocks=len(moves),
                   earliest_shift=min(shifts, default=ZERO), latest_shift=max(shifts, default=ZERO), moves=moves)


def apply(preview: Preview, at: datetime, reason: str) -> int:
    """Write the moves, their history events and the tickets' next_due_at; the tickets moved.

    No job per moved deadline: the minute sweep fires what comes due (jobs already queued
    for the old instants find nothing to do)."""
    moves = preview.moves
    if not moves:
        return 0
    clock_rows = [(m.clock_id, m.new_due, m.new_warn, m.target_seconds, m.calendar_name, m.accumulated_seconds,
                   m.running_since) for m in moves]
    event_rows = [(m.ticket_id, m.clock, "retarget" if m.retargeted else "recalculate", reason[:200], at,
                   m.policy_name, m.calendar_name, m.target_seconds,
                   m.elapsed_seconds, m.new_due, {"old_due": m.old_due.isoformat() if m.old_due else None})
                  for m in moves]
    ticket_ids = sorted({m.ticket_id for m in moves})
    if db.engine.dialect.name == "postgresql":
        _apply_postgresql(clock_rows, event_rows, ticket_ids)
    else:
        _apply_generic(clock_rows, event_rows, ticket_ids)
    db.session.commit()
    return len(ticket_ids)


def _apply_postgresql(clock_rows, event_rows, ticket_ids) -> None:
    import json

    conn = db.session.connection().connection.driver_connection
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE sla_moves (id int, due_at timestamp, warn_at timestamp, target_seconds int,"
                    " calendar_name varchar(64), accumulated_seconds float8, running_since timestamp)"
                    " ON COMMIT DROP")
        with cur.copy("COPY sla_moves FROM STDIN") as copy:
            for cid, due, warn, target, cal, acc, since in clock_rows:
                copy.write_row((cid, _naive(due), _naive(warn), target, cal, acc, _naive(since)))
        cur.execute("UPDATE sla_clocks c SET due_at = m.due_at, warn_at = m.warn_at,"
                    " target_seconds = m.target_seconds, calendar_name = m.calendar_name,"
                    " accumulated_seconds = m.accumulated_seconds, running_since = m.running_since"
                    " FROM sla_moves m WHERE c.id = m.id")
        with cur.copy("COPY sla_events (ticket_id, clock, action, reason, at, policy_name, calendar_name,"
                      " target_seconds, elapsed_seconds, due_at, data) FROM STDIN") as copy:
            for row in event_rows:
                copy.write_row((*row[:4], _naive(row[4]), *row[5:8], row[8], _naive(row[9]), json.dumps(row[10])))
        cur.execute("UPDATE tickets t SET next_due_at = (SELECT min(c.due_at) FROM sla_clocks c"
                    " WHERE c.ticket_id = t.id AND c.running_since IS NOT NULL) WHERE t.id = ANY(%s)",
                    (ticket_ids,))


def _naive(t: datetime | None) -> datetime | None:
    """An instant as the naive UTC the UTCDateTime columns hold."""
    return None if t is None else t.astimezone(timezone.utc).replace(tzinfo=None)


def _apply_generic(clock_rows, event_rows, ticket_ids) -> None:
    c = SlaClock.__table__.c
    db.session.execute(
        SlaClock.__table__.update().where(c.id == db.bindparam("cid")).values(
            due_at=db.bindparam("due"), warn_at=db.bindparam("warn"), target_seconds=db.bindparam("target"),
            calendar_name=db.bindparam("cal"), accumulated_seconds=db.bindparam("acc"),
            running_since=db.bindparam("since")),
        [dict(zip(("cid", "due", "warn", "target", "cal", "acc", "since"), row)) for row in clock_rows])
    keys = ("ticket_id", "clock", "action", "reason", "at", "policy_name", "calendar_name", "target_seconds",
            "elapsed_seconds", "due_at", "data")
    db.session.execute(db.insert(SlaEvent), [dict(zip(keys, row)) for row in event_rows])
    for ticket_id in ticket_ids:
        clocks.refresh_next_due(db.session.get(Ticket, ticket_id))


def recalculate_calendar(name: str) -> int:
    """The job after a calendar change: recompute the deadlines of the open tickets on it."""
    at = clocks.now()
    return apply(plan(at, calendars={name: None}), at, f"calendar {name} changed")


def recalculate_policy(name: str) -> int:
    """The job after a policy edit: move the open tickets' clocks to its new targets."""
    at = clocks.now()
    policy = db.session.scalar(db.select(SlaPolicy).filter_by(name=name))
    if policy is None:
        return 0
    return apply(plan(at, policies={name: policy}), at, f"policy {name} changed")
