"""Routing speed: 500 agents, 200 rules, random realistic Polish tickets.

Run: python bench/bench_routing.py  — prints decisions per second and µs per decision.
"""
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import schedules  # noqa: E402
from routing import AgentState, Roster, RuleSet, TicketFacts, decide  # noqa: E402
from routing.defaults import CATEGORIES, default_rules  # noqa: E402

AGENTS, RULES, TICKETS = 500, 200, 5000
WARSAW = ZoneInfo("Europe/Warsaw")
TEAMS = ["obsluga-klienta", "wsparcie-techniczne"] + [f"zespol-{n}" for n in range(8)]
WORDS = ["rata", "spłata", "harmonogram spłaty", "zaległość", "odsetki", "prolongata", "zmiana adresu",
         "numer konta", "reklamacja", "skarga", "status wniosku", "czy mój wniosek", "hasło",
         "nie mogę się zalogować", "zapomniałem hasła", "przelew weryfikacyjny", "błąd", "aplikacja",
         "umowa", "pożyczka", "decyzja", "prowizja", "monit", "windykacja", "nadpłata", "pilne"]
SENTENCES = [
    "Dzień dobry, piszę w sprawie mojej pożyczki nr PZ/2025/{n}.",
    "Nie mogę się zalogować do Strefy Klienta, wyskakuje błąd {n}.",
    "Proszę o przesłanie harmonogramu spłaty i informację o odsetkach.",
    "Jutro mija termin raty, a przelew nie przeszedł. Pilne!",
    "Składam reklamację dotyczącą opłaty za monit z dnia {n} marca.",
    "Czy mój wniosek został już rozpatrzony? Czekam od tygodnia.",
    "Przeprowadziłam się, proszę o zmianę adresu korespondencyjnego.",
    "Zmieniłem bank, nowy numer konta podam telefonicznie.",
    "Czy jest możliwa prolongata o 30 dni? Jakie są koszty?",
    "Zapomniałem hasła, a SMS z kodem weryfikacyjnym nie przychodzi.",
    "Pozdrawiam serdecznie, Jan Kowalski, tel. 600 100 {n}.",
    "Bardzo proszę o szybką odpowiedź, sprawa jest dla mnie ważna.",
]


def make_rules(rng):
    data = default_rules()
    categories = list(CATEGORIES)
    while len(data["rules"]) < RULES:
        n = len(data["rules"])
        kind = n % 4
        if kind == 0:
            conditions = [{"field": "text", "op": "contains_any",
                           "value": rng.sample(WORDS, 4) + [f"{rng.choice(WORDS).split()[0][:5]}*"]}]
        elif kind == 1:
            conditions = [{"field": "channel", "op": "in", "value": ["email", "webform"]},
                          {"field": "subject", "op": "contains_all", "value": rng.sample(WORDS, 2)}]
        elif kind == 2:
            conditions = [{"field": "customer.days_past_due", "op": "gte", "value": rng.randint(1, 90)},
                          {"field": "body", "op": "matches", "value": rf"pz/\d{{4}}/{rng.randint(0, 9)}"}]
        else:
            conditions = [{"field": "line", "op": "is", "value": "22 206 21 21"},
                          {"field": "customer.vip", "op": "is", "value": True},
                          {"field": "text", "op": "not_contains_any", "value": rng.sample(WORDS, 3)}]
        data["rules"].append({"id": f"bench-{n}", "name": f"Reguła {n}", "conditions": conditions,
                              "actions": {"category": rng.choice(categories), "team": rng.choice(TEAMS),
                                          "tags": [f"t{n % 7}"]}})
    return RuleSet.from_dict(data)


def make_roster(rng):
    days = ("mon", "tue", "wed", "thu", "fri", "sat")
    shifts = [schedules.Calendar.from_dict({"name": f"shift-{h}", "hours": {d: [h] for d in days}})
              for h in ("06:00-14:00", "08:00-16:00", "10:00-18:00", "14:00-22:00")] + [None]
    agents = []
    for n in range(AGENTS):
        capacity = {"email": rng.randint(3, 10), "webform": rng.randint(3, 10), "phone": 1}
        agents.append(AgentState(
            id=n, teams={rng.choice(TEAMS), rng.choice(TEAMS)},
            skills=set(rng.sample(list(CATEGORIES), rng.randint(2, 6))),
            languages={"pl"} if n % 10 else {"pl", "en"}, capacity=capacity,
            load={ch: rng.randint(0, c) for ch, c in capacity.items()},
            presence=rng.choice(["available"] * 6 + ["away", "offline"]),
            shift=rng.choice(shifts), last_assigned_at=None if n % 5 == 0 else
            datetime(2026, 3, 10, 8, tzinfo=WARSAW) + timedelta(minutes=rng.randint(0, 120))))
    return Roster(agents)


def make_tickets(rng, start):
    tickets = []
    for n in range(TICKETS):
        channel = rng.choice(["email", "email", "webform", "phone"])
        body = " ".join(s.format(n=n % 97) for s in rng.sample(SENTENCES, rng.randint(2, 5)))
        tickets.append(TicketFacts(
            id=n, channel=channel, created_at=start + timedelta(seconds=7 * n),
            line={"phone": rng.choice(["660 600 700", "22 206 21 21"]), "email": "bok@firma.pl"}.get(channel, ""),
            subject=rng.choice(["Pytanie", "Reklamacja", "Logowanie", "Rata", ""]), body=body,
            form_category=rng.choice(list(CATEGORIES)) if channel == "webform" else None,
            customer={"vip": n % 13 == 0, "in_arrears": n % 7 == 0, "days_past_due": n % 40},
            language="pl" if n % 20 else "en"))
    return tickets


def main():
    rng = random.Random(20260310)
    rules, roster = make_rules(rng), make_roster(rng)
    now = datetime(2026, 3, 10, 11, tzinfo=WARSAW)
    tickets = make_tickets(rng, now)
    contact_centre = schedules.builtin("contact-centre")
    for ticket in tickets[:200]:  # warm-up
        decide(ticket, rules, roster, now, contact_centre=contact_centre)
    assigned = 0
    started = time.perf_counter()
    for ticket in tickets:
        assigned += decide(ticket, rules, roster, now, contact_centre=contact_centre).assignee_id is not None
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    for ticket in tickets:
        rules.classify(ticket, lambda: contact_centre.is_open(ticket.created_at))
    rules_only = time.perf_counter() - started
    print(f"{len(rules.rules)} rules, {len(roster.agents)} agents, {len(tickets)} tickets "
          f"({assigned} assigned)")
    print(f"decide: {len(tickets) / elapsed:,.0f} decisions/s, {elapsed / len(tickets) * 1e6:.0f} µs per decision")
    print(f"rules alone: {rules_only / len(tickets) * 1e6:.0f} µs per ticket")


if __name__ == "__main__":
    main()
