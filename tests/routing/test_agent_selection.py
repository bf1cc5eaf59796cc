import json
from datetime import timedelta

import pytest

from routing import Roster, RuleSet, assign, decide
from routing.defaults import default_rules
from schedules import Calendar
from tests.routing.factories import TUESDAY_10, make_agent, make_ticket, shift, warsaw

MORNING = shift("morning", "06:00-14:00")
LATE = shift("late", "14:00-22:00")
ENDS_AT_10_10 = shift("short", "06:00-10:10")


def only(agent, **ticket_facts):
    return assign(make_ticket(**ticket_facts), Roster([agent]), TUESDAY_10)


def test_an_eligible_agent_gets_the_ticket():
    result = only(make_agent(1, shift=MORNING))
    assert (result.status, result.assignee_id) == ("assigned", 1)
    assert result.candidates[0].eligible
    assert result.candidates[0].shift_ends_at == warsaw(2026, 3, 10, 14)


@pytest.mark.parametrize("overrides, reason", [
    ({"skills": {"technical-support"}}, "skill"),
    ({"languages": {"en"}}, "language"),
    ({"shift": LATE}, "shift"),
    ({"shift": ENDS_AT_10_10}, "shift_ending"),
    ({"presence": "away"}, "presence"),
    ({"presence": "offline"}, "presence"),
    ({"load": {"email": 5}}, "capacity"),
    ({"capacity": {"phone": 2}}, "capacity"),  # takes no e-mail at all
])
def test_each_reason_an_agent_is_not_eligible(overrides, reason):
    result = only(make_agent(1, **overrides))
    assert result.assignee_id is None
    assert result.status == "queued"
    assert result.candidates[0].reasons == [reason]


def test_an_agent_of_another_team_is_listed_as_not_in_team():
    result = only(make_agent(1, teams={"wsparcie-techniczne"}))
    assert result.candidates == []
    assert result.not_in_team == [1]
    assert result.assignee_id is None


def test_all_reasons_are_given_at_once():
    result = only(make_agent(1, languages={"en"}, presence="away", load={"email": 9}))
    assert result.candidates[0].reasons == ["language", "presence", "capacity"]


def test_a_ticket_without_category_needs_no_skill():
    assert only(make_agent(1, skills=set()), category=None).assignee_id == 1


def test_the_shift_margin_is_configurable():
    roster = Roster([make_agent(1, shift=ENDS_AT_10_10)])
    ticket = make_ticket()
    assert assign(ticket, roster, TUESDAY_10, shift_margin=timedelta(minutes=5)).assignee_id == 1
    assert assign(ticket, roster, TUESDAY_10, shift_margin=timedelta(minutes=15)).assignee_id is None


def test_a_shift_without_an_end_in_sight_counts_as_on():
    always = Calendar.from_dict({"name": "always", "holidays_closed": False,
                                 "hours": {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}})
    result = only(make_agent(1, shift=always))
    assert result.assignee_id == 1
    assert result.candidates[0].shift_ends_at is None


def test_least_loaded_by_share_of_capacity_not_by_count():
    part_timer = make_agent(1, capacity={"email": 4}, load={"email": 2})   # 50 %
    full_timer = make_agent(2, capacity={"email": 10}, load={"email": 3})  # 30 %
    result = assign(make_ticket(), Roster([part_timer, full_timer]), TUESDAY_10)
    assert result.assignee_id == 2
    assert result.tie_break == "lowest_load"
    assert [c.to_dict()["score"] for c in result.candidates] == [0.5, 0.3]


def test_equal_load_goes_to_the_longest_waiting_and_never_assigned_counts_as_longest():
    recent = make_agent(1, last_assigned_at=warsaw(2026, 3, 10, 9, 50))
    earlier = make_agent(2, last_assigned_at=warsaw(2026, 3, 10, 8, 0))
    never = make_agent(3)
    result = assign(make_ticket(), Roster([recent, earlier, never]), TUESDAY_10)
    assert (result.assignee_id, result.tie_break) == (3, "longest_since_last_assignment")
    result = assign(make_ticket(), Roster([recent, earlier]), TUESDAY_10)
    assert (result.assignee_id, result.tie_break) == (2, "longest_since_last_assignment")


def test_a_full_tie_goes_to_the_lowest_id():
    result = assign(make_ticket(), Roster([make_agent(12), make_agent(7), make_agent(9)]), TUESDAY_10)
    assert (result.assignee_id, result.tie_break) == (7, "agent_id")


def test_a_single_eligible_agent_needs_no_tie_break():
    result = assign(make_ticket(), Roster([make_agent(1), make_agent(2, presence="away")]), TUESDAY_10)
    assert (result.assignee_id, result.tie_break) == (1, None)


def test_a_pinned_ticket_stays_with_its_agent_even_when_they_are_away():
    roster = Roster([make_agent(1, presence="offline"), make_agent(2)])
    decision = decide(make_ticket(pinned_agent_id=1, assignee_id=1, body="reklamacja"),
                      RuleSet.from_dict(default_rules()), roster, TUESDAY_10)
    assert decision.assignee_id == 1
    assert decision.pinned
    assert decision.category == "complaints"
    assert decision.to_dict()["trace"]["assignment"]["status"] == "pinned"


def test_the_current_assignee_keeps_the_ticket_while_eligible_even_at_full_capacity():
    busy = make_agent(1, capacity={"email": 2}, load={"email": 2}, last_assigned_at=TUESDAY_10)
    idle = make_agent(2, languages={"pl", "en"})
    result = assign(make_ticket(assignee_id=1), Roster([busy, idle]), TUESDAY_10)
    assert (result.status, result.assignee_id) == ("kept", 1)
    result = assign(make_ticket(assignee_id=1, language="en"), Roster([busy, idle]), TUESDAY_10)
    assert (result.status, result.assignee_id) == ("assigned", 2)


def test_decision_to_dict_is_json_and_explains_why_and_why_not():
    rules = RuleSet.from_dict(default_rules())
    roster = [make_agent(1, teams={"wsparcie-techniczne"}, skills={"technical-support"}),
              make_agent(2, teams={"wsparcie-techniczne"}, skills={"technical-support"},
                         presence="away"),
              make_agent(3)]
    ticket = make_ticket(category=None, team=None, subject="Logowanie",
                         body="Nie mogę się zalogować, konto jest zablokowane. Pilne!")
    data = json.loads(json.dumps(decide(ticket, rules, roster, TUESDAY_10).to_dict()))
    assert data["assignee_id"] == 1
    assert (data["category"], data["team"], data["priority"]) == (
        "technical-support", "wsparcie-techniczne", "high")
    assert data["sla_policy"] == "email-first-response"
    assert [r["rule_id"] for r in data["trace"]["rules"]] == [
        "sla-written", "text-technical-support", "urgent-words"]
    assignment = data["trace"]["assignment"]
    assert assignment["not_in_team"] == [3]
    assert {c["agent_id"]: c["reasons"] for c in assignment["candidates"]} == {1: [], 2: ["presence"]}
    assert assignment["tie_break"] is None
