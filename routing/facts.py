"""The plain facts routing works on: a ticket and the agents on the roster."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Union

AgentId = Union[int, str]

CHANNELS = ("email", "phone", "webform")
PRIORITIES = ("low", "normal", "high", "urgent")
PRESENCES = ("available", "away", "offline")


@dataclass
class TicketFacts:
    """What routing knows about one ticket. All instants are timezone-aware.

    ``category``, ``team`` and ``priority`` are the ticket's current values (empty for a
    new ticket); rules may replace them. ``line`` is the address or phone line the contact
    came to, in any spelling; ``customer`` holds the customer's attributes and flags
    (``{"vip": True, "in_arrears": True, "days_past_due": 3}``).
    """

    id: Any
    channel: str
    created_at: datetime
    line: str = ""
    subject: str = ""
    body: str = ""
    form_category: str | None = None
    customer: dict[str, Any] = field(default_factory=dict)
    language: str = "pl"
    category: str | None = None
    team: str | None = None
    priority: str | None = None
    sla_due_at: datetime | None = None
    pinned_agent_id: AgentId | None = None
    assignee_id: AgentId | None = None


@dataclass
class AgentState:
    """One agent as routing sees them right now.

    ``capacity`` and ``load`` count open tickets per channel; a channel missing from
    ``capacity`` means the agent takes no tickets of that channel. ``shift`` is a
    schedules calendar of the agent's shifts, or None for an agent who is always on.
    """

    id: AgentId
    teams: frozenset[str] | set[str] | tuple[str, ...] = ()
    skills: frozenset[str] | set[str] | tuple[str, ...] = ()
    languages: frozenset[str] | set[str] | tuple[str, ...] = ("pl",)
    capacity: dict[str, int] = field(default_factory=dict)
    load: dict[str, int] = field(default_factory=dict)
    presence: str = "available"
    shift: Any = None
    last_assigned_at: datetime | None = None


class Roster:
    """The agents routing may choose from, indexed by team.

    The roster keeps its own copy of each agent's load and last assignment time, so
    ``distribute`` and ``simulate`` can count what they hand out without touching the
    caller's ``AgentState`` values.
    """

    def __init__(self, agents: Iterable[AgentState]):
        self.agents: dict[AgentId, AgentState] = {}
        for agent in agents:
            if agent.id in self.agents:
                raise ValueError(f"agent {agent.id!r} is on the roster twice")
            self.agents[agent.id] = agent
        self.load: dict[AgentId, dict[str, int]] = {a.id: dict(a.load) for a in self.agents.values()}
        self.last_assigned_at: dict[AgentId, datetime | None] = {
            a.id: a.last_assigned_at for a in self.agents.values()
        }
        self.by_team: dict[str, list[AgentState]] = {}
        for agent in self.agents.values():
            for team in agent.teams:
                self.by_team.setdefault(team, []).append(agent)
        self._outside: dict[str | None, list[AgentId]] = {}

    def copy(self) -> "Roster":
        """A roster with the same agents and an independent copy of loads."""
        twin = Roster.__new__(Roster)
        twin.agents = self.agents
        twin.by_team = self.by_team
        twin._outside = self._outside
        twin.load = {agent_id: dict(load) for agent_id, load in self.load.items()}
        twin.last_assigned_at = dict(self.last_assigned_at)
        return twin

    def outside(self, team: str | None) -> list[AgentId]:
        """Ids of the agents not in ``team``, in roster order."""
        ids = self._outside.get(team)
        if ids is None:
            inside = {agent.id for agent in self.by_team.get(team, [])}
            ids = self._outside[team] = [a for a in self.agents if a not in inside]
        return ids

    def has_room(self) -> bool:
        """Whether any agent is available and under capacity in some channel: without one, no
        ticket can be handed out (whatever else an assignment asks)."""
        return any(agent.presence == "available" and any(self.load[agent.id].get(channel, 0) < capacity
                                                         for channel, capacity in agent.capacity.items())
                   for agent in self.agents.values())

    def record_assignment(self, agent_id: AgentId, channel: str, at: datetime) -> None:
        """Count one more open ticket of ``channel`` for the agent, assigned ``at``."""
        load = self.load[agent_id]
        load[channel] = load.get(channel, 0) + 1
        self.last_assigned_at[agent_id] = at

    def record_release(self, agent_id: AgentId, channel: str) -> None:
        """Count one open ticket of ``channel`` less for the agent."""
        load = self.load[agent_id]
        load[channel] = max(0, load.get(channel, 0) - 1)
