"""One routing decision for one ticket: classification by rules, then an agent."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

import schedules
from routing.assignment import DEFAULT_SHIFT_MARGIN, Assignment, assign
from routing.facts import AgentId, AgentState, Roster, TicketFacts
from routing.rules import Classification, RuleSet


@dataclass
class Decision:
    """What routing decided for a ticket, with the reasons (``to_dict`` is JSON-able)."""

    ticket_id: Any
    category: str | None
    priority: str
    team: str
    tags: list[str]
    sla_policy: str | None
    assignment: Assignment
    classification: Classification
    mode: str
    decided_at: datetime

    @property
    def assignee_id(self) -> AgentId | None:
        return self.assignment.assignee_id

    @property
    def pinned(self) -> bool:
        return self.assignment.status == "pinned"

    def to_dict(self) -> dict:
        return {
            "ticket_id": self.ticket_id,
            "category": self.category,
            "priority": self.priority,
            "team": self.team,
            "tags": list(self.tags),
            "sla_policy": self.sla_policy,
            "assignee_id": self.assignee_id,
            "pinned": self.pinned,
            "decided_at": self.decided_at.isoformat(),
            "trace": {
                "mode": self.mode,
                "rules": [m.to_dict() for m in self.classification.matched],
                "notes": list(self.classification.notes),
                "assignment": self.assignment.to_dict(),
            },
        }


def decide(ticket: TicketFacts, rules: RuleSet, roster: Roster | Iterable[AgentState],
           now: datetime, *, contact_centre=None,
           shift_margin: timedelta = DEFAULT_SHIFT_MARGIN) -> Decision:
    """Classify ``ticket`` with ``rules`` and choose an agent from ``roster`` at ``now``.

    ``contact_centre`` is the calendar for ``contact_centre_open`` conditions; when it is
    None and a rule needs it, the built-in "contact-centre" calendar is used. A pinned
    ticket keeps its pinned agent.
    """
    if not isinstance(roster, Roster):
        roster = Roster(roster)

    def contact_centre_open() -> bool:
        calendar = contact_centre if contact_centre is not None else schedules.builtin("contact-centre")
        return calendar.is_open(ticket.created_at)

    classification = rules.classify(ticket, contact_centre_open)
    assignment = assign(ticket, roster, now, team=classification.team,
                        category=classification.category, shift_margin=shift_margin)
    return Decision(
        ticket_id=ticket.id,
        category=classification.category,
        priority=classification.priority,
        team=classification.team,
        tags=classification.tags,
        sla_policy=classification.sla_policy,
        assignment=assignment,
        classification=classification,
        mode=rules.mode,
        decided_at=now,
    )
