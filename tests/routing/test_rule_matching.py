import json

import pytest

import schedules
from routing import RuleSet, RuleSetError, decide
from tests.routing.factories import make_ticket, warsaw


def rule(rule_id, conditions, actions, **extra):
    return {"id": rule_id, "name": rule_id, "conditions": conditions, "actions": actions, **extra}


def rule_set(*rules, mode="first", **extra):
    return RuleSet.from_dict({"mode": mode, "default_team": "obsluga-klienta", "rules": list(rules),
                              **extra})


def cond(field, op, value):
    return {"field": field, "op": op, "value": value}


def matches(condition, ticket):
    rules = rule_set(rule("r", [condition], {"tags": ["hit"]}))
    return rules.classify(ticket, lambda: True).tags == ["hit"]


def email(subject="", body="", **extra):
    return make_ticket(subject=subject, body=body, **{"team": None, "category": None, **extra})


@pytest.mark.parametrize("keyword, text, expected", [
    ("płatność", "Mam problem, PLATNOSC nie przeszła", True),
    ("platnosc", "Płatność odrzucona przez bank", True),
    ("płatność", "Płatności nie widzę na koncie", False),  # whole words only
    ("płatnoś*", "Płatności nie widzę na koncie", True),
    ("zalogować", "nie moge sie ZALOGOWAC od wczoraj", True),
    ("łódź", "Oddział w Lodzi? Nie, w Łodzi", False),
    ("rat", "Proszę o ratunek", False),
    ("nie mogę się zalogować", "Dzień dobry,\nnie mogę się\nzalogować!!! Co robić?", True),
    ("nie mogę się zalogować", "nie mogę się dziś zalogować", False),
    ("zapomniał* hasła", "Zapomniałam hasła do Strefy Klienta", True),
    ("harmonogram spłaty", "Proszę o nowy harmonogram spłaty.", True),
])
def test_words_and_phrases_ignore_case_diacritics_and_punctuation(keyword, text, expected):
    assert matches(cond("text", "contains_any", [keyword]), email(body=text)) is expected


def test_subject_body_and_text_are_separate_fields():
    ticket = email(subject="Reklamacja", body="Opłata naliczona dwukrotnie")
    assert matches(cond("subject", "contains_any", ["reklamacja"]), ticket)
    assert not matches(cond("body", "contains_any", ["reklamacja"]), ticket)
    assert matches(cond("text", "contains_all", ["reklamacja", "opłata"]), ticket)
    assert not matches(cond("text", "contains_all", ["reklamacja", "odsetki"]), ticket)
    assert matches(cond("text", "not_contains_any", ["odsetki", "prowizja"]), ticket)
    assert not matches(cond("text", "not_contains_any", ["odsetki", "opłata"]), ticket)


def test_regular_expressions_search_text_without_diacritics_keeping_punctuation():
    ticket = email(body="Dotyczy umowy nr PŻ/2025/00417, proszę o zaświadczenie.")
    assert matches(cond("body", "matches", r"pż/\d{4}/\d+"), ticket)
    assert matches(cond("body", "matches", r"PZ/2025/"), ticket)
    assert not matches(cond("body", "matches", r"pz/\d{5}"), ticket)


@pytest.mark.parametrize("field, op, value, expected", [
    ("channel", "is", "email", True),
    ("channel", "in", ["phone", "webform"], False),
    ("channel", "not_in", ["phone"], True),
    ("language", "is", "en", False),
    ("language", "in", ["pl", "uk"], True),
    ("form_category", "is", "loan-terms", True),
    ("form_category", "not_in", ["loan-terms"], False),
])
def test_choice_fields(field, op, value, expected):
    assert matches(cond(field, op, value), email(form_category="loan-terms")) is expected


@pytest.mark.parametrize("rule_line, ticket_line, expected", [
    ("22 206 21 21", "+48 22 206 21 21", True),
    ("22 206 21 21", "+48222062121", True),
    ("22 206 21 21", "660 600 700", False),
    ("660 600 700", "0048660600700", True),
    ("bok@firma.pl", "Obsługa <BOK@firma.pl>", True),
])
def test_lines_compare_in_normalised_form(rule_line, ticket_line, expected):
    ticket = make_ticket(channel="phone", line=ticket_line)
    assert matches(cond("line", "is", rule_line), ticket) is expected


@pytest.mark.parametrize("condition, customer, expected", [
    (cond("customer.vip", "is", True), {"vip": True}, True),
    (cond("customer.vip", "is", True), {}, False),
    (cond("customer.vip", "is", False), {}, True),
    (cond("customer.vip", "is_not", True), {"vip": False}, True),
    (cond("customer.segment", "in", ["gold", "platinum"]), {"segment": "gold"}, True),
    (cond("customer.segment", "not_in", ["gold"]), {"segment": "gold"}, False),
    (cond("customer.days_past_due", "gte", 30), {"days_past_due": 45}, True),
    (cond("customer.days_past_due", "gte", 30), {"days_past_due": 29}, False),
    (cond("customer.days_past_due", "lt", 30), {}, False),
    (cond("customer.days_past_due", "lt", 30), {"days_past_due": "none"}, False),
])
def test_customer_attributes(condition, customer, expected):
    assert matches(condition, email(customer=customer)) is expected


@pytest.mark.parametrize("created_at, is_open", [
    (warsaw(2026, 3, 10, 21, 30), True),   # Tuesday evening, open until 22:00
    (warsaw(2026, 3, 10, 22, 30), False),  # Tuesday after closing
    (warsaw(2026, 3, 15, 12, 0), False),   # an ordinary Sunday
    (warsaw(2026, 4, 6, 12, 0), False),    # Easter Monday
])
def test_contact_centre_open_uses_the_contact_centre_calendar_at_contact_time(created_at, is_open):
    rules = rule_set(rule("open", [cond("contact_centre_open", "is", True)], {"tags": ["open"]}),
                     rule("closed", [cond("contact_centre_open", "is", False)], {"tags": ["closed"]}),
                     mode="all")
    ticket = make_ticket(channel="phone", created_at=created_at)
    decision = decide(ticket, rules, [], created_at,
                      contact_centre=schedules.builtin("contact-centre"))
    assert decision.tags == (["open"] if is_open else ["closed"])
    assert decide(ticket, rules, [], created_at).tags == decision.tags  # built-in by default


FIRST_THEN_ALL = [
    rule("payments", [cond("text", "contains_any", ["rata"])],
         {"category": "payment-problems", "team": "obsluga-klienta", "tags": ["platnosci"]}),
    rule("urgent", [cond("text", "contains_any", ["pilne"])],
         {"priority": "high", "tags": ["pilne", "platnosci"]}),
    rule("complaint", [cond("text", "contains_any", ["reklamacja"])],
         {"category": "complaints", "tags": ["reklamacja"]}),
]
TEXT = "PILNE: reklamacja - rata pobrana dwa razy"


def test_mode_first_stops_at_the_first_matching_rule():
    result = rule_set(*FIRST_THEN_ALL, mode="first").classify(email(body=TEXT), lambda: True)
    assert [m.rule_id for m in result.matched] == ["payments"]
    assert (result.category, result.priority, result.tags) == ("payment-problems", "normal", ["platnosci"])


def test_mode_all_overrides_scalars_in_order_and_unites_tags():
    result = rule_set(*FIRST_THEN_ALL, mode="all").classify(email(body=TEXT), lambda: True)
    assert [m.rule_id for m in result.matched] == ["payments", "urgent", "complaint"]
    assert result.category == "complaints"
    assert result.priority == "high"
    assert result.team == "obsluga-klienta"
    assert result.tags == ["platnosci", "pilne", "reklamacja"]


def test_stop_flag_ends_mode_all_early():
    rules = [dict(FIRST_THEN_ALL[0]), dict(FIRST_THEN_ALL[1], stop=True), dict(FIRST_THEN_ALL[2])]
    result = rule_set(*rules, mode="all").classify(email(body=TEXT), lambda: True)
    assert [m.rule_id for m in result.matched] == ["payments", "urgent"]
    assert result.category == "payment-problems"


def test_disabled_rules_are_skipped():
    rules = [dict(FIRST_THEN_ALL[0], enabled=False), *FIRST_THEN_ALL[1:]]
    result = rule_set(*rules, mode="first").classify(email(body=TEXT), lambda: True)
    assert [m.rule_id for m in result.matched] == ["urgent"]


def test_a_ticket_matching_no_rule_gets_the_default_team_and_the_trace_says_so():
    result = rule_set(*FIRST_THEN_ALL, default_sla_policy="email-first-response").classify(
        email(body="Dzień dobry, proszę o kontakt."), lambda: True)
    assert result.matched == []
    assert result.team == "obsluga-klienta"
    assert result.priority == "normal"
    assert result.sla_policy == "email-first-response"
    assert "no rule matched" in result.notes
    assert "no rule set a team; default team obsluga-klienta" in result.notes


def test_values_no_rule_sets_keep_the_tickets_own():
    ticket = email(body="rata", category="loan-terms", priority="low", team="wsparcie-techniczne")
    result = rule_set(rule("tag", [cond("text", "contains_any", ["rata"])], {"tags": ["x"]})).classify(
        ticket, lambda: True)
    assert (result.category, result.priority, result.team) == ("loan-terms", "low", "wsparcie-techniczne")
    assert result.notes == ["no rule set a team; kept team wsparcie-techniczne"]


def test_rule_set_round_trips_through_json():
    original = rule_set(*FIRST_THEN_ALL, mode="all", default_sla_policy="email-first-response")
    again = RuleSet.from_dict(json.loads(json.dumps(original.to_dict())))
    assert again.to_dict() == original.to_dict()
    ticket = email(body=TEXT)
    assert again.classify(ticket, lambda: True) == original.classify(ticket, lambda: True)


def test_from_dict_refuses_a_broken_rule_set_naming_the_problems():
    with pytest.raises(RuleSetError) as caught:
        RuleSet.from_dict({"mode": "sometimes", "default_team": "obsluga-klienta",
                           "rules": [rule("bad", [cond("text", "matches", "(")], {"tags": ["x"]})]})
    assert any("mode" in e for e in caught.value.errors)
    assert any("'bad'" in e and "regular expression" in e for e in caught.value.errors)
