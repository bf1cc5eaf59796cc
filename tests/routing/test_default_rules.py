import pytest

from routing import RuleSet, decide, validate_rules
from routing.defaults import CATEGORIES, SLA_POLICIES, TEAMS, default_rules
from tests.routing.factories import make_ticket, warsaw

RULES = RuleSet.from_dict(default_rules())
OPEN_HOURS = warsaw(2026, 3, 10, 11)      # Tuesday 11:00
AFTER_HOURS = warsaw(2026, 3, 10, 23, 15)  # Tuesday 23:15


def route(body, subject="", channel="email", created_at=OPEN_HOURS, **facts):
    ticket = make_ticket(channel=channel, subject=subject, body=body, created_at=created_at,
                         **{"team": None, "category": None, **facts})
    return decide(ticket, RULES, [], created_at)


def test_the_shipped_rules_are_valid_against_the_seed_names():
    assert validate_rules(default_rules(), categories=CATEGORIES, teams=TEAMS,
                          sla_policies=SLA_POLICIES) == []


@pytest.mark.parametrize("subject, body, category, team", [
    ("Logowanie", "Dzień dobry, od wczoraj nie mogę się zalogować do Strefy Klienta, "
     "wyskakuje komunikat o błędnym haśle.", "technical-support", "wsparcie-techniczne"),
    ("", "Zapomniałem hasła, a link do resetu nie przychodzi na e-mail.",
     "technical-support", "wsparcie-techniczne"),
    ("Konto", "Moje konto jest zablokowane po kilku próbach logowania. Proszę o odblokowanie.",
     "technical-support", "wsparcie-techniczne"),
    ("Przelew weryfikacyjny", "Zrobiłam przelew weryfikacyjny 1 zł trzy dni temu i dalej nic.",
     "technical-support", "wsparcie-techniczne"),
    ("Rata", "Chciałbym zapytać, czy mogę zapłacić ratę kilka dni później.",
     "payment-problems", "obsluga-klienta"),
    ("", "Proszę o przesłanie aktualnego harmonogramu spłaty mojej pożyczki.",
     "payment-problems", "obsluga-klienta"),
    ("Zaległość", "Dostałem monit o zaległości, ale spłaciłem wszystko w terminie.",
     "payment-problems", "obsluga-klienta"),
    ("Odsetki", "Ile wynoszą odsetki przy wcześniejszej spłacie? Jakie jest RRSO?",
     "loan-terms", "obsluga-klienta"),
    ("Prolongata", "Czy jest możliwa prolongata mojej pożyczki o 30 dni?",
     "loan-terms", "obsluga-klienta"),
    ("Zmiana adresu", "Przeprowadziłam się, proszę o zmianę adresu korespondencyjnego.",
     "personal-data", "obsluga-klienta"),
    ("", "Zmieniłem bank, proszę zaktualizować numer konta, na który wypłacacie środki.",
     "personal-data", "obsluga-klienta"),
    ("Wniosek", "Czy mój wniosek został już rozpatrzony? Złożyłem go w poniedziałek.",
     "application-status", "obsluga-klienta"),
    ("Status wniosku", "Proszę o informację, na jakim etapie jest mój wniosek.",
     "application-status", "obsluga-klienta"),
    ("Reklamacja", "Składam reklamację dotyczącą opłaty naliczonej za monit, którego nie dostałem.",
     "complaints", "obsluga-klienta"),
    ("", "Chcę złożyć skargę na zachowanie konsultanta podczas rozmowy.",
     "complaints", "obsluga-klienta"),
])
def test_free_text_is_recognised(subject, body, category, team):
    decision = route(body, subject)
    assert (decision.category, decision.team) == (category, team)
    assert decision.priority == "normal"


def test_an_unrecognised_message_goes_to_the_default_team_uncategorised():
    decision = route("Dzień dobry, proszę o telefon.", "Kontakt")
    assert decision.category is None
    assert decision.team == "obsluga-klienta"
    assert decision.to_dict()["trace"]["notes"] == ["no rule set a team; default team obsluga-klienta"]


def test_the_customers_pick_on_the_form_beats_the_guess_from_text():
    decision = route("Nie mogę się zalogować, żeby sprawdzić ratę.", channel="webform",
                     form_category="payment-problems")
    assert decision.category == "payment-problems"
    assert decision.team == "obsluga-klienta"
    assert decision.sla_policy == "email-first-response"


@pytest.mark.parametrize("channel, policy", [
    ("email", "email-first-response"), ("webform", "email-first-response"), ("phone", "phone-callback"),
])
def test_sla_policy_by_channel(channel, policy):
    assert route("Pytanie o ratę", channel=channel, line="660 600 700").sla_policy == policy


@pytest.mark.parametrize("line, tag", [("+48 660 600 700", "infolinia-660"), ("222062121", "infolinia-22")])
def test_phone_lines_go_to_customer_service_tagged_by_line(line, tag):
    decision = route("Klient pyta o logowanie", channel="phone", line=line)
    assert tag in decision.tags
    assert decision.team == "wsparcie-techniczne"  # the topic still decides the team


def test_a_call_out_of_hours_is_tagged_for_callback():
    assert "oddzwonienie" in route("Prośba o kontakt", channel="phone", line="660600700",
                                   created_at=AFTER_HOURS).tags
    assert "oddzwonienie" not in route("Prośba o kontakt", channel="phone", line="660600700").tags
    assert "oddzwonienie" not in route("Prośba o kontakt", created_at=AFTER_HOURS).tags


@pytest.mark.parametrize("body, customer, priority, tag", [
    ("Pytanie o harmonogram spłaty.", {"vip": True}, "high", "vip"),
    ("Pytanie o harmonogram spłaty.", {"days_to_repayment": 1}, "high", "termin-splaty"),
    ("Pytanie o harmonogram spłaty.", {"days_to_repayment": 9}, "normal", None),
    ("Jutro mija termin spłaty, a nie mogę się zalogować!", {}, "high", "termin-splaty"),
    ("PILNE!!! Proszę o kontakt w sprawie raty.", {}, "high", "pilne"),
    ("Ktoś wziął pożyczkę na moje dane, nie zaciągałam żadnego zobowiązania!", {}, "urgent",
     "podejrzenie-oszustwa"),
    ("Pytanie o harmonogram spłaty.", {"in_arrears": True}, "normal", "zaleglosc"),
])
def test_priority_rules(body, customer, priority, tag):
    decision = route(body, customer=customer)
    assert decision.priority == priority
    if tag:
        assert tag in decision.tags
    else:
        assert decision.tags == []


def test_fraud_outranks_vip():
    decision = route("Podejrzewam wyłudzenie pożyczki na mój dowód.", customer={"vip": True})
    assert decision.priority == "urgent"
    assert {"vip", "podejrzenie-oszustwa"} <= set(decision.tags)
