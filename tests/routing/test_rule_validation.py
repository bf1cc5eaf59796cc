import copy

import pytest

from routing import validate_rules
from routing.defaults import CATEGORIES, SLA_POLICIES, TEAMS

VALID = {
    "mode": "all",
    "default_team": "obsluga-klienta",
    "rules": [{
        "id": "payments", "name": "Płatności", "enabled": True, "stop": False,
        "conditions": [{"field": "text", "op": "contains_any", "value": ["rata", "spłat*"]},
                       {"field": "channel", "op": "in", "value": ["email", "webform"]}],
        "actions": {"category": "payment-problems", "team": "obsluga-klienta", "priority": "high",
                    "tags": ["platnosci"], "sla_policy": "email-first-response"},
    }],
}


def check(data):
    return validate_rules(data, categories=CATEGORIES, teams=TEAMS, sla_policies=SLA_POLICIES)


def with_rule(**changes):
    data = copy.deepcopy(VALID)
    data["rules"][0].update(changes)
    return data


def with_condition(condition):
    return with_rule(conditions=[condition])


def test_a_valid_rule_set_has_no_errors():
    assert check(VALID) == []


@pytest.mark.parametrize("data, expected", [
    (with_rule(actions={"category": "new-loans"}), "rule 'payments': unknown category 'new-loans'"),
    (with_rule(actions={"team": "windykacja"}), "rule 'payments': unknown team 'windykacja'"),
    (with_rule(actions={"sla_policy": "same-day"}), "rule 'payments': unknown SLA policy 'same-day'"),
    (with_rule(actions={"priority": "critical"}), "rule 'payments': unknown priority 'critical'"),
    (with_rule(actions={"assign_to": 7}), "rule 'payments': unknown action 'assign_to'"),
    (with_rule(actions={"tags": "vip"}), "rule 'payments': tags must be a list of words"),
    (with_rule(actions={}), "rule 'payments': actions must set at least one of"),
    (with_rule(colour="red"), "rule 'payments': unknown field 'colour'"),
    (with_rule(enabled="yes"), "rule 'payments': enabled must be true or false"),
    (with_condition({"field": "mood", "op": "is", "value": "angry"}),
     "rule 'payments' condition 1: unknown field 'mood'"),
    (with_condition({"field": "text", "op": "equals", "value": ["rata"]}),
     "rule 'payments' condition 1: unknown operator 'equals' for text"),
    (with_condition({"field": "text", "op": "matches", "value": "rat[a-"}),
     "rule 'payments' condition 1: bad regular expression 'rat[a-'"),
    (with_condition({"field": "text", "op": "contains_any", "value": []}),
     "rule 'payments' condition 1: contains_any needs a non-empty list"),
    (with_condition({"field": "text", "op": "contains_any", "value": ["!!!"]}),
     "rule 'payments' condition 1: '!!!' has no letters or digits"),
    (with_condition({"field": "channel", "op": "is", "value": "fax"}),
     "rule 'payments' condition 1: unknown channel 'fax'"),
    (with_condition({"field": "line", "op": "is", "value": "infolinia"}),
     "rule 'payments' condition 1: line 'infolinia' is neither a phone number nor an e-mail"),
    (with_condition({"field": "form_category", "op": "is", "value": "new-loans"}),
     "rule 'payments' condition 1: unknown category 'new-loans'"),
    (with_condition({"field": "customer.days_past_due", "op": "gt", "value": "30"}),
     "rule 'payments' condition 1: customer.days_past_due gt needs a number"),
    (with_condition({"field": "customer.vip flag", "op": "is", "value": True}),
     "rule 'payments' condition 1: 'customer.vip flag' is not a customer attribute name"),
    (with_condition({"field": "contact_centre_open", "op": "is", "value": "yes"}),
     "rule 'payments' condition 1: contact_centre_open must be compared with true or false"),
])
def test_each_problem_is_named_with_its_rule(data, expected):
    errors = check(data)
    assert any(e.startswith(expected) for e in errors), errors


def test_rule_set_level_problems():
    errors = check({"mode": "best", "default_team": "sprzedaz", "rules": "none"})
    assert "rule set: mode must be one of first, all, not 'best'" in errors
    assert "rule set: unknown default team 'sprzedaz'" in errors
    assert "rule set: rules must be a list" in errors
    assert check([]) == ["the rule set must be an object with mode, default_team and rules"]


def test_ids_are_required_and_unique():
    data = copy.deepcopy(VALID)
    data["rules"].append(copy.deepcopy(VALID["rules"][0]))
    data["rules"].append(dict(copy.deepcopy(VALID["rules"][0]), id=""))
    errors = check(data)
    assert "rule 'payments': the id is used by another rule" in errors
    assert "rule #3: id is required" in errors


def test_every_problem_is_reported_not_only_the_first():
    data = with_rule(conditions=[{"field": "mood", "op": "is", "value": "x"}],
                     actions={"category": "nope", "team": "nope"})
    assert len(check(data)) == 3
