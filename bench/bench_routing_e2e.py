"""End-to-end routing speed: web-form intake to an assigned ticket, through RQ on PostgreSQL.

Run: python bench/bench_routing_e2e.py [TICKETS]   (default 1500)

Needs PostgreSQL at 127.0.0.1:5432 (trust auth) and Redis at 127.0.0.1:6379, or
KONTAKT_TEST_POSTGRES / KONTAKT_TEST_REDIS. Creates and drops its own database and queue.
Prints three figures:

* intake: contacts per second one web process takes in as POST /contact does once the form
  is valid: the submission stored with its ticket number reserved, a receiving job asked for;
* workers: tickets per second 2 RQ worker processes open, route and assign from a full
  queue, and the job time that cost per ticket;
* end to end: 2 workers running while one process takes the contacts in, from the first
  contact to the last ticket assigned; then how long the acknowledgements trail behind;
* paced: contacts arriving at a steady RATE per second (default 300) for 15 seconds, as
  a busy hour does; the delay from each contact to its assigned ticket (median, 95th
  percentile, worst) shows whether the workers keep up (a delay that grows with time
  means they do not);
* over HTTP: customers' browsers (threads of this process) posting the contact form to
  the web server (granian, 2 workers of 4 threads, as the Procfile runs it): CSRF, validation and all;
  twice as many contacts as end to end as fast as possible, then RATE per second for 15
  seconds. The load generator, the web server, the RQ workers and PostgreSQL share the 2 cores.

The workers also send each customer's acknowledgement e-mail (to an SMTP sink on loopback),
as they do in production. CPU time per ticket is printed for each part (from /proc).
BENCH_RATE sets the paced rate, BENCH_WORKERS the RQ workers; BENCH_WEB_WORKERS and BENCH_WEB_THREADS the web server's
processes and threads (default 2 and 4, as the Procfile); BENCH_WEB_SERVER=gunicorn serves with
gunicorn's threaded workers instead of granian (installed by hand: it is no dependency).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES = os.environ.get("KONTAKT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS = os.environ.get("KONTAKT_TEST_REDIS", "redis://127.0.0.1:6379/0")
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
TEXTS = [
    ("Logowanie", "Nie mogę się zalogować do strefy klienta, wyskakuje błąd hasła.", "technical-support"),
    ("Rata", "Nie zapłaciłem raty w terminie, proszę o nowy harmonogram spłaty.", "payment-problems"),
    ("Wniosek", "Jaki jest status wniosku złożonego wczoraj? Kiedy dostanę pieniądze?", "application-status"),
    ("Adres", "Proszę o zmianę adresu korespondencyjnego na nowy adres.", "personal-data"),
    ("Reklamacja", "Składam reklamację dotyczącą opłaty za monit.", "complaints"),
]


def main(count: int) -> None:
    with web_form_setting() as env:
        run(count, env)


@contextmanager
def web_form_setting():
    """A database of its own (dropped afterwards), a queue of its own and an SMTP sink for the
    customers' acknowledgements (a process of its own), set in this process's environment for
    the app and the servers it starts; yields that environment."""
    import psycopg

    name = f"kontakt_bench_{uuid.uuid4().hex[:10]}"
    admin_dsn = POSTGRES.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    smtp_port = free_port()
    smtp = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DATABASE_URL=f"{POSTGRES}/{name}", REDIS_URL=REDIS, RQ_QUEUE=f"bench-{uuid.uuid4().hex[:8]}",
               SECRET_KEY="bench", KONTAKT_INSTANCE=f"/tmp/{name}", PYTHONPATH=str(ROOT), SMTP_HOST="127.0.0.1",
               SMTP_PORT=str(smtp_port), SMTP_SECURITY="none",
               # All its customers post from one loopback address: the per-address limit is for bursts
               # (bench_contact_burst.py measures it).
               CONTACT_RATE_LIMITS="0", CONTACT_MIN_FILL_SECONDS="0")
    os.environ.update(env)
    try:
        yield env
    finally:
        smtp.terminate()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare_routing() -> None:
    """Inside the app's context: the schema, the shipped reference data and routing rules, and
    20 agents of the two teams, available, with every category's skill and room to spare."""
    from flask_migrate import upgrade

    from helpdesk.admin.services import ensure_reference_data
    from helpdesk.routing.services import ensure_default_rules
    from helpdesk.staff.services import create_staff

    upgrade()
    ensure_reference_data()
    ensure_default_rules()
    skills = [slug for _, _, slug in TEXTS]
    for n in range(20):
        team = "wsparcie-techniczne" if n % 2 else "obsluga-klienta"
        create_staff(email=f"agent{n}@bench.test", name=f"Agent {n}", role="agent", password="x" * 12,
                     teams=[team], skills=skills, presence="available", capacity={"webform": 100000})


def run(count: int, env: dict) -> None:
    from helpdesk import create_app
    from helpdesk.core import jobs
    from helpdesk.core.extensions import db
    from helpdesk.models import Ticket

    app = create_app()
    with app.app_context():
        prepare_routing()
        print(f"{count} web-form contacts, {WORKERS} RQ worker processes, PostgreSQL + Redis on this machine")
        started = time.perf_counter()
        submit(count, 0)
        intake_seconds = time.perf_counter() - started
        print(f"intake:      {count / intake_seconds:7.1f} contacts/s  (the contact page's part, one process: "
              f"stored with the ticket number reserved, a worker job asked for)")

        started = time.perf_counter()
        workers = start_workers(env, burst=True)
        wait_for(Ticket.assignee_id.is_not(None), count, started)
        drain_seconds = time.perf_counter() - started
        for worker in workers:
            worker.wait()
        busy = job_seconds(jobs.queue())
        print(f"workers:     {count / drain_seconds:7.1f} tickets/s  (opened, routed and assigned from a full queue, "
              f"worker start-up included); {busy / count * 1000:.2f} ms of job time per ticket")

        workers = start_workers(env, burst=False)
        time.sleep(3)  # let them start before the clock runs
        before = cpu_snapshot(workers)
        started = time.perf_counter()
        submit(count, count)
        submitted = time.perf_counter() - started
        wait_for(Ticket.assignee_id.is_not(None), 2 * count, started)
        e2e_seconds = time.perf_counter() - started
        print(f"end to end:  {count / e2e_seconds:7.1f} tickets/s  (from the first contact to the last ticket "
              f"assigned, intake in one process while {WORKERS} workers run; intake took {submitted:.2f} s)")
        print_cpu(before, cpu_snapshot(workers), count, this_process="intake")
        wait_for(None, 2 * count, started)
        acks_seconds = time.perf_counter() - started
        stop(workers)
        print(f"acknowledged: all {2 * count} customers e-mailed {acks_seconds - e2e_seconds:.1f} s after the last "
              f"assignment (a lower-priority queue)")
        assigned = db.session.scalar(db.select(db.func.count()).select_from(Ticket)
                                     .where(Ticket.assignee_id.is_not(None)))
        print(f"assigned:    {assigned} of {2 * count} tickets")

        rate = float(os.environ.get("BENCH_RATE", 300))
        workers = start_workers(env, burst=False)
        try:
            time.sleep(3)
            before = cpu_snapshot(workers)
            first_id = last_ticket_id()
            paced_count = submit_paced(rate, 15.0, 2 * count)
            wait_for(Ticket.assignee_id.is_not(None), 2 * count + paced_count, time.perf_counter())
            after = cpu_snapshot(workers)
            last_assigned = time.perf_counter()
            wait_for(None, 2 * count + paced_count, last_assigned)
            acks_trail = time.perf_counter() - last_assigned
        finally:
            stop(workers)
        median, p95, worst = delays_after(first_id)
        print(f"paced:       {paced_count} contacts in 15 s ({paced_count / 15:.0f}/s; {rate:.0f}/s asked): contact to "
              f"assigned ticket median "
              f"{median:.2f} s, 95% within {p95:.2f} s, worst {worst:.2f} s; the last acknowledgement "
              f"{acks_trail:.1f} s after the last assignment")
        print_cpu(before, after, paced_count, this_process="intake")
        count_before_http = 2 * count + paced_count

        workers = start_workers(env, burst=False)
        web, port = start_web(env)
        try:
            time.sleep(3)
            before = cpu_snapshot(workers, web)
            started = time.perf_counter()
            posted = post_contact_forms(port, 2 * count, offset=count_before_http)
            submitted = time.perf_counter() - started
            wait_for(Ticket.assignee_id.is_not(None), count_before_http + posted, started)
            http_seconds = time.perf_counter() - started
            after = cpu_snapshot(workers, web)
        finally:
            stop(workers + [web])
        print(f"over HTTP:   {posted / http_seconds:7.1f} tickets/s  (POST /contact to the web server, first post to last "
              f"ticket assigned; the posts alone: {posted / submitted:.1f}/s)")
        print_cpu(before, after, posted, this_process="browsers")
        print_batches(jobs.queue())

        workers = start_workers(env, burst=False)
        web, port = start_web(env)
        try:
            time.sleep(3)
            first_id = last_ticket_id()
            before = cpu_snapshot(workers, web)
            started = time.perf_counter()
            posted = post_contact_forms(port, int(rate * 15), offset=count_before_http + 2 * count, rate=rate,
                                        browsers=32)
            submitted = time.perf_counter() - started
            wait_for(Ticket.assignee_id.is_not(None), count_before_http + 2 * count + posted, started)
            after = cpu_snapshot(workers, web)
        finally:
            stop(workers + [web])
        median, p95, worst = delays_after(first_id)
        print(f"paced HTTP:  {posted} posts in {submitted:.1f} s ({posted / submitted:.0f}/s; {rate:.0f}/s asked): "
              f"stored to assigned ticket median {median:.2f} s, 95% within {p95:.2f} s, worst {worst:.2f} s")
        print_cpu(before, after, posted, this_process="browsers")
        jobs.queue().delete(delete_jobs=True)
        jobs.queue(low_priority=True).delete(delete_jobs=True)


def last_ticket_id() -> int:
    from helpdesk.core.extensions import db
    from helpdesk.models import Ticket

    return db.session.scalar(db.select(db.func.max(Ticket.id))) or 0


def delays_after(first_id: int) -> tuple[float, float, float]:
    """Seconds from contact to routing of the tickets after ``first_id``: median, 95th percentile, worst."""
    from helpdesk.core.extensions import db
    from helpdesk.models import Ticket

    delays = sorted(db.session.scalars(db.select(
        db.func.extract("epoch", Ticket.routed_at - Ticket.created_at)).where(Ticket.id > first_id)).all())
    return tuple(float(delays[int(q * (len(delays) - 1))]) for q in (0.5, 0.95, 1.0))


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
        process.wait()


def submit_paced(rate: float, seconds: float, offset: int) -> int:
    """Submit contacts at ``rate`` per second for ``seconds``; how many were submitted."""
    started = time.perf_counter()
    sent = 0
    while (elapsed := time.perf_counter() - started) < seconds:
        due = int(elapsed * rate) + 1
        if due > sent:
            submit(due - sent, offset + sent)
            sent = due
        else:
            time.sleep(min(0.005, (sent + 1) / rate - elapsed))
    return sent


def submit(count: int, offset: int) -> None:
    """What POST /contact does after the form validated: store the submission with its
    reserved ticket number, and make sure a worker will receive it."""
    from flask import current_app

    from channels.webform import FormSubmission, to_payload
    from helpdesk.intake import services as intake
    from helpdesk.core import jobs
    from helpdesk.models.types import utcnow

    for n in range(offset, offset + count):
        subject, text, category = TEXTS[n % len(TEXTS)]
        form = FormSubmission(name=f"Klient {n}", email=f"klient{n}@example.pl", category=category,
                              subject=subject, description=text)
        raw, created = intake.store_raw(channel="webform", source=intake.WEBFORM_SOURCE,
                                        payload=to_payload(form, utcnow()), media_type="application/json",
                                        dedup_key=intake.webform_dedup_key(uuid.uuid4().hex), reserve_ticket=True)
        if created:
            jobs.enqueue_once(intake.receive_stored, gather_seconds=current_app.config["INTAKE_GATHER_MS"] / 1000)
        assert raw.reserved_ticket_id  # the number the customer is shown


def start_web(env: dict) -> tuple[subprocess.Popen, int]:
    """The web server serving the app as the Procfile has it (granian), on a free port;
    BENCH_WEB_SERVER=gunicorn runs gunicorn's threaded workers instead (for comparison: it is
    no dependency of the project, so install it into the venv first)."""
    port = free_port()
    workers, threads = os.environ.get("BENCH_WEB_WORKERS", str(WORKERS)), os.environ.get("BENCH_WEB_THREADS", "4")
    if os.environ.get("BENCH_WEB_SERVER") == "gunicorn":
        command = [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", workers,
                   "--threads", threads, "--bind", f"127.0.0.1:{port}", "helpdesk:create_app()"]
    else:
        command = [str(Path(sys.executable).parent / "granian"), "--interface", "wsgi", "--factory",
                   "--workers", workers, "--blocking-threads", threads, "--host", "127.0.0.1", "--port", str(port),
                   "helpdesk:create_app"]
    web = subprocess.Popen(command, env=env, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=(Path(env["KONTAKT_INSTANCE"]) / "web.log").open("a"))
    wait_listening(port, "the web server did not start (see web.log)")
    return web, port


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_listening(port: int, failure: str) -> None:
    """Until a server takes connections on ``port`` (10 seconds at most, then exit with ``failure``)."""
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(failure)


def post_contact_forms(port: int, count: int, *, offset: int, browsers: int = 8, rate: float | None = None) -> int:
    """``browsers`` threads, each a customer's browser: it opens the contact page once (for
    its session and CSRF token), then sends its share of forms, as fast as the server
    answers or, with ``rate``, each when its turn comes at that many per second.
    Returns how many were accepted."""
    import http.client
    import re
    import threading
    from urllib.parse import urlencode

    accepted = []
    start: list[float] = []
    ready = threading.Barrier(browsers, action=lambda: start.append(time.perf_counter()))

    def browser(numbers: range) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", "/contact")
        page = conn.getresponse()
        cookie = page.getheader("Set-Cookie").split(";")[0]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode()).group(1)
        done = 0
        conn = http.client.HTTPConnection("127.0.0.1", port)  # kept alive, as a browser does
        ready.wait()
        for n in numbers:
            if rate:
                time.sleep(max(0.0, start[0] + (n - offset) / rate - time.perf_counter()))
            subject, text, category = TEXTS[n % len(TEXTS)]
            body = urlencode({"csrf_token": token, "name": f"Klient {n}", "email": f"klient{n}@example.pl",
                              "category": category, "subject": subject, "description": text,
                              "submission_id": uuid.uuid4().hex, "suggestions_shown": "1"})
            conn.request("POST", "/contact", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                     "Cookie": cookie})
            response = conn.getresponse()
            response.read()
            if response.status != 302:
                raise SystemExit(f"POST /contact answered {response.status}")
            done += 1
        accepted.append(done)

    threads = [threading.Thread(target=browser, args=(range(offset + k, offset + count, browsers),))
               for k in range(browsers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(accepted)


def _cpu_of(pid: int, *, with_children: bool = True) -> float:
    """CPU seconds (user + system) of a process, and of its live children, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split() if with_children else []
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") + sum(_cpu_of(int(c)) for c in children)


def cpu_snapshot(workers: list[subprocess.Popen], web: subprocess.Popen | None = None) -> dict[str, float]:
    """CPU seconds used so far by each part: this process, the RQ workers, the web server, PostgreSQL, Redis."""
    servers = {"PostgreSQL": 0.0, "PostgreSQL autovacuum": 0.0, "Redis": 0.0}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                name = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if name == "redis-server":
                servers["Redis"] += _cpu_of(int(entry.name), with_children=False)
            elif name == "postgres":
                try:
                    title = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                part = "PostgreSQL autovacuum" if b"autovacuum" in title else "PostgreSQL"
                servers[part] += _cpu_of(int(entry.name), with_children=False)  # each server process once
    return {"this": time.process_time(), "RQ workers": sum(_cpu_of(w.pid) for w in workers),
            "web": _cpu_of(web.pid) if web else 0.0, **servers}


def print_cpu(before: dict, after: dict, count: int, *, this_process: str) -> None:
    used = {(this_process if part == "this" else part): (after[part] - before[part]) / count * 1000 for part in after}
    parts = ", ".join(f"{part} {ms:.2f}" for part, ms in used.items() if ms >= 0.005)
    print(f"             CPU ms per ticket: {parts}; all {sum(used.values()):.2f}")


def start_workers(env: dict, *, burst: bool) -> list[subprocess.Popen]:
    command = [sys.executable, "-m", "helpdesk", "worker"] + (["--burst"] if burst else [])
    logs = Path(env["KONTAKT_INSTANCE"])
    logs.mkdir(parents=True, exist_ok=True)
    return [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=(logs / f"worker-{n}.log").open("a"))
            for n in range(WORKERS)]


def wait_for(condition, total: int, started: float) -> None:
    """Until ``total`` tickets meet ``condition`` (None: until that many acknowledgements are sent)."""
    from helpdesk.core.extensions import db
    from helpdesk.models import Ticket
    from helpdesk.models.mail import Acknowledgement

    if condition is None:
        query = db.select(db.func.count()).select_from(Acknowledgement).where(Acknowledgement.delivery_status == "sent")
    else:
        query = db.select(db.func.count()).select_from(Ticket).where(condition)
    while True:
        db.session.rollback()
        done = db.session.scalar(query)
        if done >= total:
            return
        if time.perf_counter() - started > int(os.environ.get("BENCH_PATIENCE", 600)):
            raise SystemExit(f"only {done} of {total} done after 10 minutes "
                             f"(worker logs in {os.environ['KONTAKT_INSTANCE']})")
        time.sleep(0.05)


def print_batches(queue) -> None:
    """How many tickets the routing jobs took at a time, over the whole run."""
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    sizes = [len(job.args[0]) for job in Job.fetch_many(FinishedJobRegistry(queue=queue).get_job_ids(),
                                                        connection=queue.connection)
             if job and job.func_name.endswith("route_tickets")]
    if sizes:
        print(f"             routing jobs: {len(sizes)}, {sum(sizes) / len(sizes):.1f} tickets each on average")


def job_seconds(queue) -> float:
    """Seconds RQ recorded between start and end of every finished job (both queues)."""
    from rq import Queue
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    total = 0.0
    for q in (queue, Queue(f"{queue.name}-low", connection=queue.connection)):
        ids = FinishedJobRegistry(queue=q).get_job_ids()
        total += sum((job.ended_at - job.started_at).total_seconds()
                     for job in Job.fetch_many(ids, connection=q.connection) if job and job.ended_at and job.started_at)
    return total


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1500)
