"""Ticket, agent and shift factories for the routing tests."""
from datetime import datetime
from zoneinfo import ZoneInfo

from routing import AgentState, TicketFacts
from schedules import Calendar

WARSAW = ZoneInfo("Europe/Warsaw")


def warsaw(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW)


# Tuesday 10 March 2026, 10:00 in Warsaw: an ordinary working morning.
TUESDAY_10 = warsaw(2026, 3, 10, 10)


def shift(name, hours, days=("mon", "tue", "wed", "thu", "fri")):
    """An agent's shift pattern as a real schedules calendar."""
    return Calendar.from_dict({"name": name, "hours": {day: [hours] for day in days}})


def make_agent(agent_id, **overrides):
    values = dict(teams={"obsluga-klienta"}, skills={"payment-problems", "loan-terms"},
                  languages={"pl"}, capacity={"email": 5, "phone": 1, "webform": 5}, load={},
                  presence="available", shift=None, last_assigned_at=None)
    values.update(overrides)
    return AgentState(id=agent_id, **values)


def make_ticket(ticket_id=1, **overrides):
    values = dict(channel="email", created_at=TUESDAY_10, team="obsluga-klienta",
                  category="payment-problems", language="pl")
    values.update(overrides)
    return TicketFacts(id=ticket_id, **values)
