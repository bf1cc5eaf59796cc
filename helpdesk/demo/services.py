"""Demo data: realistic staff, customers and tickets, built through the same services the app uses."""
from __future__ import annotations

import json
import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from channels import InboundContact
from helpdesk.intake import services as intake
from helpdesk.core.extensions import db
from helpdesk.models import Ticket, User
from helpdesk.models.types import utcnow
from helpdesk.phone import services as phone_service
from helpdesk.admin.services import ensure_reference_data
from helpdesk.tickets import services as ticket_service
from helpdesk.staff.services import create_staff

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

CUSTOMERS = [
    ("Jan Kowalczyk", "jan.kowalczyk@example.pl", "+48601234567"),
    ("Agnieszka Szymańska", "a.szymanska@example.pl", "+48502345678"),
    ("Michał Woźniak", "michal.wozniak@example.com", "+48693456789"),
    ("Joanna Dąbrowska", "joanna.d@example.pl", "+48784567890"),
    ("Paweł Kozłowski", "pawel.k@example.pl", "+48515678901"),
    ("Monika Jankowska", "monika.jankowska@example.pl", "+48606789012"),
    ("Krzysztof Mazur", "k.mazur@example.com", "+48797890123"),
    ("Barbara Krawczyk", "barbara.krawczyk@example.pl", "+48508901234"),
    ("John Smith", "john.smith@example.co.uk", "+447700900123"),
]

REQUESTS = [
    # channel, category (None: free text), subject, text, language
    ("webform", "payment-problems", "Nie widzę mojej wpłaty",
     "Dzień dobry, 3 dni temu zapłaciłem ratę przelewem, ale w panelu nadal widzę zaległość. Proszę o sprawdzenie.", "pl"),
    ("email", None, "Harmonogram spłaty",
     "Witam, czy mogę prosić o przesłanie aktualnego harmonogramu spłaty mojej pożyczki? Pozdrawiam", "pl"),
    ("phone", None, "Klient nie może się zalogować",
     "Klient dzwoni: nie może się zalogować do panelu, komunikat 'Nieprawidłowe dane'. Resetował hasło.", "pl"),
    ("webform", "technical-support", "Błąd formularza wniosku",
     "Przy wysyłaniu wniosku pojawia się błąd 500. Przeglądarka Chrome 120, Windows 11, dziś o 14:05.", "pl"),
    ("webform", "application-status", "Status mojego wniosku",
     "Złożyłam wniosek o pożyczkę w poniedziałek i nadal nie mam decyzji. Kiedy mogę się jej spodziewać?", "pl"),
    ("email", None, "Zmiana adresu zamieszkania",
     "Dzień dobry, przeprowadziłem się. Nowy adres: ul. Lipowa 5/3, 00-001 Warszawa. Proszę o zmianę danych.", "pl"),
    ("webform", "loan-terms", "Prolongata terminu spłaty",
     "Czy jest możliwość przedłużenia terminu spłaty o 30 dni? Jakie są koszty prolongaty?", "pl"),
    ("email", None, "Reklamacja naliczonych odsetek",
     "Składam reklamację: naliczono mi odsetki za opóźnienie, mimo że wpłata była w terminie.", "pl"),
    ("phone", None, "Pytanie o odsetki",
     "Klient pyta, jak liczone są odsetki przy wcześniejszej spłacie całości.", "pl"),
    ("webform", "personal-data", "Nowy numer konta",
     "Proszę o zmianę numeru konta bankowego do wypłaty na 12 1020 1026 0000 0402 0334 5678.", "pl"),
    ("email", None, "Repayment question",
     "Hello, I would like to repay my loan early. How much do I need to transfer and to which account?", "en"),
    ("webform", "technical-support", "Przelew weryfikacyjny nie dotarł",
     "Wykonałem przelew weryfikacyjny 1 zł wczoraj, a konto nadal nie jest zweryfikowane.", "pl"),
    ("webform", "complaints", "Sugestia dotycząca aplikacji",
     "Byłoby świetnie, gdyby aplikacja pozwalała pobrać potwierdzenie spłaty w PDF.", "pl"),
    ("email", None, "Problem z logowaniem",
     "Nie mogę się zalogować od wczoraj, zapomniałam hasła a link resetujący nie przychodzi.", "pl"),
    ("phone", None, "Restrukturyzacja zadłużenia",
     "Klientka w trudnej sytuacji, prosi o plan spłaty zaległości w ratach.", "pl"),
]

STATUS_MIX = ["new", "new", "open", "open", "waiting", "solved", "closed"]

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
    now = utcnow()
    for n in range(36):
        channel, category, subject, text, language = REQUESTS[n % len(REQUESTS)]
        name, email, phone = CUSTOMERS[n % len(CUSTOMERS)]
        if language == "en":
            name, email, phone = CUSTOMERS[-1]
        received_at = now - timedelta(hours=rng.uniform(0.5, 24 * 12))
        contact = InboundContact(channel=channel, received_at=received_at, line=_line(channel, n), from_email=email,
                                 from_name=name, from_phone=phone if channel == "phone" else "",
                                 subject=subject, text=text, form_category=category, language=language)
        raw, _ = intake.store_raw(channel=channel, source="demo", media_type="application/json",
                                  payload=json.dumps({"subject": subject, "text": text}).encode(),
                                  dedup_key=f"demo:{n}")
        ticket = intake.receive(raw.id, contact)
        _progress(ticket, STATUS_MIX[n % len(STATUS_MIX)], staff, rng)
    # Three weeks of calls, as the PBX reports them, for the call log and the reports; the last
    # day's missed calls are the callbacks still to make.
    today = now.astimezone(WARSAW).date()
    phone_service.load_simulated_days(today - timedelta(days=21), today - timedelta(days=1), scale=0.15, seed=seed,
                                      callbacks_since=now - timedelta(days=1))
    return True


def _line(channel: str, n: int) -> str:
    if channel == "phone":
        return "+48660600700" if n % 2 else "+48222062121"
    return "bok@demo.kontakt.pl" if channel == "email" else "contact-form"


def _progress(ticket: Ticket, status: str, staff: dict, rng: random.Random) -> None:
    if status == "new":
        return
    agents = [u for u in staff.values() if u.role == "agent"
              and (ticket.team is None or ticket.team in u.teams)]
    agent = rng.choice(agents)
    ticket_service.update_fields(ticket.id, agent, assignee_id=agent.id)
    answer = ("Dziękujemy za wiadomość. Sprawdzamy sprawę i wrócimy z odpowiedzią."
              if ticket.language == "pl" else "Thank you for your message. We are looking into it.")
    ticket_service.reply(ticket.id, agent, answer)
    if status == "waiting":
        ticket_service.reply(ticket.id, agent, "Prosimy o przesłanie potwierdzenia przelewu.")
    if status != "open":
        ticket_service.change_status(ticket.id, agent, status)
