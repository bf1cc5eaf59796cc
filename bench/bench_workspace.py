"""Agent workspace speed at a million tickets: the queue, a deep page, a long ticket, a search.

Run: python bench/bench_workspace.py [--tickets 1000000] [--requests 50] [--reuse] [--peer DIR]

Needs PostgreSQL at 127.0.0.1:5432 (trust auth; KONTAKT_TEST_POSTGRES overrides). Builds the
database kontakt_bench_workspace of its own: migrated as the app is, the shipped reference data
and 40 agents through the app's services, then TICKETS tickets with their customers, 1-4
messages each (one ticket has 50), their audit events, two SLA clocks each and their search
documents, written with COPY (the search words computed by the same code the app uses).
--reuse keeps a database an earlier run built with the same number of tickets.

Then, for an agent of the customer-service team (role agent, so the visibility filter applies):

* client: the time a client sees over HTTP from the web server (2 workers of 4 threads, as the
  Procfile runs it), requests one after another on a kept-alive connection;
* server: the time the app took for the same requests inside the web server (its Server-Timing
  header), the SQL statements a request runs (counted in this process) and the web server's CPU
  time per request (which other work on the machine does not lengthen);

each the median and 95th percentile of --requests requests after 3 warm-ups, for: the default
queue (my teams' unassigned), page 1 and page 2000 of "all open" (25 rows a page, page 2000
reached by its cursor as the "Next page" link carries it), a ticket page with 50 messages, and
searches (five queries in turn, without diacritics and inflected). Targets: p95 under 50 ms for
the queue and the ticket page, under 300 ms for search.

--peer DIR: a django-helpdesk set up by ../shared/peers/django-helpdesk/setup.sh DIR (on
PostgreSQL: HD_DB=postgres, with its PG* variables set for this run) is topped up to
--peer-tickets tickets with its own seeding script and its staff list timed the same way (its
first 25 rows, the JSON its list page fetches; --peer-requests of them after one warm-up,
from its gunicorn with 2 sync workers and a timeout long enough to answer); the ratio to
Kontakt's default queue is printed. The load generator, the servers and PostgreSQL
share the machine's 2 cores.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_routing_e2e import _cpu_of, free_port, start_web, wait_listening  # noqa: E402  (the web server (granian) as the Procfile runs it)
from helpdesk.tickets.search import identity_words, words_of as words  # noqa: E402
from routing.text import stems  # noqa: E402

POSTGRES = os.environ.get("KONTAKT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
DATABASE = "kontakt_bench_workspace"
PAGE = 25
PASSWORD = "bench-password-1"

SUBJECTS = [
    ("Nie widzę mojej wpłaty", "payment-problems"), ("Spłata raty po terminie", "payment-problems"),
    ("Prośba o harmonogram spłaty", "payment-problems"), ("Podwójne obciążenie karty", "payment-problems"),
    ("Status wniosku o pożyczkę", "application-status"), ("Kiedy dostanę pieniądze?", "application-status"),
    ("Wniosek odrzucony — dlaczego?", "application-status"), ("Zmiana warunków umowy", "loan-terms"),
    ("Wcześniejsza spłata całości", "loan-terms"), ("Oprocentowanie i opłaty", "loan-terms"),
    ("Zmiana adresu korespondencyjnego", "personal-data"), ("Nowy numer telefonu", "personal-data"),
    ("Nie mogę się zalogować", "technical-support"), ("Błąd w aplikacji mobilnej", "technical-support"),
    ("Reset hasła nie działa", "technical-support"), ("Reklamacja opłaty za monit", "complaints"),
    ("Skarga na konsultanta", "complaints"), ("Żółć mnie zalewa — trzeci raz to samo", "complaints"),
]
SENTENCES = [
    "Dzień dobry, piszę w sprawie mojej pożyczki.", "Zapłaciłem ratę trzy dni temu, a w systemie jej nie widzę.",
    "Proszę o przesłanie nowego harmonogramu spłaty.", "Czy mogę przesunąć termin spłaty raty o tydzień?",
    "W załączniku przesyłam potwierdzenie przelewu.", "Numer umowy podaję poniżej.",
    "Od wczoraj nie mogę zalogować się do strefy klienta.", "Aplikacja wyświetla błąd przy logowaniu.",
    "Link do resetu hasła wygasa od razu.", "Zmieniłem adres zamieszkania i proszę o aktualizację danych.",
    "Mój nowy numer telefonu to 600 100 200.", "Kiedy mogę spodziewać się decyzji w sprawie wniosku?",
    "Wniosek złożyłem w poniedziałek przez formularz.", "Chciałbym spłacić całą pożyczkę wcześniej.",
    "Ile wyniesie kwota do spłaty na koniec miesiąca?", "Naliczono mi opłatę za monit, choć zapłaciłem w terminie.",
    "Składam reklamację i proszę o zwrot opłaty.", "Konsultant rozłączył się w trakcie rozmowy.",
    "Proszę o kontakt telefoniczny po godzinie 16.", "Dziękuję za szybką odpowiedź.",
    "Żółć mnie zalewa, bo to już trzecia wiadomość w tej sprawie.", "Karta została obciążona dwukrotnie.",
    "Pozdrawiam serdecznie.", "Proszę o potwierdzenie otrzymania wiadomości.",
]
REPLIES = [
    "Dzień dobry, dziękujemy za wiadomość.", "Sprawdziliśmy płatność — rata została zaksięgowana.",
    "Nowy harmonogram spłaty wysłaliśmy e-mailem.", "Prosimy o przesłanie potwierdzenia przelewu.",
    "Hasło można zresetować linkiem z wiadomości, którą właśnie wysłaliśmy.",
    "Dane zostały zaktualizowane.", "Decyzja w sprawie wniosku zapadnie w ciągu dwóch dni roboczych.",
    "Reklamacja została przyjęta, odpowiemy w ciągu 14 dni.", "Opłata za monit zostanie zwrócona.",
    "Pozdrawiamy, zespół obsługi klienta.",
]
FIRST = ["Anna", "Piotr", "Katarzyna", "Tomasz", "Małgorzata", "Paweł", "Agnieszka", "Krzysztof", "Ewa", "Michał",
         "Zofia", "Łukasz", "Joanna", "Grzegorz", "Barbara", "Jakub", "Magdalena", "Marcin", "Żaneta", "Józef"]
LAST = ["Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamińska", "Lewandowski", "Zielińska",
        "Szymański", "Woźniak", "Dąbrowski", "Kozłowska", "Jankowski", "Mazur", "Kwiatkowska", "Krawczyk",
        "Piotrowski", "Grabowska", "Nowakowski", "Pawłowska", "Michalski", "Król", "Wieczorek", "Jabłońska",
        "Wróbel", "Majewski", "Olszewska", "Stępień", "Malinowski", "Jaworska", "Źródłowski", "Gołębiowska"]
SEARCHES = ["zolc", "splaty harmonogram", "kowalska", "reklamacja monit", "nie moge sie zalogowac"]


def copy_text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Copier:
    """Rows for one table, sent to COPY in chunks of text, on a connection of its own (so several
    tables fill at once) with foreign-key triggers off: the rows are consistent by construction."""

    def __init__(self, dsn: str, table: str, columns: tuple[str, ...]):
        import psycopg

        self.conn = psycopg.connect(dsn)
        self.conn.execute("SET session_replication_role = replica")
        self.conn.execute("SET synchronous_commit = off")
        self.cursor = self.conn.cursor()
        self.context = self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN")
        self.copy = self.context.__enter__()
        self.buffer = io.StringIO()
        self.rows = 0

    def row(self, *values) -> None:
        self.buffer.write("\t".join(copy_text(v) for v in values))
        self.buffer.write("\n")
        self.rows += 1
        if self.rows % 20000 == 0:
            self.flush()

    def flush(self) -> None:
        self.copy.write(self.buffer.getvalue())
        self.buffer = io.StringIO()

    def close(self) -> None:
        self.flush()
        self.context.__exit__(None, None, None)
        self.conn.commit()
        self.conn.close()


def build(app, count: int) -> None:
    import psycopg

    from flask_migrate import upgrade

    from helpdesk.admin.services import ensure_reference_data
    from helpdesk.core.extensions import db
    from helpdesk.models import Category, Team
    from helpdesk.staff.services import create_staff

    with app.app_context():
        upgrade()
        ensure_reference_data()
        teams = {t.slug: t.id for t in db.session.scalars(db.select(Team))}
        categories = {c.slug: (c.id, c.default_team_id) for c in db.session.scalars(db.select(Category))}
        agents = []
        for n in range(40):
            team = "obsluga-klienta" if n % 4 else "wsparcie-techniczne"
            user = create_staff(email=f"agent{n}@kontakt.test", name=f"{FIRST[n % 20]} {LAST[n % 32]}",
                                role="agent", password=PASSWORD, teams=[team])
            agents.append((user.id, teams[team]))
        db.session.remove()
    dsn = POSTGRES.replace("postgresql+psycopg://", "postgresql://") + "/" + DATABASE
    rng = random.Random(15)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    started = time.perf_counter()
    sentence_words = [words(s) for s in SENTENCES]
    reply_words = [words(s) for s in REPLIES]
    subject_words = [words(s) for s, _ in SUBJECTS]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP INDEX IF EXISTS ix_ticket_search_vector")  # built once the rows are in
    with psycopg.connect(dsn) as conn:
        customers = max(1000, count // 5)
        cust = Copier(dsn, "customers", ("id", "name", "customer_number", "attributes", "language", "created_at"))
        mails = Copier(dsn, "customer_emails", ("id", "customer_id", "address"))
        phones = Copier(dsn, "customer_phones", ("id", "customer_id", "number"))
        identity = []
        for cid in range(1, customers + 1):
            first, last = FIRST[rng.randrange(20)], LAST[rng.randrange(32)]
            name = f"{first} {last}"
            address = f"{stems(first)[0]}.{'-'.join(stems(last))}{cid}@example.pl"
            number = f"K{cid:07d}"
            cust.row(cid, name, number, "{}", "pl", now - timedelta(days=800))
            mails.row(cid, cid, address)
            phone = f"+4860{cid:07d}" if cid % 2 else None
            if phone:
                phones.row(cid, cid, phone)
            identity.append({"name": name, "customer_number": number, "emails": [address],
                             "phones": [phone] if phone else []})
        for c in (cust, mails, phones):
            c.close()
        print(f"  {customers} customers ({time.perf_counter() - started:.0f} s)", flush=True)

        tickets = Copier(dsn, "tickets", (
            "id", "subject", "status", "priority", "channel", "line", "language", "tags", "category_id", "team_id",
            "assignee_id", "customer_id", "pinned", "routed_at", "next_due_at", "created_at", "updated_at"))
        messages = Copier(dsn, "messages", (
            "id", "ticket_id", "channel", "direction", "internal", "author_user_id", "author_customer_id",
            "author_name", "subject", "text", "delivery_attempts", "created_at"))
        events = Copier(dsn, "ticket_events", ("id", "ticket_id", "actor_user_id", "kind", "data", "created_at"))
        clocks = Copier(dsn, "sla_clocks", (
            "id", "ticket_id", "name", "policy_name", "calendar_name", "target_seconds", "accumulated_seconds",
            "running_since", "stopped", "due_at", "warn_at"))
        search = Copier(dsn, "ticket_search", ("ticket_id", "subject", "identity", "body", "updated_at"))
        span = timedelta(days=730).total_seconds()
        message_id = event_id = clock_id = 0
        long_ticket = count - 100  # the ticket page measured: open, 50 messages
        for tid in range(1, count + 1):
            created = now - timedelta(seconds=span * (count - tid) / count + rng.random() * 60)
            subject, category = SUBJECTS[rng.randrange(len(SUBJECTS))]
            category_id, team_id = categories[category]
            customer_id = rng.randrange(1, customers + 1)
            recent = tid > count * 0.75
            roll = rng.random()
            status = ("new" if roll < 0.08 else "open" if roll < 0.25 else "waiting" if roll < 0.4 else
                      "solved" if roll < 0.5 else "closed") if recent else ("closed" if roll < 0.8 else "solved")
            if tid == long_ticket:
                status = "open"
            is_open = status in ("new", "open", "waiting")
            team_agents = [a for a, t in agents if t == team_id]
            assignee = None if status == "new" or (is_open and rng.random() < 0.5) else rng.choice(team_agents)
            due = None
            if status in ("new", "open"):
                due = now + timedelta(minutes=rng.randrange(-3 * 24 * 60, 5 * 24 * 60))
            channel = ("email", "webform", "phone")[rng.choices((0, 1, 2), (55, 30, 15))[0]]
            priority = ("normal", "high", "low", "urgent")[rng.choices((0, 1, 2, 3), (70, 15, 10, 5))[0]]
            tickets.row(tid, subject, status, priority, channel, "bok@kontakt.example.pl", "pl",
                        '["vip"]' if customer_id % 50 == 0 else "[]", category_id, team_id, assignee, customer_id,
                        False, created + timedelta(seconds=5), due, created, created + timedelta(hours=1))
            n_messages = 50 if tid == long_ticket else rng.choice((1, 2, 2, 3, 3, 4))
            body_words: dict[str, None] = {}
            at = created
            for m in range(n_messages):
                message_id += 1
                inbound = m % 2 == 0
                if inbound:
                    picks = rng.sample(range(len(SENTENCES)), 3)
                    text = " ".join(SENTENCES[i] for i in picks)
                    for i in picks:
                        body_words.update(dict.fromkeys(sentence_words[i].split()))
                else:
                    picks = rng.sample(range(len(REPLIES)), 2)
                    text = " ".join(REPLIES[i] for i in picks)
                    for i in picks:
                        body_words.update(dict.fromkeys(reply_words[i].split()))
                messages.row(message_id, tid, channel, "in" if inbound else "out", False,
                             None if inbound else (assignee or agents[0][0]), customer_id if inbound else None,
                             "Klient" if inbound else "Konsultant", subject, text, 0, at)
                at += timedelta(minutes=rng.randrange(5, 600))
            event_id += 1
            events.row(event_id, tid, None, "created", f'{{"channel": "{channel}"}}', created)
            if not is_open:
                event_id += 1
                events.row(event_id, tid, assignee, "status", f'{{"old": "open", "new": "{status}"}}', at)
            for name, target in (("first_response", 4 * 3600), ("resolution", 40 * 3600)):
                clock_id += 1
                running = due is not None and (name == "resolution" or n_messages == 1)
                clocks.row(clock_id, tid, name, "email-first-response", "contact-centre", target,
                           0.0 if running else float(target // 2), created if running else None, not running,
                           due if running else None, due - timedelta(hours=1) if running else None)
            search.row(tid, subject_words[SUBJECTS.index((subject, category))],
                       identity_words(tid, identity[customer_id - 1]),
                       " " + " ".join(body_words) + " ", now)
            if tid % 100000 == 0:
                print(f"  {tid} tickets ({time.perf_counter() - started:.0f} s)", flush=True)
        for c in (tickets, messages, events, clocks, search):
            c.close()
        for table, column in (("customers", "id"), ("customer_emails", "id"), ("customer_phones", "id"),
                              ("tickets", "id"), ("messages", "id"), ("ticket_events", "id"), ("sla_clocks", "id")):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT max({column}) FROM {table}))")
        conn.commit()
        print(f"  rows written ({time.perf_counter() - started:.0f} s); indexing search", flush=True)
        conn.execute("SET maintenance_work_mem = '1GB'")
        from helpdesk.models.tickets import SEARCH_VECTOR
        conn.execute(f"UPDATE ticket_search SET vector = {SEARCH_VECTOR}")
        conn.execute("CREATE INDEX ix_ticket_search_vector ON ticket_search USING gin (vector)")
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def statements_per_request(app, paths: list[str]) -> float:
    """The SQL statements a request runs, counted in this process (Flask's test client)."""
    from sqlalchemy import event

    from helpdesk.core.extensions import db

    client = app.test_client()
    with app.app_context():
        login_page = client.get("/agent/login").get_data(as_text=True)
        engine = db.engine
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/agent/login", data={"email": "agent1@kontakt.test", "password": PASSWORD, "csrf_token": token})
    for path in paths:
        client.get(path)
    statements = [0]

    def count(*args):
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statements[0] / len(paths)


class Browser:
    """A kept-alive HTTP connection with its cookies (standard library only)."""

    def __init__(self, port: int):
        import http.client

        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.cookies: dict[str, str] = {}
        self.server_ms: float | None = None
        self.location = ""  # where the last answer redirected to

    def request(self, method: str, path: str, form: dict | None = None, referer: str = "") -> tuple[int, str]:
        from urllib.parse import urlencode

        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if referer:
            headers["Referer"] = referer
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        timing = re.search(r"dur=([\d.]+)", response.getheader("Server-Timing") or "")
        self.server_ms = float(timing.group(1)) if timing else None
        self.location = response.getheader("Location") or ""
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";")[0]
        return response.status, text

    def get(self, path: str) -> str:
        status, text = self.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path}: {status}")
        return text

    def log_in(self, path: str, fields: dict, token_field: str, base: str) -> None:
        page = self.get(path)
        token = re.search(rf'name="{token_field}"(?: type="hidden")? value="([^"]+)"', page).group(1)
        status, _ = self.request("POST", path, {**fields, token_field: token}, referer=base + path)
        if status != 302:
            raise SystemExit(f"log in at {path}: {status}")


def client_side(web, port: int, paths: list[str], n: int) -> tuple[list[float], list[float], float]:
    """Seconds per request as a client sees them, one after another on one kept-alive connection,
    the seconds the app took for each inside the web server (its Server-Timing header), and the web server's
    CPU seconds per request (what the app costs whatever else shares the cores)."""
    browser = Browser(port)
    browser.log_in("/agent/login", {"email": "agent1@kontakt.test", "password": PASSWORD}, "csrf_token",
                   f"http://127.0.0.1:{port}")
    for path in paths[:3]:
        browser.get(path)
    times, server = [], []
    cpu = _cpu_of(web.pid)
    for i in range(n):
        started = time.perf_counter()
        browser.get(paths[i % len(paths)])
        times.append(time.perf_counter() - started)
        server.append(browser.server_ms / 1000)
    return times, server, (_cpu_of(web.pid) - cpu) / n


def deep_cursor(app, page_number: int) -> tuple[int, str]:
    """The "Next page" cursor that leads to page ``page_number`` of "all open" for agent1 (or to
    its last page, when there are fewer), and that page's number."""
    from sqlalchemy import select

    from helpdesk.core.extensions import db
    from helpdesk.models import Ticket, User
    from helpdesk.tickets import queue

    with app.test_request_context():
        user = db.session.scalar(select(User).filter_by(email="agent1@kontakt.test"))
        query = queue.base_query(user, queue.QueueFilter(view="all"))
        visible = db.session.scalar(select(db.func.count()).select_from(query.with_only_columns(Ticket.id).subquery()))
        page_number = max(2, min(page_number, (visible - 1) // PAGE + 1))
        offset = (page_number - 1) * PAGE - 1
        non_null = db.session.scalar(select(db.func.count()).select_from(
            query.where(Ticket.next_due_at.is_not(None)).with_only_columns(Ticket.id).subquery()))
        if offset < non_null:
            row = db.session.execute(query.where(Ticket.next_due_at.is_not(None)).with_only_columns(
                Ticket.next_due_at, Ticket.id).order_by(Ticket.next_due_at, Ticket.id).offset(offset).limit(1)).one()
        else:
            row = db.session.execute(query.where(Ticket.next_due_at.is_(None)).with_only_columns(
                Ticket.next_due_at, Ticket.id).order_by(Ticket.id).offset(offset - non_null).limit(1)).one()
        return page_number, queue.Cursor(row[0], row[1]).encode()


def start_peer(peer: Path, *, timeout: int = 30) -> tuple[subprocess.Popen, int]:
    """django-helpdesk served by its own gunicorn with 2 sync workers, as its run.sh starts it
    (``timeout``: gunicorn's, for a worker's answer), on a free port: (the server, its port)."""
    port = free_port()
    server = subprocess.Popen([str(peer / "venv" / "bin" / "gunicorn"), "hdpeer.wsgi:application", "--bind",
                               f"127.0.0.1:{port}", "--workers", "2", "--timeout", str(timeout)],
                              cwd=peer / "project",
                              # not Kontakt's PYTHONPATH: both name their package helpdesk
                              env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_listening(port, "django-helpdesk's gunicorn did not start")
    return server, port


def peer_list(peer: Path, tickets: int, n: int) -> tuple[list[float], str] | None:
    """django-helpdesk's first 25 rows of its staff list, timed as a client sees them (one warm-up)."""
    script = ROOT.parent / "shared" / "peers" / "django-helpdesk" / "seed_tickets.py"
    if not script.exists():
        script = Path("/work/shared/peers/django-helpdesk/seed_tickets.py")
    env = {**os.environ, "HD_SEED_TOTAL": str(tickets)}
    started = time.perf_counter()
    with open(script) as stdin:
        seeded = subprocess.run([str(peer / "venv" / "bin" / "python"), "manage.py", "shell", "-v", "0"],
                                cwd=peer / "project", stdin=stdin, env=env, capture_output=True, text=True)
    print(f"  django-helpdesk seeding: {seeded.stdout.strip() or seeded.stderr.strip()[-300:]} "
          f"({time.perf_counter() - started:.0f} s)", flush=True)
    # A timeout long enough for its list at this size: at the default 30 s a worker is killed
    # before its first answer.
    server, port = start_peer(peer, timeout=1800)
    try:
        import html as html_module

        browser = Browser(port)
        browser.log_in("/login/", {"username": "admin", "password": "admin-pass-123", "next": "/tickets/"},
                       "csrfmiddlewaretoken", f"http://127.0.0.1:{port}")
        listing = browser.get("/tickets/")
        query = html_module.unescape(re.search(r'name="query_encoded" value="([^"]+)"', listing).group(1))
        path = f"/datatables_ticket_list/{query}?draw=1&start=0&length=25"
        browser.get(path)
        times = []
        for _ in range(n):
            started = time.perf_counter()
            text = browser.get(path)
            times.append(time.perf_counter() - started)
        total = re.search(r'"recordsTotal":\s*(\d+)', text)
        return times, f"recordsTotal={total.group(1) if total else '?'}"
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--reuse", action="store_true", help="keep a database built before with as many tickets")
    parser.add_argument("--peer", type=Path, help="a django-helpdesk directory made by its setup.sh")
    parser.add_argument("--peer-tickets", type=int, help="tickets to give django-helpdesk (default: --tickets)")
    parser.add_argument("--peer-requests", type=int, default=3,
                        help="django-helpdesk list requests timed (each can take a minute at 1,000,000)")
    args = parser.parse_args()

    import psycopg

    admin = POSTGRES.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    url = f"{POSTGRES}/{DATABASE}"
    instance = Path("/tmp") / f"{DATABASE}-instance"
    instance.mkdir(exist_ok=True)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret", "KONTAKT_INSTANCE": str(instance),
           "REDIS_URL": "", "SESSION_COOKIE_SECURE": "0"}
    os.environ.update({k: v for k, v in env.items() if k != "REDIS_URL"})
    from helpdesk import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "REDIS_URL": None,
                      "SESSION_COOKIE_SECURE": False})
    have = None
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
    if exists and args.reuse:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            have = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    if have != args.tickets:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
        print(f"building {args.tickets} tickets in {DATABASE}", flush=True)
        build(app, args.tickets)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("tickets", "messages", "ticket_events", "sla_clocks", "customers")}
        open_count = conn.execute("SELECT count(*) FROM tickets WHERE status IN ('new','open','waiting')").fetchone()[0]
        long_ticket = conn.execute("SELECT ticket_id FROM messages GROUP BY ticket_id HAVING count(*) = 50 "
                                   "LIMIT 1").fetchone()[0]
    print("data: " + ", ".join(f"{v} {k}" for k, v in counts.items()) + f"; {open_count} open tickets")

    deep, cursor = deep_cursor(app, 2000)
    targets = {
        "default queue": ["/agent/"],
        "all open, page 1": ["/agent/?view=all"],
        f"all open, page {deep}": [f"/agent/?view=all&after={cursor}"],
        "ticket, 50 messages": [f"/agent/tickets/{long_ticket}"],
        "search": [f"/agent/?q={q.replace(' ', '+')}" for q in SEARCHES],
    }
    results = {name: [statements_per_request(app, paths)] for name, paths in targets.items()}
    web, port = start_web({**env, "REDIS_URL": ""})
    try:
        for name, paths in targets.items():
            results[name] += client_side(web, port, paths, args.requests)
    finally:
        web.terminate()
        web.wait(timeout=20)
    with open("/proc/loadavg") as load:
        print(f"\n(load average during the run: {load.read().split()[0]} on {os.cpu_count()} cores)")
    print(f"{'':22} {'server p50':>10} {'p95':>7} {'SQL':>5} {'app CPU':>8}   {'client p50':>10} {'p95':>7}   "
          f"target p95")
    for name, (statements, client, server, cpu) in results.items():
        s50, s95 = percentiles(server)
        c50, c95 = percentiles(client)
        target = 300 if name == "search" else 50
        print(f"{name:22} {s50 * 1000:8.1f}ms {s95 * 1000:5.1f}ms {statements:5.1f} {cpu * 1000:6.1f}ms   "
              f"{c50 * 1000:8.1f}ms {c95 * 1000:5.1f}ms   < {target} ms {'ok' if c95 * 1000 < target else 'MISSED'}")
    if args.peer:
        peer = peer_list(args.peer, args.peer_tickets or args.tickets, args.peer_requests)
        if peer:
            times, note = peer
            p50, p95 = percentiles(times)  # with a few requests, p95 is the slowest
            k50, k95 = percentiles(results["default queue"][1])
            print(f"\ndjango-helpdesk, first 25 rows ({note}): p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
                  f"(client); Kontakt's default queue p50 {k50 * 1000:.1f} ms, p95 {k95 * 1000:.1f} ms: "
                  f"{p50 / k50:.1f}x faster at the median, {p95 / k95:.1f}x at p95")


if __name__ == "__main__":
    main()
