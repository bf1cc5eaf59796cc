"""The rule set Kontakt ships with, for the seed categories, teams and SLA policies.

Mode "all": later rules override earlier ones, so the order is deliberate —
SLA policy by channel, phone lines, free-text recognition from the broadest category to
the most specific (early repayment is a loan term, a complaint about a repayment is a
complaint, a login problem is technical whatever it is about), the customer's own
pick on the web form (it beats our guess), then priority rules from high to urgent.
"""
from __future__ import annotations

from datetime import timedelta

from routing.simulation import FirstResponseTarget

CATEGORIES = {
    "application-status": "Status wniosku",
    "loan-terms": "Warunki pożyczki",
    "payment-problems": "Problemy z płatnością",
    "personal-data": "Zmiana danych osobowych",
    "technical-support": "Wsparcie techniczne",
    "complaints": "Reklamacje i sugestie",
}
CUSTOMER_SERVICE = "obsluga-klienta"
TECHNICAL_SUPPORT = "wsparcie-techniczne"
TEAMS = {CUSTOMER_SERVICE: "Obsługa klienta", TECHNICAL_SUPPORT: "Wsparcie techniczne"}
SLA_POLICIES = ("email-first-response", "phone-callback")
PHONE_LINES = ("+48660600700", "+48222062121")

TEAM_OF = {slug: CUSTOMER_SERVICE for slug in CATEGORIES} | {"technical-support": TECHNICAL_SUPPORT}

# Phrases per category; "*" ends a word stem (Polish inflects), matching ignores case
# and diacritics.
_PHRASES = {
    "application-status": [
        "status wniosku", "statusu wniosku", "czy mój wniosek", "mój wniosek", "mojego wniosku",
        "złożył* wniosek", "rozpatrz*", "decyzj*", "kiedy dostanę pieniądze",
        "kiedy otrzymam pieniądze", "wypłat* środków", "przyznan* pożyczk*",
    ],
    "payment-problems": [
        "rata", "raty", "ratę", "racie", "ratą", "rat", "ratami", "ratach", "spłat*", "spłac*",
        "zaległ*", "harmonogram spłaty", "plan spłaty", "windykacj*", "wezwani* do zapłaty",
        "monit", "monitu", "monity", "nie zapłac*", "nie mam z czego", "nadpłat*", "wpłat*",
        "rozłożyć na raty",
    ],
    "loan-terms": [
        "odsetk*", "oprocentowan*", "prowizj*", "rrso", "prolongat*", "refinans*",
        "restrukturyzacj*", "warunki pożyczki", "warunk* umowy", "koszt* pożyczki",
        "całkowit* koszt*", "opłat* za", "przedłużeni* terminu", "wcześniejsz* spłat*",
    ],
    "personal-data": [
        "zmian* adresu", "zmienić adres", "nowy adres", "numer konta", "numeru konta",
        "zmian* danych", "dane osobowe", "danych osobowych", "zmian* nazwiska", "nazwisko",
        "zmian* numeru telefonu", "nowy numer telefonu", "zmian* adresu e-mail",
        "dowód osobisty", "dowodu osobistego", "aktualizacj* danych",
    ],
    "technical-support": [
        "zaloguj*", "zalogowa*", "logowani*", "hasł*", "haseł", "login", "zablokowan* konto",
        "konto zablokowane", "konto jest zablokowane", "blokad* konta", "strona nie działa",
        "nie działa", "błąd", "błęd*", "error", "przeglądark*", "aplikacj* mobiln*",
        "przelew weryfikacyjny", "przelewu weryfikacyjnego", "kod sms", "kodu sms",
        "kod weryfikacyjny", "kodu weryfikacyjnego", "strefa klienta", "strefie klienta",
        "strefy klienta", "panel klienta", "panelu klienta",
    ],
    "complaints": [
        "reklamacj*", "skarg*", "niezadowolon*", "rzecznik finansowy", "rzecznika finansowego",
        "sugesti*", "skandal*", "nieprofesjonaln*", "uokik",
    ],
}
_DUE_SOON = [
    "mija termin", "upływa termin", "termin spłaty mija", "termin płatności mija",
    "ostatni dzień", "jutro termin", "dziś termin", "dzisiaj termin", "termin spłaty jest jutro",
    "termin spłaty jest dzisiaj", "termin spłaty jest dziś",
]
_URGENT_WORDS = ["pilne", "pilnie", "pilna", "pilny", "pilnej", "natychmiast*", "jak najszybciej"]
_FRAUD = [
    "wyłudz*", "kradzież* tożsamości", "skradzion* dowód*", "podszył*", "podszywa*",
    "nieautoryzowan*", "nie zaciągał*", "nie brałem", "nie brałam", "ktoś wziął pożyczkę",
    "oszust*",
]


def _rule(rule_id: str, name: str, conditions: list[dict], actions: dict) -> dict:
    return {"id": rule_id, "name": name, "enabled": True, "stop": False,
            "conditions": conditions, "actions": actions}


def default_rules() -> dict:
    """The shipped rule set as stored (``RuleSet.from_dict`` compiles it)."""
    rules = [
        _rule("sla-written", "E-mail i formularz: odpowiedź w 24 h roboczych",
              [{"field": "channel", "op": "in", "value": ["email", "webform"]}],
              {"sla_policy": "email-first-response"}),
        _rule("sla-phone", "Telefon: oddzwonienie w 2 h",
              [{"field": "channel", "op": "is", "value": "phone"}],
              {"sla_policy": "phone-callback"}),
        _rule("phone-out-of-hours", "Telefon poza godzinami otwarcia",
              [{"field": "channel", "op": "is", "value": "phone"},
               {"field": "contact_centre_open", "op": "is", "value": False}],
              {"tags": ["oddzwonienie"]}),
        _rule("line-660", "Infolinia 660 600 700",
              [{"field": "line", "op": "is", "value": "660 600 700"}],
              {"team": CUSTOMER_SERVICE, "tags": ["infolinia-660"]}),
        _rule("line-22", "Infolinia 22 206 21 21",
              [{"field": "line", "op": "is", "value": "22 206 21 21"}],
              {"team": CUSTOMER_SERVICE, "tags": ["infolinia-22"]}),
    ]
    for slug, phrases in _PHRASES.items():
        rules.append(_rule(f"text-{slug}", f"Treść: {CATEGORIES[slug]}",
                           [{"field": "text", "op": "contains_any", "value": phrases}],
                           {"category": slug, "team": TEAM_OF[slug]}))
    for slug, name in CATEGORIES.items():
        rules.append(_rule(f"form-{slug}", f"Formularz: {name}",
                           [{"field": "form_category", "op": "is", "value": slug}],
                           {"category": slug, "team": TEAM_OF[slug]}))
    rules += [
        _rule("vip", "Klient VIP",
              [{"field": "customer.vip", "op": "is", "value": True}],
              {"priority": "high", "tags": ["vip"]}),
        _rule("arrears", "Klient z zaległością",
              [{"field": "customer.in_arrears", "op": "is", "value": True}],
              {"tags": ["zaleglosc"]}),
        _rule("repayment-due", "Rata wymagalna w ciągu 2 dni",
              [{"field": "customer.days_to_repayment", "op": "gte", "value": 0},
               {"field": "customer.days_to_repayment", "op": "lte", "value": 2}],
              {"priority": "high", "tags": ["termin-splaty"]}),
        _rule("due-in-text", "Klient pisze o mijającym terminie",
              [{"field": "text", "op": "contains_any", "value": _DUE_SOON}],
              {"priority": "high", "tags": ["termin-splaty"]}),
        _rule("urgent-words", "Klient prosi o pilną odpowiedź",
              [{"field": "text", "op": "contains_any", "value": _URGENT_WORDS}],
              {"priority": "high", "tags": ["pilne"]}),
        _rule("fraud", "Podejrzenie wyłudzenia",
              [{"field": "text", "op": "contains_any", "value": _FRAUD}],
              {"priority": "urgent", "tags": ["podejrzenie-oszustwa"]}),
    ]
    return {"mode": "all", "default_team": CUSTOMER_SERVICE, "default_priority": "normal",
            "rules": rules}


def default_first_response_targets():
    """The shipped SLA policies' first-response promises, for ``simulate``."""
    return {
        "email-first-response": FirstResponseTarget("working-days", timedelta(hours=24)),
        "phone-callback": FirstResponseTarget("contact-centre", timedelta(hours=2)),
    }
