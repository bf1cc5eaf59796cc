"""Demo data: two weeks of a contact centre's work, replayed through the same services the app uses.

Customers write, call and fill in the form over the last fourteen days; agents answer most of them
well within the SLA, ask some customers for documents (waiting), solve and close the older ones; a few
tickets are close to their first-response deadline now and a few went past it. Every step runs at its
own instant (``as_of``), so the SLA clocks, the history and the outbox tell the same story. Loading it
twice changes nothing.
"""
from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from channels import InboundContact
from helpdesk.admin.services import ensure_reference_data
from helpdesk.calendars.services import get_calendar
from helpdesk.core import periodic
from helpdesk.core.extensions import db
from helpdesk.intake import services as intake
from helpdesk.models import Customer, CustomerEmail, Ticket, User
from helpdesk.models.portal import PortalAccount
from helpdesk.models.types import as_of, utcnow
from helpdesk.phone import services as phone_service
from helpdesk.sla.services.policies import get_policy
from helpdesk.portal.services import create_account
from helpdesk.staff.services import create_staff
from helpdesk.tickets import services as ticket_service

WARSAW = ZoneInfo("Europe/Warsaw")
DEMO_PASSWORD = "demo"
DEMO_LOGINS = [
    ("agent", "anna@demo.kontakt.pl"),
    ("manager", "marek@demo.kontakt.pl"),
    ("admin", "admin@demo.kontakt.pl"),
]

STAFF = [
    # email, name, role, teams, skills, languages, presence
    ("anna@demo.kontakt.pl", "Anna Kowalska", "agent", ["obsluga-klienta"],
     ["application-status", "loan-terms", "payment-problems"], ["pl", "en"], "available"),
    ("piotr@demo.kontakt.pl", "Piotr Nowak", "agent", ["obsluga-klienta"],
     ["payment-problems", "personal-data", "complaints"], ["pl"], "available"),
    ("katarzyna@demo.kontakt.pl", "Katarzyna Wiśniewska", "agent", ["obsluga-klienta"],
     ["application-status", "personal-data", "complaints"], ["pl", "en"], "away"),
    ("tomasz@demo.kontakt.pl", "Tomasz Wójcik", "agent", ["wsparcie-techniczne"],
     ["technical-support"], ["pl", "en"], "available"),
    ("magdalena@demo.kontakt.pl", "Magdalena Kamińska", "agent", ["wsparcie-techniczne"],
     ["technical-support", "personal-data"], ["pl"], "offline"),
    ("ewa@demo.kontakt.pl", "Ewa Lewandowska", "lead", ["obsluga-klienta", "wsparcie-techniczne"],
     ["complaints", "payment-problems"], ["pl", "en"], "available"),
    ("marek@demo.kontakt.pl", "Marek Zieliński", "manager", [], [], ["pl", "en"], "offline"),
    ("admin@demo.kontakt.pl", "Administrator", "admin", [], [], ["pl", "en"], "offline"),
]

_WOMEN = ["Agnieszka", "Joanna", "Monika", "Barbara", "Małgorzata", "Ewelina", "Karolina", "Zofia", "Aleksandra",
          "Beata", "Dorota", "Natalia", "Justyna", "Iwona"]
_MEN = ["Jan", "Michał", "Paweł", "Krzysztof", "Grzegorz", "Łukasz", "Marcin", "Adam", "Rafał", "Jakub",
        "Wojciech", "Dariusz", "Sebastian", "Mateusz"]
_SURNAMES = [("Kowalczyk", "Kowalczyk"), ("Szymański", "Szymańska"), ("Woźniak", "Woźniak"),
             ("Dąbrowski", "Dąbrowska"), ("Kozłowski", "Kozłowska"), ("Jankowski", "Jankowska"),
             ("Mazur", "Mazur"), ("Krawczyk", "Krawczyk"), ("Kaczmarek", "Kaczmarek"), ("Piotrowski", "Piotrowska"),
             ("Grabowski", "Grabowska"), ("Zając", "Zając"), ("Pawłowski", "Pawłowska"), ("Michalski", "Michalska"),
             ("Król", "Król"), ("Wieczorek", "Wieczorek"), ("Jabłoński", "Jabłońska"), ("Wróbel", "Wróbel"),
             ("Nowakowski", "Nowakowska"), ("Majewski", "Majewska"), ("Olszewski", "Olszewska"), ("Stępień", "Stępień")]
ENGLISH_CUSTOMERS = [("John Smith", "john.smith@example.co.uk", "+447700900123"),
                     ("Emma Brown", "emma.brown@example.com", "+447700900456")]

# category (None: the text tells), subject, the customer's text, the agent's answer
REQUESTS_PL = [
    ("payment-problems", "Nie widzę mojej wpłaty",
     "Dzień dobry, 3 dni temu zapłaciłem ratę przelewem, ale w panelu nadal widzę zaległość. Proszę o sprawdzenie.",
     "Dzień dobry, wpłata została zaksięgowana wczoraj wieczorem; zaległość zniknie z panelu w ciągu doby."),
    (None, "Harmonogram spłaty",
     "Witam, czy mogę prosić o przesłanie aktualnego harmonogramu spłaty mojej pożyczki? Pozdrawiam",
     "Dzień dobry, aktualny harmonogram jest w panelu klienta w zakładce Umowy; wysłaliśmy go też e-mailem."),
    (None, "Nie mogę się zalogować",
     "Nie mogę się zalogować do panelu, komunikat 'Nieprawidłowe dane'. Resetowałem hasło.",
     "Dzień dobry, konto było zablokowane po kilku próbach logowania; odblokowaliśmy je, proszę spróbować ponownie."),
    ("technical-support", "Błąd formularza wniosku",
     "Przy wysyłaniu wniosku pojawia się błąd 500. Przeglądarka Chrome, Windows 11, dziś o 14:05.",
     "Dzień dobry, błąd został naprawiony; wniosek można już wysłać. Przepraszamy za utrudnienia."),
    ("application-status", "Status mojego wniosku",
     "Złożyłam wniosek o pożyczkę w poniedziałek i nadal nie mam decyzji. Kiedy mogę się jej spodziewać?",
     "Dzień dobry, wniosek jest w ostatnim etapie weryfikacji; decyzję prześlemy najpóźniej jutro."),
    (None, "Zmiana adresu zamieszkania",
     "Dzień dobry, przeprowadziłem się. Nowy adres: ul. Lipowa 5/3, 00-001 Warszawa. Proszę o zmianę danych.",
     "Dzień dobry, adres został zmieniony; potwierdzenie jest w panelu klienta."),
    ("loan-terms", "Prolongata terminu spłaty",
     "Czy jest możliwość przedłużenia terminu spłaty o 30 dni? Jakie są koszty prolongaty?",
     "Dzień dobry, prolongata o 30 dni jest możliwa; koszt i umowę aneksu wysłaliśmy w osobnej wiadomości."),
    (None, "Reklamacja naliczonych odsetek",
     "Składam reklamację: naliczono mi odsetki za opóźnienie, mimo że wpłata była w terminie.",
     "Dzień dobry, reklamację uznaliśmy: odsetki zostały anulowane, a korekta jest widoczna w panelu."),
    (None, "Pytanie o odsetki",
     "Jak liczone są odsetki przy wcześniejszej spłacie całości?",
     "Dzień dobry, przy wcześniejszej spłacie odsetki liczymy tylko za dni faktycznego korzystania z pożyczki."),
    ("personal-data", "Nowy numer konta",
     "Proszę o zmianę numeru konta bankowego do wypłaty na 12 1020 1026 0000 0402 0334 5678.",
     "Dzień dobry, numer konta zmieniliśmy; kolejne wypłaty trafią na nowy rachunek."),
    ("technical-support", "Przelew weryfikacyjny nie dotarł",
     "Wykonałem przelew weryfikacyjny 1 zł wczoraj, a konto nadal nie jest zweryfikowane.",
     "Dzień dobry, przelew dotarł dziś rano i konto jest już zweryfikowane."),
    ("complaints", "Sugestia dotycząca aplikacji",
     "Byłoby świetnie, gdyby aplikacja pozwalała pobrać potwierdzenie spłaty w PDF.",
     "Dzień dobry, dziękujemy za sugestię; przekazaliśmy ją zespołowi aplikacji."),
    (None, "Link resetujący hasło nie przychodzi",
     "Nie mogę się zalogować od wczoraj, zapomniałam hasła, a link resetujący nie przychodzi.",
     "Dzień dobry, wysłaliśmy nowy link resetujący; proszę sprawdzić też folder Spam."),
    (None, "Plan spłaty zaległości",
     "Jestem w trudnej sytuacji, proszę o rozłożenie zaległości na raty.",
     "Dzień dobry, przygotowaliśmy propozycję spłaty zaległości w sześciu ratach; szczegóły w załączniku."),
    ("application-status", "Brak przelewu po decyzji",
     "Dostałem pozytywną decyzję wczoraj, ale pieniądze nie dotarły na konto.",
     "Dzień dobry, przelew został zlecony dziś rano; środki będą na koncie w ciągu jednego dnia roboczego."),
    ("payment-problems", "Podwójnie pobrana rata",
     "W tym miesiącu rata została pobrana z mojego konta dwa razy. Proszę o zwrot nadpłaty.",
     "Dzień dobry, nadpłatę zwróciliśmy na rachunek, z którego przyszła; zwrot dotrze w ciągu dwóch dni."),
    (None, "Zaświadczenie o spłacie",
     "Spłaciłem pożyczkę w całości. Proszę o zaświadczenie o braku zadłużenia.",
     "Dzień dobry, zaświadczenie o spłacie wysłaliśmy e-mailem w formacie PDF."),
    ("loan-terms", "Wcześniejsza spłata",
     "Chcę spłacić pożyczkę przed terminem. Ile dokładnie mam przelać?",
     "Dzień dobry, kwota do całkowitej spłaty na dziś jest w panelu klienta w zakładce Spłata."),
]
REQUESTS_EN = [
    (None, "Repayment question",
     "Hello, I would like to repay my loan early. How much do I need to transfer and to which account?",
     "Hello, the amount to repay today and the account number are in the customer area under Repayment."),
    ("application-status", "Application status",
     "Hello, I applied for a loan three days ago and have not heard back. Could you check, please?",
     "Hello, your application has been approved; the money will be in your account by tomorrow."),
]
ASK_FOR_DOCUMENT = {"pl": "Prosimy jeszcze o przesłanie potwierdzenia przelewu lub skanu dokumentu, "
                          "wtedy dokończymy sprawę.",
                    "en": "Could you please send us the transfer confirmation? Then we will finish this."}
CUSTOMER_FOLLOW_UP = {"pl": "Dziękuję, ale sprawa nadal nie jest rozwiązana. Proszę o ponowne sprawdzenie.",
                      "en": "Thank you, but the problem is still there. Could you check again, please?"}
WAITING_FOR_US = {"pl": "Sprawdzamy to jeszcze w dziale finansowym, odezwiemy się jak najszybciej.",
                  "en": "We are checking this with our finance team and will get back to you shortly."}
CHANNELS = ["webform", "webform", "email", "email", "phone"]

# Customers with a zone account (password "demo", outside the password rules as the staff's is),
# each with a request in each of these states.
ZONE_CUSTOMERS = [
    ("Ewa Nowak", "ewa.nowak@demo.kontakt.pl", "+48601555111"),
    ("Jan Kowalski", "jan.kowalski@demo.kontakt.pl", "+48601555222"),
]
ZONE_STORIES = ("new", "waiting", "solved", "open")
# (story, how many, the age of the first contact in days): see `_Story`.
STORIES = [("closed", 20, (5, 14)), ("solved", 12, (2, 9)), ("waiting", 7, (1, 6)), ("open", 8, (0.5, 5)),
           ("answered-late", 2, (3, 8)), ("new", 7, None), ("due-soon", 3, None), ("overdue", 2, None)]
SWEEP_EVERY = timedelta(minutes=30)  # of replayed time: often enough for warnings and breaches to land in time
# Unanswered stories: how much of the first-response target has passed now.
SHARE_OF_TARGET = {"new": (0.05, 0.5), "due-soon": (0.85, 0.95), "overdue": (1.1, 1.5)}


@dataclass
class _Story:
    """One ticket's life: who, what, when, and what happens to it afterwards."""
    kind: str
    channel: str
    customer: tuple[str, str, str]
    request: tuple
    language: str
    received_at: datetime
    steps: list[tuple[datetime, str]] = field(default_factory=list)  # (when, what) after the first contact
    ticket_id: int | None = None

CANNED = [
    ("Potwierdzenie przyjęcia", "pl", "Dzień dobry {customer_name},\n\ndziękujemy za wiadomość. Zgłoszenie {ticket_number} "
     "jest u nas w realizacji; odpowiemy {due}.\n\nPozdrawiamy\nBiuro Obsługi Klienta"),
    ("Reset hasła", "pl", "Dzień dobry {customer_name},\n\nhasło można ustawić na nowo linkiem „Nie pamiętam hasła” "
     "na stronie logowania. Jeśli e-mail nie dotrze w ciągu kilku minut, prosimy o odpowiedź na tę wiadomość "
     "(zgłoszenie {ticket_number})."),
    ("Request received", "en", "Hello {customer_name},\n\nthank you for your message. We are working on request "
     "{ticket_number} and will answer {due}.\n\nKind regards\nCustomer Service"),
]


def load_demo_data(seed: int = 20251207) -> bool:
    """Load the demo once; returns False (changing nothing) when it is already there."""
    if db.session.scalar(db.select(User).filter_by(email="admin@demo.kontakt.pl")):
        return False
    ensure_reference_data()
    staff = {}
    for email, name, role, teams, skills, languages, presence in STAFF:
        staff[email] = create_staff(email=email, name=name, role=role, password=DEMO_PASSWORD, teams=teams,
                                    skills=skills, languages=languages, presence=presence)
    lead = next(user for user in staff.values() if user.role == "manager")
    for title, language, body in CANNED:
        ticket_service.save_canned_response(lead, title=title, language=language, body=body)
    rng = random.Random(seed)
    stories = _stories(rng, utcnow())
    timeline = sorted([(story.received_at, 0, n, "contact") for n, story in enumerate(stories)]
                      + [(at, 1, n, step) for n, story in enumerate(stories) for at, step in story.steps])
    agents = [user.id for user in staff.values() if user.role == "agent"]
    swept = None
    for at, _order, n, step in timeline:
        with as_of(at):
            if swept is None or at - swept >= SWEEP_EVERY:
                periodic.sweep()  # what the minute sweep had done by then: SLA warnings, breaches, their e-mails
                swept = at
            _happen(stories[n], step, n, agents, rng)
    periodic.sweep()
    # Three weeks of calls up to yesterday, as the PBX reports them, for the call log and the
    # reports; their missed calls were called back at the time (no open callback tickets).
    now = utcnow()
    today = now.astimezone(WARSAW).date()
    phone_service.load_simulated_days(today - timedelta(days=21), today - timedelta(days=1), scale=0.15, seed=seed,
                                      callbacks_since=now - timedelta(hours=1))
    for _, email, _ in ZONE_CUSTOMERS:
        create_account(db.session.scalar(db.select(CustomerEmail).filter_by(address=email)).customer, DEMO_PASSWORD)
    return True


def _stories(rng: random.Random, now: datetime) -> list[_Story]:
    people = _customers(rng)
    regulars = people[:8]  # they come back: several customers have more than one ticket
    stories = []
    for kind, count, ages in STORIES:
        for _ in range(count):
            english = rng.random() < 0.08
            language = "en" if english else "pl"
            channel = rng.choice(CHANNELS)
            customer = rng.choice(ENGLISH_CUSTOMERS) if english else (
                rng.choice(regulars) if rng.random() < 0.35 else people.pop())
            request = rng.choice(REQUESTS_EN if english else REQUESTS_PL)
            policy = get_policy(None, channel)
            calendar = get_calendar(policy.calendar_name)
            target = timedelta(minutes=policy.first_response_minutes)
            if ages is None:
                low, high = SHARE_OF_TARGET[kind]
                received = _working_time_before(calendar, now, target * rng.uniform(low, high))
            else:
                # Office hours on the day, yet never before the demo's two weeks nor after now.
                received = min(max(_office_hours(now - timedelta(days=rng.uniform(*ages)), rng),
                                   now - timedelta(days=14)), now - timedelta(minutes=10))
            story = _Story(kind, channel, customer, request, language, received)
            _plan(story, calendar.add(received, target), now, rng)
            stories.append(story)
    _give_zone_customers(stories)
    return stories


def _give_zone_customers(stories: list[_Story]) -> None:
    """The zone's demo customers: one Polish request of theirs in each of ZONE_STORIES."""
    free = [s for s in stories if s.language == "pl"]
    for customer in ZONE_CUSTOMERS:
        for kind in ZONE_STORIES:
            story = next(s for s in free if s.kind == kind)
            free.remove(story)
            story.customer = customer


def _customers(rng: random.Random) -> list[tuple[str, str, str]]:
    names = [(first, surnames[1]) for first in _WOMEN for surnames in _SURNAMES] + \
            [(first, surnames[0]) for first in _MEN for surnames in _SURNAMES]
    rng.shuffle(names)
    people = []
    for first, last in names[:70]:
        address = f"{_ascii(first)}.{_ascii(last)}@example.pl".lower()
        phone = f"+48{rng.randint(500_000_000, 899_999_999)}"
        people.append((f"{first} {last}", address, phone))
    return people


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L")).encode("ascii", "ignore").decode()


def _office_hours(instant: datetime, rng: random.Random) -> datetime:
    """The same day between 8:00 and 18:00 Warsaw time (a weekend day becomes the Friday before)."""
    local = instant.astimezone(WARSAW)
    if local.weekday() >= 5 and rng.random() < 0.85:  # a few contacts come at the weekend
        local -= timedelta(days=local.weekday() - 4)
    local = local.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=rng.randint(0, 59))
    return local.astimezone(instant.tzinfo)


def _working_time_before(calendar, end: datetime, amount: timedelta) -> datetime:
    """The instant from which ``amount`` of the calendar's working time has passed by ``end``."""
    low, high = end - timedelta(days=60), end
    for _ in range(40):  # bisection to well under a minute
        middle = low + (high - low) / 2
        if calendar.elapsed(middle, end) > amount:
            low = middle
        else:
            high = middle
    return high


def _plan(story: _Story, due: datetime, now: datetime, rng: random.Random) -> None:
    """The agent's and the customer's steps after the first contact, each before ``now``."""
    centre = get_calendar("contact-centre")
    if story.kind in SHARE_OF_TARGET:
        return  # nobody has answered yet
    if story.kind == "answered-late":
        answer = due + timedelta(hours=rng.uniform(1, 6))
    else:  # answered in time: within a few opening hours of the contact centre, well before the deadline
        answer = min(centre.add(story.received_at, timedelta(minutes=rng.uniform(15, 240))),
                     story.received_at + (due - story.received_at) * 0.6)
    answer = min(answer, now - timedelta(minutes=5))
    story.steps.append((answer, "answer" if story.kind != "waiting" else "ask"))
    later = centre.add(answer, timedelta(hours=rng.uniform(1, 20)))
    if story.kind == "open":  # the customer wrote back: answered again in time, or lately, so the clock runs
        if rng.random() < 0.5:
            writes = min(later, now - timedelta(hours=2))
            story.steps += [(writes, "customer-writes"),
                            (min(writes + timedelta(minutes=rng.uniform(20, 90)), now - timedelta(minutes=1)),
                             "still-checking")]
        else:
            writes = max(answer + timedelta(minutes=30), now - timedelta(hours=rng.uniform(1, 8)))
            story.steps.append((min(writes, now - timedelta(minutes=2)), "customer-writes"))
    elif story.kind in ("closed", "solved", "answered-late"):
        solved = min(later, now - timedelta(minutes=3))
        story.steps.append((solved, "solve"))
        if story.kind == "closed":
            story.steps.append((min(solved + timedelta(days=rng.uniform(1, 3)), now - timedelta(minutes=2)), "close"))


def _happen(story: _Story, step: str, n: int, agents: list[int], rng: random.Random) -> None:
    category, subject, text, answer = story.request
    name, email, phone = story.customer
    if step == "contact":
        contact = InboundContact(channel=story.channel, received_at=story.received_at, line=_line(story.channel, n),
                                 from_email=email, from_name=name, from_phone=phone if story.channel == "phone" else "",
                                 subject=subject, text=text, form_category=category if story.channel == "webform" else None,
                                 language=story.language)
        raw, _ = intake.store_raw(channel=story.channel, source="demo", media_type="application/json",
                                  payload=json.dumps({"subject": subject, "text": text}).encode(),
                                  dedup_key=f"demo:{n}")
        story.ticket_id = intake.receive(raw.id, contact).id
        return
    ticket = db.session.get(Ticket, story.ticket_id)
    agent = ticket.assignee or _agent_for(ticket, agents, rng)
    if ticket.assignee is None:
        ticket_service.update_fields(ticket.id, agent, assignee_id=agent.id)
    if step == "answer":
        ticket_service.reply(ticket.id, agent, answer)
    elif step == "ask":
        ticket_service.reply(ticket.id, agent, ASK_FOR_DOCUMENT[story.language])
        ticket_service.change_status(ticket.id, agent, "waiting")
    elif step == "customer-writes":
        follow_up = CUSTOMER_FOLLOW_UP[story.language]
        raw, _ = intake.store_raw(channel="email", source="demo", media_type="text/plain", payload=follow_up.encode(),
                                  dedup_key=f"demo:{n}:follow-up")
        intake.receive(raw.id, InboundContact(channel="email", received_at=utcnow(), from_email=email, from_name=name,
                                              subject=f"Re: {subject}", text=follow_up, language=story.language),
                       thread_to=ticket)
    elif step == "still-checking":
        ticket_service.reply(ticket.id, agent, WAITING_FOR_US[story.language])
    else:  # solve, close
        ticket_service.change_status(ticket.id, agent, "solved" if step == "solve" else "closed")


def _agent_for(ticket: Ticket, agents: list[int], rng: random.Random) -> User:
    team = [user for user in (db.session.get(User, a) for a in agents) if ticket.team is None or ticket.team in user.teams]
    return rng.choice(team or [db.session.get(User, a) for a in agents])


def zone_logins() -> list[tuple[str, str]]:
    """(e-mail, customer number) of the demo's customer zone accounts."""
    rows = db.session.execute(db.select(PortalAccount.email, Customer.customer_number)
                              .join(Customer, Customer.id == PortalAccount.customer_id)
                              .where(PortalAccount.email.in_([e for _, e, _ in ZONE_CUSTOMERS]))
                              .order_by(PortalAccount.id)).all()
    return [tuple(row) for row in rows]


def _line(channel: str, n: int) -> str:
    if channel == "phone":
        return "+48660600700" if n % 2 else "+48222062121"
    return "bok@demo.kontakt.pl" if channel == "email" else "contact-form"
