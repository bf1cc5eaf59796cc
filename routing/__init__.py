"""The routing engine: rules, classification, agent selection, decision traces, simulation.

Plain Python: takes dataclasses, returns dataclasses; imports only ``schedules``.

Typical use by the helpdesk::

    rules = RuleSet.from_dict(stored_json)          # validate_rules(...) before saving
    roster = Roster(AgentState(...) for each agent)
    decision = decide(TicketFacts(...), rules, roster, now)
    decision.category, decision.priority, decision.team, decision.tags,
    decision.sla_policy, decision.assignee_id       # apply in one transaction
    decision.to_dict()                              # store/show as the ticket's "routing"

    distribute(waiting_tickets, roster, now)        # an agent became free
    stale_assignments(open_assignments, roster, now)  # periodic sweep: tickets to requeue
    simulate(history, draft_rules, draft_roster, policies=..., calendars=...)  # preview
"""
from routing.assignment import (
    Assignment, Candidate, OpenAssignment, Requeue, assign, distribute, stale_assignments,
)
from routing.decision import Decision, decide
from routing.facts import AgentState, Roster, TicketFacts
from routing.rules import RuleSet, RuleSetError, validate_rules
from routing.simulation import (
    FirstResponseTarget, HistoricTicket, SimulationReport, gini, simulate,
)
from routing.text import fold, normalise_line

__all__ = [
    "AgentState", "Assignment", "Candidate", "Decision", "OpenAssignment", "Requeue", "Roster",
    "FirstResponseTarget", "HistoricTicket", "RuleSet", "RuleSetError", "SimulationReport",
    "TicketFacts", "assign", "decide", "distribute", "fold", "gini", "normalise_line",
    "simulate", "stale_assignments", "validate_rules",
]
