"""Recalculation of open tickets' deadlines after a calendar or policy change: preview, then apply.

Set-based: one read of the running clocks concerned, the deadlines computed with the
compiled calendars, then bulk writes (COPY into a temporary table and set-based statements
on PostgreSQL, executemany elsewhere). Each moved clock gets a history event.
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


@dataclass(slots=True)
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
    read_since: datetime  # running_since as read: a clock paused or resumed since is left alone


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
    at = at.astimezone(timezone.utc)
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
    known = dict(policies)
    targets: dict[tuple, tuple] = {}  # (policy, clock, priority, channel) -> (policy, target s, warn fraction)

    def calendar_named(name: str):
        cal = resolved.get(name)
        if cal is None:
            cal = resolved[name] = clocks.calendar(name)
        return cal

    moves = []
    for (clock_id, ticket_id, clock, policy_name, calendar_name, target_seconds, accumulated, read_since, due_at,
         priority, channel) in db.session.execute(query).all():
        key = (policy_name, clock, priority, channel)
        found = targets.get(key)
        if found is None:
            policy = known.get(policy_name) or get_policy(policy_name, channel)
            minutes = target_minutes(policy, clock, priority)
            found = targets[key] = (policy, None if minutes is None else minutes * 60, policy.warn_percent / 100)
        policy, target, warn_fraction = found
        target = target_seconds if target is None else target
        name, running_since = calendar_name, read_since
        if policy_name in policies and policy.calendar_name != name:
            accumulated += max(calendar_named(name).elapsed(running_since, at), ZERO).total_seconds()
            name, running_since = policy.calendar_name, at
        cal = calendar_named(name)
        new_due = cal.add(running_since, timedelta(seconds=max(target - accumulated, 0)))
        retargeted = target != target_seconds or name != calendar_name
        if new_due != due_at or retargeted:
            new_warn = cal.add(running_since, timedelta(seconds=max(target * warn_fraction - accumulated, 0)))
            elapsed = accumulated + max(cal.elapsed(running_since, at), ZERO).total_seconds()
            moves.append(Move(clock_id, ticket_id, clock, policy.name, due_at, new_due, new_warn, target, name,
                              accumulated, running_since, elapsed, retargeted, read_since))
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
    at = at.astimezone(timezone.utc)
    if db.engine.dialect.name == "postgresql":
        _apply_postgresql(moves, at, reason[:200])
    else:
        _apply_generic(moves, at, reason[:200])
    db.session.commit()
    return len({m.ticket_id for m in moves})


def _apply_postgresql(moves: list[Move], at: datetime, reason: str) -> None:
    """COPY the moves into a temporary table; from it one UPDATE of the clocks, one INSERT of
    their history events and one UPDATE of the tickets' next_due_at."""
    lines, null = [], "\\N"
    for m in moves:  # every instant here is in UTC, and the columns hold naive UTC: the offset is ignored
        lines.append(f"{m.clock_id}\t{m.ticket_id}\t{m.clock}\t{m.policy_name}\t{m.new_due.isoformat()}\t"
                     f"{m.new_warn.isoformat()}\t{m.target_seconds}\t{m.calendar_name}\t{m.accumulated_seconds}\t"
                     f"{m.running_since.isoformat()}\t{m.elapsed_seconds}\t"
                     f"{m.old_due.isoformat() if m.old_due else null}\t"
                     f"{'retarget' if m.retargeted else 'recalculate'}\t{m.read_since.isoformat()}\n")
    conn = db.session.connection().connection.driver_connection
    with conn.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit TO OFF")
        cur.execute("CREATE TEMP TABLE sla_moves (id int, ticket_id int, clock varchar(32), policy_name varchar(64),"
                    " due_at timestamp, warn_at timestamp, target_seconds int, calendar_name varchar(64),"
                    " accumulated_seconds float8, running_since timestamp, elapsed_seconds float8,"
                    " old_due text, action varchar(16), read_since timestamp) ON COMMIT DROP")
        with cur.copy("COPY sla_moves FROM STDIN") as copy:
            copy.write("".join(lines))
        cur.execute("ANALYZE sla_moves")
        # Drop the moves of clocks paused, resumed or stopped since the plan (they were recomputed then).
        cur.execute("DELETE FROM sla_moves m USING sla_clocks c"
                    " WHERE c.id = m.id AND c.running_since IS DISTINCT FROM m.read_since")
        cur.execute("UPDATE sla_clocks c SET due_at = m.due_at, warn_at = m.warn_at,"
                    " target_seconds = m.target_seconds, calendar_name = m.calendar_name, policy_name = m.policy_name,"
                    " accumulated_seconds = m.accumulated_seconds, running_since = m.running_since"
                    " FROM sla_moves m WHERE c.id = m.id AND c.running_since = m.read_since")
        cur.execute("INSERT INTO sla_events (ticket_id, clock, action, reason, at, policy_name, calendar_name,"
                    " target_seconds, elapsed_seconds, due_at, data)"
                    " SELECT ticket_id, clock, action, %s, %s, policy_name, calendar_name, target_seconds,"
                    " elapsed_seconds, due_at, json_build_object('old_due', old_due) FROM sla_moves ORDER BY id",
                    (reason, at.replace(tzinfo=None)))
        cur.execute("UPDATE tickets t SET next_due_at = n.due FROM (SELECT c.ticket_id, min(c.due_at) AS due"
                    " FROM sla_clocks c WHERE c.running_since IS NOT NULL AND c.ticket_id IN"
                    " (SELECT ticket_id FROM sla_moves) GROUP BY c.ticket_id) n"
                    " WHERE t.id = n.ticket_id AND t.next_due_at IS DISTINCT FROM n.due")


def _data(move: Move) -> dict:
    """The event's record of where the deadline was."""
    return {"old_due": move.old_due.isoformat() if move.old_due else None}


def _apply_generic(moves: list[Move], at: datetime, reason: str) -> None:
    """executemany, for SQLite (the single-process demo and development database)."""
    c = SlaClock.__table__.c
    db.session.execute(
        SlaClock.__table__.update().where(c.id == db.bindparam("cid"), c.running_since == db.bindparam("read"))
        .values(
            due_at=db.bindparam("due"), warn_at=db.bindparam("warn"), target_seconds=db.bindparam("target"),
            calendar_name=db.bindparam("cal"), policy_name=db.bindparam("policy"),
            accumulated_seconds=db.bindparam("acc"), running_since=db.bindparam("since")),
        [{"cid": m.clock_id, "due": m.new_due, "warn": m.new_warn, "target": m.target_seconds,
          "cal": m.calendar_name, "policy": m.policy_name, "acc": m.accumulated_seconds,
          "since": m.running_since, "read": m.read_since}
         for m in moves])
    db.session.execute(db.insert(SlaEvent), [{
        "ticket_id": m.ticket_id, "clock": m.clock, "action": "retarget" if m.retargeted else "recalculate",
        "reason": reason, "at": at, "policy_name": m.policy_name, "calendar_name": m.calendar_name,
        "target_seconds": m.target_seconds, "elapsed_seconds": m.elapsed_seconds, "due_at": m.new_due,
        "data": _data(m)} for m in moves])
    for ticket_id in sorted({m.ticket_id for m in moves}):
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
