"""Replaying historic tickets through a draft rule set and roster, without side effects.

The model, kept deliberately simple:

* Tickets arrive at their creation times and are routed by ``decide`` against a copy of
  the roster in which every agent is present, starts with no open tickets and keeps
  their teams, skills, languages, capacities and shift calendar.
* Each agent answers the tickets assigned to them one after another, first come first
  served. Answering takes the ticket's known handling time, else the handling time of
  its category, else ``default_handling_time``; for an agent with a shift calendar it is
  counted in shift time (work starts at the next opening and pauses outside shifts).
  The first response is sent when the handling ends; then the ticket leaves the agent's
  open load.
* A ticket nobody can take waits in its team's queue; waiting tickets are handed out
  (``distribute``, the earliest SLA due first) whenever an agent finishes a ticket or a
  shift of the team's agents begins. A ticket still waiting at the end has no response
  and, when its policy has a target, counts as breached.
* The first-response time is the working time between creation and response on the
  calendar of the ticket's SLA policy, compared with the policy's target.
* Fairness is the Gini coefficient of assignments over all agents on the roster:
  0 when everyone got the same number, approaching 1 when one agent got them all.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence

from schedules import CalendarError
from routing.assignment import DEFAULT_SHIFT_MARGIN, distribute
from routing.decision import decide
from routing.facts import AgentId, AgentState, Roster, TicketFacts
from routing.rules import RuleSet

RETRY_HORIZON = timedelta(days=31)


@dataclass(frozen=True)
class FirstResponseTarget:
    """An SLA policy's first-response promise: ``target`` of working time on ``calendar``."""

    calendar: str
    target: timedelta


@dataclass
class HistoricTicket:
    """A past ticket to replay; ``handling_time`` when the real time spent is known."""

    facts: TicketFacts
    handling_time: timedelta | None = None


@dataclass
class Figures:
    """Counts and SLA attainment for a group of tickets (a category, an agent, all)."""

    tickets: int = 0
    assigned: int = 0
    answered: int = 0
    with_target: int = 0
    met: int = 0
    response_total: timedelta = timedelta(0)

    @property
    def attainment(self) -> float | None:
        """Share of tickets with a target whose first response met it."""
        return self.met / self.with_target if self.with_target else None

    @property
    def mean_first_response(self) -> timedelta | None:
        return self.response_total / self.answered if self.answered else None

    def to_dict(self) -> dict:
        mean = self.mean_first_response
        return {
            "tickets": self.tickets, "assigned": self.assigned, "answered": self.answered,
            "with_target": self.with_target, "met": self.met, "attainment": self.attainment,
            "mean_first_response_seconds": mean.total_seconds() if mean is not None else None,
        }


@dataclass
class AgentFigures(Figures):
    busy: timedelta = timedelta(0)
    peak_load: int = 0

    def to_dict(self) -> dict:
        return super().to_dict() | {"busy_seconds": self.busy.total_seconds(),
                                    "peak_load": self.peak_load}


@dataclass
class TicketOutcome:
    ticket_id: Any
    category: str | None
    team: str
    sla_policy: str | None
    assignee_id: AgentId | None = None
    first_response_at: datetime | None = None
    first_response: timedelta | None = None  # working time on the policy's calendar
    met: bool | None = None  # None: the policy has no target in the simulation

    def to_dict(self) -> dict:
        return {
            "ticket_id": self.ticket_id, "category": self.category, "team": self.team,
            "sla_policy": self.sla_policy, "assignee_id": self.assignee_id,
            "first_response_at": self.first_response_at.isoformat() if self.first_response_at else None,
            "first_response_seconds": self.first_response.total_seconds() if self.first_response is not None else None,
            "met": self.met,
        }


@dataclass
class SimulationReport:
    overall: Figures
    by_category: dict[str, Figures]
    by_agent: dict[AgentId, AgentFigures]
    gini: float
    tickets: list[TicketOutcome] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "overall": self.overall.to_dict(),
            "by_category": {name: f.to_dict() for name, f in self.by_category.items()},
            "by_agent": [{"agent_id": agent_id} | f.to_dict() for agent_id, f in self.by_agent.items()],
            "gini": self.gini,
            "tickets": [t.to_dict() for t in self.tickets],
        }


def gini(values: Sequence[float]) -> float:
    """Gini coefficient: mean absolute difference over all pairs / (2 * mean); 0 for none."""
    n = len(values)
    total = sum(values)
    if n == 0 or total == 0:
        return 0.0
    ordered = sorted(values)
    # sum over pairs |xi - xj| = 2 * sum_i (2i - n + 1) * x_(i), with x sorted ascending
    weighted = sum((2 * i - n + 1) * x for i, x in enumerate(ordered))
    return 2 * weighted / (2 * n * total)


UNCATEGORISED = "uncategorised"


def simulate(tickets: Iterable[HistoricTicket], rules: RuleSet, roster: Iterable[AgentState], *,
             policies: Mapping[str, FirstResponseTarget], calendars: Mapping[str, Any],
             handling_times: Mapping[str, timedelta] | None = None,
             default_handling_time: timedelta = timedelta(minutes=15),
             contact_centre=None, shift_margin: timedelta = DEFAULT_SHIFT_MARGIN) -> SimulationReport:
    """Replay ``tickets`` through ``rules`` and ``roster``; see the module docstring."""
    for name, policy in policies.items():
        if policy.calendar not in calendars:
            raise ValueError(f"SLA policy {name!r} uses calendar {policy.calendar!r}, which is not given")
    return _Simulation(rules, roster, policies, calendars, dict(handling_times or {}),
                       default_handling_time, contact_centre, shift_margin).run(tickets)


class _Simulation:
    def __init__(self, rules, roster, policies, calendars, handling_times, default_handling,
                 contact_centre, shift_margin):
        self.rules = rules
        agents = [replace(a, load={}, presence="available", last_assigned_at=None) for a in roster]
        self.roster = Roster(agents)
        self.policies, self.calendars = policies, calendars
        self.handling_times, self.default_handling = handling_times, default_handling
        self.contact_centre, self.shift_margin = contact_centre, shift_margin
        self.events: list[tuple[datetime, int, str, Any]] = []
        self.sequence = 0
        self.waiting: dict[Any, TicketFacts] = {}
        self.work: dict[Any, HistoricTicket] = {}
        self.outcomes: dict[Any, TicketOutcome] = {}
        self.queues: dict[AgentId, list[Any]] = {a.id: [] for a in agents}
        self.busy_until: dict[AgentId, datetime | None] = {a.id: None for a in agents}
        self.agent_figures = {a.id: AgentFigures() for a in agents}
        self.retries: set[datetime] = set()
        self.horizon: datetime | None = None

    def push(self, at: datetime, kind: str, payload: Any) -> None:
        self.sequence += 1
        heapq.heappush(self.events, (at, self.sequence, kind, payload))

    def run(self, tickets: Iterable[HistoricTicket]) -> SimulationReport:
        order = []
        for ticket in tickets:
            order.append(ticket.facts.id)
            self.work[ticket.facts.id] = ticket
            self.push(ticket.facts.created_at, "arrive", ticket.facts.id)
        if self.events:
            self.horizon = max(e[0] for e in self.events) + RETRY_HORIZON
        while self.events:
            at, _, kind, payload = heapq.heappop(self.events)
            if kind == "arrive":
                self.arrive(self.work[payload].facts, at)
            elif kind == "finish":
                self.finish(payload, at)
            else:
                self.retries.discard(at)
                self.hand_out(at)
        return self.report([self.outcomes[ticket_id] for ticket_id in order])

    def arrive(self, facts: TicketFacts, now: datetime) -> None:
        facts = replace(facts, assignee_id=None, pinned_agent_id=None)
        decision = decide(facts, self.rules, self.roster, now, contact_centre=self.contact_centre,
                          shift_margin=self.shift_margin)
        policy = self.policies.get(decision.sla_policy) if decision.sla_policy else None
        due = self.calendars[policy.calendar].add(facts.created_at, policy.target) if policy else None
        routed = replace(facts, category=decision.category, team=decision.team,
                         priority=decision.priority, sla_due_at=due)
        self.outcomes[facts.id] = TicketOutcome(facts.id, decision.category, decision.team,
                                                decision.sla_policy)
        self.work[facts.id] = replace(self.work[facts.id], facts=routed)
        if decision.assignee_id is None:
            self.waiting[facts.id] = routed
            self.schedule_retry(routed.team, now)
        else:
            self.take(decision.assignee_id, facts.id, now)

    def take(self, agent_id: AgentId, ticket_id: Any, now: datetime) -> None:
        facts = self.work[ticket_id].facts
        self.roster.record_assignment(agent_id, facts.channel, now)
        self.outcomes[ticket_id].assignee_id = agent_id
        figures = self.agent_figures[agent_id]
        figures.peak_load = max(figures.peak_load, sum(self.roster.load[agent_id].values()))
        self.queues[agent_id].append(ticket_id)
        if self.busy_until[agent_id] is None:
            self.start_next(agent_id, now)

    def start_next(self, agent_id: AgentId, now: datetime) -> None:
        if not self.queues[agent_id]:
            self.busy_until[agent_id] = None
            return
        ticket = self.work[self.queues[agent_id][0]]
        handling = ticket.handling_time or self.handling_times.get(ticket.facts.category,
                                                                   self.default_handling)
        shift = self.roster.agents[agent_id].shift
        done = now + handling if shift is None else shift.add(now, handling)
        self.agent_figures[agent_id].busy += handling
        self.busy_until[agent_id] = done
        self.push(done, "finish", agent_id)

    def finish(self, agent_id: AgentId, now: datetime) -> None:
        ticket_id = self.queues[agent_id].pop(0)
        facts = self.work[ticket_id].facts
        self.roster.record_release(agent_id, facts.channel)
        outcome = self.outcomes[ticket_id]
        outcome.first_response_at = now
        policy = self.policies.get(outcome.sla_policy) if outcome.sla_policy else None
        calendar = self.calendars[policy.calendar] if policy else None
        outcome.first_response = calendar.elapsed(facts.created_at, now) if calendar else now - facts.created_at
        if policy:
            outcome.met = outcome.first_response <= policy.target
        self.start_next(agent_id, now)
        self.hand_out(now)

    def hand_out(self, now: datetime) -> None:
        if not self.waiting:
            return
        for assignment in distribute(self.waiting.values(), self.roster, now,
                                     shift_margin=self.shift_margin):
            if assignment.assignee_id is not None:
                del self.waiting[assignment.ticket_id]
                self.take(assignment.assignee_id, assignment.ticket_id, now)
            else:
                self.schedule_retry(assignment.team, now)

    def schedule_retry(self, team: str, now: datetime) -> None:
        """Try the team's queue again when the next of its agents' shifts begins."""
        starts = []
        for agent in self.roster.by_team.get(team, []):
            if agent.shift is None:
                continue
            try:
                end = agent.shift.next_close(now)
                starts.append(agent.shift.next_open(end if end is not None else now))
            except CalendarError:
                continue
        later = [t for t in starts if now < t <= self.horizon]
        if later:
            at = min(later)
            if at not in self.retries:
                self.retries.add(at)
                self.push(at, "retry", team)

    def report(self, outcomes: list[TicketOutcome]) -> SimulationReport:
        overall = Figures()
        by_category: dict[str, Figures] = {}
        for outcome in outcomes:
            groups = [overall, by_category.setdefault(outcome.category or UNCATEGORISED, Figures())]
            if outcome.assignee_id is not None:
                groups.append(self.agent_figures[outcome.assignee_id])
            has_target = outcome.sla_policy in self.policies
            for figures in groups:
                figures.tickets += 1
                figures.assigned += outcome.assignee_id is not None
                if outcome.first_response is not None:
                    figures.answered += 1
                    figures.response_total += outcome.first_response
                figures.with_target += has_target
                figures.met += bool(outcome.met)
        return SimulationReport(
            overall=overall,
            by_category=by_category,
            by_agent=self.agent_figures,
            gini=gini([f.assigned for f in self.agent_figures.values()]),
            tickets=outcomes,
        )
