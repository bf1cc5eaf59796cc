"""Choosing an agent for a ticket, handing out waiting tickets, finding stale assignments.

An agent is eligible for a ticket when they are in the ticket's team, have the skill of
its category (no category: no skill needed), speak its language, are on shift now and
not leaving within the shift margin, are present ("available") and are under capacity
for the ticket's channel.

Among eligible agents the least loaded wins, load being the share of the channel's
capacity in use (open tickets / capacity), so a part-timer with 2 of 4 and a full-timer
with 5 of 10 are equally busy. Ties go to the agent who has waited longest since their
last assignment (never assigned counts as longest), then to the lowest agent id.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

from schedules import CalendarError
from routing.facts import AgentId, AgentState, Roster, TicketFacts

DEFAULT_SHIFT_MARGIN = timedelta(minutes=15)
DEFAULT_STALE_GRACE = timedelta(minutes=15)

# Reasons an agent is not eligible, in the order they are checked.
REASONS = ("team", "skill", "language", "shift", "shift_ending", "presence", "capacity")


@dataclass
class Candidate:
    """One agent of the ticket's team and what made them (in)eligible."""

    agent_id: AgentId
    reasons: list[str]
    load: int
    capacity: int
    presence: str
    shift_ends_at: datetime | None = None
    last_assigned_at: datetime | None = None

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def load_ratio(self) -> float | None:
        # Division is correctly rounded, so equal shares (1/3, 2/6) give equal floats.
        return self.load / self.capacity if self.capacity > 0 else None

    def to_dict(self) -> dict:
        data = {
            "agent_id": self.agent_id,
            "eligible": self.eligible,
            "reasons": list(self.reasons),
            "load": self.load,
            "capacity": self.capacity,
            "presence": self.presence,
            "shift_ends_at": _iso(self.shift_ends_at),
            "last_assigned_at": _iso(self.last_assigned_at),
        }
        if self.eligible:
            data["score"] = self.load_ratio
        return data


@dataclass
class Assignment:
    """Who gets a ticket and why.

    ``status`` is "pinned" (the ticket stays with its pinned agent), "kept" (the current
    assignee is still eligible), "assigned" (a new agent was chosen) or "queued" (no one
    is eligible; the ticket waits in its team's queue).
    """

    ticket_id: Any
    team: str | None
    assignee_id: AgentId | None
    status: str
    candidates: list[Candidate] = field(default_factory=list)
    not_in_team: list[AgentId] = field(default_factory=list)  # shared with the roster: read only
    tie_break: str | None = None

    def to_dict(self) -> dict:
        return {
            "ticket_id": self.ticket_id,
            "team": self.team,
            "assignee_id": self.assignee_id,
            "status": self.status,
            "tie_break": self.tie_break,
            "candidates": [c.to_dict() for c in self.candidates],
            "not_in_team": list(self.not_in_team),
        }


def assign(ticket: TicketFacts, roster: Roster, now: datetime, *,
           team: str | None = None, category: str | None = None,
           shift_margin: timedelta = DEFAULT_SHIFT_MARGIN) -> Assignment:
    """Choose an agent for ``ticket`` (team and category default to the ticket's own)."""
    team = team if team is not None else ticket.team
    category = category if category is not None else ticket.category
    if ticket.pinned_agent_id is not None:
        return Assignment(ticket.id, team, ticket.pinned_agent_id, "pinned")
    members = roster.by_team.get(team, []) if team else []
    shifts: dict[int, tuple[bool, datetime | None]] = {}
    candidates = [
        _candidate(agent, ticket, category, roster, now, shift_margin, shifts) for agent in members
    ]
    eligible = [c for c in candidates if c.eligible]
    current = next((c for c in eligible if c.agent_id == ticket.assignee_id), None)
    if current is not None:
        return Assignment(ticket.id, team, current.agent_id, "kept", candidates, roster.outside(team))
    if not eligible:
        return Assignment(ticket.id, team, None, "queued", candidates, roster.outside(team))
    ranked = sorted(eligible, key=_rank)
    return Assignment(ticket.id, team, ranked[0].agent_id, "assigned", candidates,
                      roster.outside(team), _tie_break(ranked))


def distribute(waiting: Iterable[TicketFacts], roster: Roster, now: datetime, *,
               shift_margin: timedelta = DEFAULT_SHIFT_MARGIN) -> list[Assignment]:
    """Hand out waiting tickets, the earliest SLA due first (no due time last).

    Each ticket goes to its team and category as they stand. Loads are counted on a copy
    of the roster as tickets are handed out; the caller's roster is not changed. Returns
    one assignment per ticket in hand-out order, "queued" for those still waiting.
    """
    working = roster.copy()
    order = sorted(waiting, key=lambda t: (t.sla_due_at is None,
                                           t.sla_due_at.timestamp() if t.sla_due_at else 0,
                                           t.created_at.timestamp(), str(t.id)))
    results = []
    for ticket in order:
        assignment = assign(ticket, working, now, shift_margin=shift_margin)
        if assignment.status == "assigned":
            working.record_assignment(assignment.assignee_id, ticket.channel, now)
        results.append(assignment)
    return results


@dataclass(frozen=True)
class OpenAssignment:
    """A ticket assigned to an agent who has not answered it yet (or has)."""

    ticket_id: Any
    agent_id: AgentId
    answered: bool = False
    pinned: bool = False


@dataclass(frozen=True)
class Requeue:
    """A ticket to take back from its agent and return to the team queue."""

    ticket_id: Any
    agent_id: AgentId
    reason: str  # "offline", "shift_ended" or "not_on_roster"

    def to_dict(self) -> dict:
        return {"ticket_id": self.ticket_id, "agent_id": self.agent_id, "reason": self.reason}


def stale_assignments(assignments: Iterable[OpenAssignment], roster: Roster, now: datetime, *,
                      grace: timedelta = DEFAULT_STALE_GRACE) -> list[Requeue]:
    """Unanswered, unpinned tickets whose agent is offline, gone from the roster, or whose
    shift ended more than ``grace`` ago (no shift time at all in the last ``grace``)."""
    requeue = []
    for item in assignments:
        if item.answered or item.pinned:
            continue
        agent = roster.agents.get(item.agent_id)
        if agent is None:
            requeue.append(Requeue(item.ticket_id, item.agent_id, "not_on_roster"))
        elif agent.presence == "offline":
            requeue.append(Requeue(item.ticket_id, item.agent_id, "offline"))
        elif agent.shift is not None and agent.shift.elapsed(now - grace, now) == timedelta(0):
            requeue.append(Requeue(item.ticket_id, item.agent_id, "shift_ended"))
    return requeue


def _candidate(agent: AgentState, ticket: TicketFacts, category: str | None, roster: Roster,
               now: datetime, margin: timedelta, shifts: dict) -> Candidate:
    reasons = []
    if category and category not in agent.skills:
        reasons.append("skill")
    if ticket.language not in agent.languages:
        reasons.append("language")
    shift_ends_at = None
    if agent.shift is not None:
        key = id(agent.shift)
        if key not in shifts:
            is_open = agent.shift.is_open(now)
            shifts[key] = (is_open, _shift_end(agent.shift, now) if is_open else None)
        is_open, shift_ends_at = shifts[key]
        if not is_open:
            reasons.append("shift")
        elif shift_ends_at is not None and shift_ends_at - now < margin:
            reasons.append("shift_ending")
    if agent.presence != "available":
        reasons.append("presence")
    load = roster.load[agent.id].get(ticket.channel, 0)
    if agent.id == ticket.assignee_id:
        load = max(0, load - 1)  # the ticket itself is already counted in its assignee's load
    capacity = agent.capacity.get(ticket.channel, 0)
    if load >= capacity:
        reasons.append("capacity")
    return Candidate(agent.id, reasons, load, capacity, agent.presence, shift_ends_at,
                     roster.last_assigned_at[agent.id])


def _shift_end(shift, now: datetime) -> datetime | None:
    """The end of the shift under way; None for one with no end in sight (always on)."""
    try:
        return shift.next_close(now)
    except CalendarError:
        return None


def _rank(candidate: Candidate) -> tuple:
    last = candidate.last_assigned_at
    return (candidate.load_ratio, last is not None, last.timestamp() if last else 0.0,
            _id_key(candidate.agent_id))


def _id_key(agent_id: AgentId) -> tuple:
    return (0, agent_id, "") if isinstance(agent_id, int) else (1, 0, str(agent_id))


def _tie_break(ranked: Sequence[Candidate]) -> str | None:
    """What separated the winner from the runner-up."""
    if len(ranked) == 1:
        return None
    first, second = _rank(ranked[0]), _rank(ranked[1])
    if first[0] != second[0]:
        return "lowest_load"
    if first[1:3] != second[1:3]:
        return "longest_since_last_assignment"
    return "agent_id"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
