import json
from datetime import timedelta

import pytest

import schedules
from routing import FirstResponseTarget, HistoricTicket, RuleSet, gini, simulate
from routing.defaults import default_first_response_targets, default_rules
from tests.routing.factories import make_agent, make_ticket, shift, warsaw

CALENDARS = {name: schedules.builtin(name) for name in ("working-days", "contact-centre")}
RULES = RuleSet.from_dict({"mode": "first", "default_team": "obsluga-klienta", "rules": [
    {"id": "phone", "conditions": [{"field": "channel", "op": "is", "value": "phone"}],
     "actions": {"category": "payment-problems", "sla_policy": "phone-callback"}},
    {"id": "payments", "conditions": [{"field": "text", "op": "contains_any", "value": ["rata", "ratę"]}],
     "actions": {"category": "payment-problems", "sla_policy": "email-first-response"}},
    {"id": "technical", "conditions": [{"field": "text", "op": "contains_any", "value": ["hasł*"]}],
     "actions": {"category": "technical-support", "team": "wsparcie-techniczne",
                 "sla_policy": "email-first-response"}},
]})


def policies(email_target):
    return {"email-first-response": FirstResponseTarget("working-days", email_target),
            "phone-callback": FirstResponseTarget("contact-centre", timedelta(hours=2))}


def historic(ticket_id, created_at, body="Pytanie o ratę", handling_time=None, **facts):
    return HistoricTicket(make_ticket(ticket_id, created_at=created_at, body=body,
                                      **{"team": None, "category": None, **facts}), handling_time)


@pytest.mark.parametrize("values, expected", [
    ([5, 5, 5, 5], 0.0),
    ([0, 0, 0, 4], 0.75),   # ordered pairs' |differences| 24 / (2 * 4^2 * mean 1)
    ([1, 2, 3, 4], 0.25),   # 20 / (2 * 16 * 2.5)
    ([2, 2, 0], 1 / 3),     # 8 / (2 * 9 * 4/3)
    ([], 0.0),
    ([0, 0], 0.0),
])
def test_gini_on_distributions_computed_by_hand(values, expected):
    assert gini(values) == pytest.approx(expected)


TUESDAY_10 = warsaw(2026, 3, 10, 10)


def four_at_once():
    return [historic(i, TUESDAY_10) for i in range(1, 5)]


def test_agents_answer_their_tickets_one_after_another():
    roster = [make_agent(1), make_agent(2), make_agent(3, teams={"wsparcie-techniczne"})]
    report = simulate(four_at_once(), RULES, roster, policies=policies(timedelta(minutes=90)),
                      calendars=CALENDARS, handling_times={"payment-problems": timedelta(hours=1)})
    # 1 -> agent 1, 2 -> agent 2 (less loaded), 3 -> agent 1 (tie on load and time, lower id),
    # 4 -> agent 2; each answers in order: responses after 1 h, 1 h, 2 h, 2 h.
    assert [(t.ticket_id, t.assignee_id) for t in report.tickets] == [(1, 1), (2, 2), (3, 1), (4, 2)]
    assert [t.first_response for t in report.tickets] == [timedelta(hours=h) for h in (1, 1, 2, 2)]
    assert [t.met for t in report.tickets] == [True, True, False, False]
    assert report.overall.attainment == 0.5
    assert report.overall.mean_first_response == timedelta(minutes=90)
    assert report.by_category["payment-problems"].met == 2
    assert (report.by_agent[1].assigned, report.by_agent[1].busy, report.by_agent[1].peak_load) == (
        2, timedelta(hours=2), 2)
    assert report.by_agent[3].assigned == 0
    assert report.gini == pytest.approx(1 / 3)


def test_a_ticket_s_known_handling_time_beats_the_category_assumption():
    tickets = [historic(1, TUESDAY_10, handling_time=timedelta(hours=3)), historic(2, TUESDAY_10)]
    report = simulate(tickets, RULES, [make_agent(1)], policies=policies(timedelta(hours=24)),
                      calendars=CALENDARS, default_handling_time=timedelta(minutes=20))
    assert [t.first_response for t in report.tickets] == [timedelta(hours=3), timedelta(minutes=200)]
    assert report.overall.attainment == 1.0


def test_queued_tickets_wait_for_the_next_shift_and_response_counts_in_policy_time():
    morning = make_agent(1, shift=shift("day", "08:00-16:00"))
    before_opening = historic(1, warsaw(2026, 3, 10, 7), channel="phone", line="660600700")
    near_shift_end = historic(2, warsaw(2026, 3, 10, 15, 50), channel="phone", line="660600700")
    report = simulate([before_opening, near_shift_end], RULES, [morning],
                      policies=policies(timedelta(hours=24)), calendars=CALENDARS,
                      handling_times={"payment-problems": timedelta(minutes=30)})
    first, second = report.tickets
    assert first.first_response_at == warsaw(2026, 3, 10, 8, 30)
    assert first.first_response == timedelta(minutes=30)  # the contact centre opens at 8:00
    assert first.met
    # Wednesday 8:00-8:30; on the contact-centre calendar 15:50-22:00 plus 30 minutes
    assert second.first_response_at == warsaw(2026, 3, 11, 8, 30)
    assert second.first_response == timedelta(hours=6, minutes=40)
    assert second.met is False


def test_a_ticket_nobody_can_take_is_unanswered_and_breached():
    report = simulate([historic(1, TUESDAY_10, body="Zapomniałem hasła")], RULES, [make_agent(1)],
                      policies=policies(timedelta(hours=24)), calendars=CALENDARS)
    outcome = report.tickets[0]
    assert (outcome.team, outcome.assignee_id, outcome.first_response) == ("wsparcie-techniczne", None, None)
    figures = report.by_category["technical-support"]
    assert (figures.tickets, figures.assigned, figures.answered, figures.with_target, figures.met) == (
        1, 0, 0, 1, 0)
    assert figures.attainment == 0.0
    assert report.gini == 0.0


def test_simulation_has_no_side_effects_and_reports_json():
    agent = make_agent(1, load={"email": 4}, presence="offline", last_assigned_at=TUESDAY_10)
    report = simulate(four_at_once(), RULES, [agent], policies=policies(timedelta(hours=24)),
                      calendars=CALENDARS)
    assert report.by_agent[1].assigned == 4  # simulated agents start present and unloaded
    assert (agent.load, agent.presence, agent.last_assigned_at) == ({"email": 4}, "offline", TUESDAY_10)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["by_agent"][0]["agent_id"] == 1
    assert data["overall"]["mean_first_response_seconds"] == (15 + 30 + 45 + 60) * 60 / 4


def test_a_policy_whose_calendar_is_missing_is_refused():
    with pytest.raises(ValueError, match="calendar 'working-days'"):
        simulate([], RULES, [], policies=policies(timedelta(hours=1)),
                 calendars={"contact-centre": CALENDARS["contact-centre"]})


def test_replaying_polish_mail_through_the_shipped_rules():
    texts = ["Nie mogę się zalogować do Strefy Klienta", "Proszę o harmonogram spłaty",
             "Składam reklamację opłaty", "Zapomniałam hasła", "Czy mój wniosek został rozpatrzony?"]
    tickets = [historic(i, TUESDAY_10 + timedelta(minutes=i), body=text) for i, text in enumerate(texts)]
    roster = [make_agent(1, skills={"payment-problems", "complaints", "application-status"}),
              make_agent(2, teams={"wsparcie-techniczne"}, skills={"technical-support"})]
    report = simulate(tickets, RuleSet.from_dict(default_rules()), roster,
                      policies=default_first_response_targets(), calendars=CALENDARS)
    assert {name: f.tickets for name, f in report.by_category.items()} == {
        "technical-support": 2, "payment-problems": 1, "complaints": 1, "application-status": 1}
    assert (report.by_agent[1].assigned, report.by_agent[2].assigned) == (3, 2)
    assert report.overall.attainment == 1.0
    assert report.gini == pytest.approx(0.1)  # |3-2| * 2 / (2 * 4 * 2.5)
