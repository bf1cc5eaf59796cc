"""The routing engine: rules, classification, agent selection, decision traces, simulation.

Plain Python: takes dataclasses, returns dataclasses; imports only ``schedules``.
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
