"""Recalculation of open tickets' deadlines after a calendar or policy change: preview, then apply.

Set-based: one read of the running clocks concerned, the deadlines computed on the calendars'
compiled tables in epoch microseconds (no datetime per clock), then bulk writes (COPY into a
temporary table and set-based statements on PostgreSQL, executemany elsewhere). Each moved
clock gets a history event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from helpdesk.calendars.services import get_calendar
from helpdesk.core.extensions import db
from helpdesk.models import Ticket
from helpdesk.models.sla import SlaClock, SlaEvent, SlaPolicy
from helpdesk.sla.services import clocks
from helpdesk.sla.services.policies import get_policy, target_minutes

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)


class Move(NamedTuple):
    """One running clock whose deadline or target changes; instants in epoch microseconds (UTC)."""

    clock_id: int
    ticket_id: int
    clock: str
    policy_name: str
    old_due: int | None
    new_due: int
    new_warn: int
    target_seconds: int
    calendar_name: str
    accumulated_seconds: float
    running_since: int
    elapsed_seconds: float
    retargeted: bool
    read_since: int  # running_since as read: a clock paused or resumed since is left alone


@dataclass
class Preview:
    """How many open tickets would move and by how much (positive: later)."""

    tickets: int
    clocks: int
    earliest_shift: timedelta
    latest_shift: timedelta
    moves: list[Move]


def _micro(t: datetime) -> int:
    return (t - EPOCH) // MICROSECOND


def _instant(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


class _Arithmetic:
    """A calendar's add and elapsed on epoch microseconds (no datetime per clock)."""

    def __init__(self, calendar, first_year: int, last_year: int):
        calendar.compile(first_year, last_year)
        self.calendar = calendar

    def add(self, since: int, seconds: float) -> int:
        """The instant `seconds` of open time after `since`."""
        if seconds <= 0:
            return since
        if seconds % 1:  # rounded to microseconds as a timedelta, and so the calendar, rounds it
            seconds = timedelta(seconds=seconds).total_seconds()
        return round(self.calendar.add_seconds(since / 1e6, seconds) * 1e6)

    def elapsed(self, since: int, until: float) -> float:
        """Open seconds from `since` to `until` (epoch seconds), not below zero."""
        # whole microseconds, as the calendar's timedelta (the instants and openings are whole microseconds)
        seconds = round(self.calendar.elapsed_seconds(since / 1e6, until) * 1e6) / 1e6
        return seconds if seconds > 0 else 0.0


def _running_clocks(calendar_names: list[str], policy_names: list[str]) -> list[tuple]:
    """(id, ticket id, clock, policy, calendar, target s, accumulated s, running since us, due us,
    priority, channel) of the running clocks on those calendars or policies."""
    if db.engine.dialect.name == "postgresql":  # a raw binary read: no type processing per value
        conn = db.session.connection().connection.driver_connection
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT c.id, c.ticket_id, c.name, c.policy_name, c.calendar_name, c.target_seconds,"
                        " c.accumulated_seconds, (extract(epoch FROM c.running_since) * 1000000)::int8,"
                        " (extract(epoch FROM c.due_at) * 1000000)::int8, t.priority, t.channel"
                        " FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id"
                        " WHERE c.running_since IS NOT NULL AND NOT c.stopped"
                        " AND (c.calendar_name = ANY(%s) OR c.policy_name = ANY(%s))",
                        (calendar_names, policy_names))
            return cur.fetchall()
    c = SlaClock.__table__.c
    t = Ticket.__table__.c
    query = (db.select(c.id, c.ticket_id, c.name, c.policy_name, c.calendar_name, c.target_seconds,
                       c.accumulated_seconds, c.running_since, c.due_at, t.priority, t.channel)
             .join_from(SlaClock.__table__, Ticket.__table__, t.id == c.ticket_id)
             .where(c.running_since.is_not(None), c.stopped.is_(False))
             .where(c.calendar_name.in_(calendar_names) | c.policy_name.in_(policy_names)))
    return [(*row[:7], _micro(row[7]), None if row[8] is None else _micro(row[8]), *row[9:])
            for row in db.session.execute(query)]


def plan(at: datetime, *, calendars: dict | None = None, policies: dict[str, SlaPolicy] | None = None) -> Preview:
    """The moves a change would cause: ``calendars`` maps a changed calendar's name to its new
    version (None: reload it); ``policies`` maps a changed policy's name to its new version."""
    at = at.astimezone(timezone.utc)
    at_us = _micro(at)
    calendars = {name: cal or get_calendar(name) for name, cal in (calendars or {}).items()}
    policies = policies or {}
    rows = _running_clocks(list(calendars), list(policies))
    first_year = _instant(min((row[7] for row in rows), default=at_us)).year
    resolved = {}
    known = dict(policies)
    targets: dict[tuple, tuple] = {}  # (policy, clock, priority, channel) -> (policy, target s, warn fraction)

    def calendar_named(name: str) -> _Arithmetic:
        found = resolved.get(name)
        if found is None:
            found = resolved[name] = _Arithmetic(calendars.get(name) or get_calendar(name), first_year,
                                                 at.year + 1)
        return found

    moves = []
    at_x = at_us / 1e6
    for (clock_id, ticket_id, clock, policy_name, calendar_name, target_seconds, accumulated, read_since, due_at,
         priority, channel) in rows:
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
            accumulated += calendar_named(name).elapsed(running_since, at_x)
            name, running_since = policy.calendar_name, at_us
        cal = resolved.get(name) or calendar_named(name)
        new_due = cal.add(running_since, max(target - accumulated, 0))
        retargeted = target != target_seconds or name != calendar_name
        if new_due != due_at or retargeted:
            moves.append(Move(clock_id, ticket_id, clock, policy.name, due_at, new_due,
                              cal.add(running_since, max(target * warn_fraction - accumulated, 0)), target, name,
                              accumulated, running_since, accumulated + cal.elapsed(running_since, at_x),
                              retargeted, read_since))
    shifts = [m.new_due - m.old_due for m in moves if m.old_due is not None]
    return Preview(tickets=len({m.ticket_id for m in moves}), clocks=len(moves),
                   earliest_shift=min(shifts, default=0) * MICROSECOND,
                   latest_shift=max(shifts, default=0) * MICROSECOND, moves=moves)


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
    """COPY the moves into a temporary table; from it one statement: the UPDATE of the clocks
    still running since the plan, feeding the INSERT of their history events and the UPDATE
    of the tickets' next_due_at."""
    conn = db.session.connection().connection.driver_connection
    with conn.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit TO OFF")
        cur.execute("SET LOCAL work_mem TO '64MB'")  # the joins and the sort in memory
        cur.execute("CREATE TEMP TABLE sla_moves (id int, ticket_id int, clock text, policy_name text,"
                    " due_us int8, warn_us int8, target_seconds int, calendar_name text, accumulated_seconds float8,"
                    " running_us int8, elapsed_seconds float8, old_due_us int8, action text, read_us int8)"
                    " ON COMMIT DROP")
        null, actions = "\\N", ("recalculate", "retarget")
        with cur.copy("COPY sla_moves FROM STDIN") as copy:
            for start in range(0, len(moves), 10_000):  # PostgreSQL reads one chunk while the next is formatted
                copy.write("".join([
                    f"{m[0]}\t{m[1]}\t{m[2]}\t{m[3]}\t{m[5]}\t{m[6]}\t{m[7]}\t{m[8]}\t{m[9]}\t{m[10]}\t{m[11]}\t"
                    f"{null if m[4] is None else m[4]}\t{actions[m[12]]}\t{m[13]}\n" for m in moves[start:start + 10_000]]))
        # Only clocks still running since the plan move (one paused or resumed since was recomputed then);
        # the statement sees sla_clocks as before it, so a ticket's nearest deadline takes its moved
        # clocks from `moved` and the others from the table.
        cur.execute("WITH moved AS (UPDATE sla_clocks c SET due_at = %(epoch)s + m.due_us * %(us)s,"
                    " warn_at = %(epoch)s + m.warn_us * %(us)s, target_seconds = m.target_seconds,"
                    " calendar_name = m.calendar_name, policy_name = m.policy_name,"
                    " accumulated_seconds = m.accumulated_seconds, running_since = %(epoch)s + m.running_us * %(us)s"
                    " FROM sla_moves m WHERE c.id = m.id AND c.running_since = %(epoch)s + m.read_us * %(us)s"
                    " RETURNING m.*, c.due_at),"
                    " events AS (INSERT INTO sla_events (ticket_id, clock, action, reason, at, policy_name,"
                    " calendar_name, target_seconds, elapsed_seconds, due_at, data)"
                    " SELECT ticket_id, clock, action, %(reason)s, %(at)s, policy_name, calendar_name, target_seconds,"
                    " elapsed_seconds, due_at, json_build_object('old_due', to_char(%(epoch)s + old_due_us * %(us)s,"
                    " CASE WHEN mod(old_due_us, 1000000) = 0 THEN %(iso)s ELSE %(iso_us)s END)) FROM moved ORDER BY id),"
                    " nearest AS (SELECT ticket_id, min(due_at) AS due FROM (SELECT ticket_id, due_at FROM moved"
                    " UNION ALL SELECT c.ticket_id, c.due_at FROM sla_clocks c WHERE c.running_since IS NOT NULL"
                    " AND c.ticket_id IN (SELECT ticket_id FROM moved) AND c.id NOT IN (SELECT id FROM moved)) d"
                    " GROUP BY ticket_id)"
                    " UPDATE tickets t SET next_due_at = n.due FROM nearest n"
                    " WHERE t.id = n.ticket_id AND t.next_due_at IS DISTINCT FROM n.due",
                    {"epoch": datetime(1970, 1, 1), "us": MICROSECOND, "reason": reason, "at": at.replace(tzinfo=None),
                     # old_due as Python's isoformat() writes it
                     "iso": 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"', "iso_us": 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'})


def _apply_generic(moves: list[Move], at: datetime, reason: str) -> None:
    """executemany, for SQLite (the single-process demo and development database)."""
    c = SlaClock.__table__.c
    db.session.execute(
        SlaClock.__table__.update().where(c.id == db.bindparam("cid"), c.running_since == db.bindparam("read"))
        .values(
            due_at=db.bindparam("due"), warn_at=db.bindparam("warn"), target_seconds=db.bindparam("target"),
            calendar_name=db.bindparam("cal"), policy_name=db.bindparam("policy"),
            accumulated_seconds=db.bindparam("acc"), running_since=db.bindparam("since")),
        [{"cid": m.clock_id, "due": _instant(m.new_due), "warn": _instant(m.new_warn), "target": m.target_seconds,
          "cal": m.calendar_name, "policy": m.policy_name, "acc": m.accumulated_seconds,
          "since": _instant(m.running_since), "read": _instant(m.read_since)}
         for m in moves])
    db.session.execute(db.insert(SlaEvent), [{
        "ticket_id": m.ticket_id, "clock": m.clock, "action": "retarget" if m.retargeted else "recalculate",
        "reason": reason, "at": at, "policy_name": m.policy_name, "calendar_name": m.calendar_name,
        "target_seconds": m.target_seconds, "elapsed_seconds": m.elapsed_seconds, "due_at": _instant(m.new_due),
        "data": {"old_due": None if m.old_due is None else _instant(m.old_due).isoformat()}} for m in moves])
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
