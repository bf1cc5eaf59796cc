"""End-to-end routing speed: web-form intake to an assigned ticket, through RQ on PostgreSQL.

Run: python bench/bench_routing_e2e.py [TICKETS]   (default 600)

Needs PostgreSQL at 127.0.0.1:5432 (trust auth) and Redis at 127.0.0.1:6379, or
KONTAKT_TEST_POSTGRES / KONTAKT_TEST_REDIS. Creates and drops its own database and queue.
Prints three figures:

* intake: contacts per second one web process takes in as POST /contact does once the form
  is valid: the submission stored with its ticket number reserved, a receiving job asked for;
* workers: tickets per second 2 RQ worker processes open, route and assign from a full
  queue, and the job time that cost per ticket;
* end to end: 2 workers running while one process takes the contacts in, from the first
  contact to the last ticket assigned; then how long the acknowledgements trail behind.

The workers also send each customer's acknowledgement e-mail (to an SMTP sink on loopback),
as they do in production.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES = os.environ.get("KONTAKT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS = os.environ.get("KONTAKT_TEST_REDIS", "redis://127.0.0.1:6379/0")
WORKERS = 2
TEXTS = [
    ("Logowanie", "Nie mogę się zalogować do strefy klienta, wyskakuje błąd hasła.", "technical-support"),
    ("Rata", "Nie zapłaciłem raty w terminie, proszę o nowy harmonogram spłaty.", "payment-problems"),
    ("Wniosek", "Jaki jest status wniosku złożonego wczoraj? Kiedy dostanę pieniądze?", "application-status"),
    ("Adres", "Proszę o zmianę adresu korespondencyjnego na nowy adres.", "personal-data"),
    ("Reklamacja", "Składam reklamację dotyczącą opłaty za monit.", "complaints"),
]


def main(count: int) -> None:
    import psycopg

    name = f"kontakt_bench_{uuid.uuid4().hex[:10]}"
    admin_dsn = POSTGRES.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{POSTGRES}/{name}"
    queue_name = f"bench-{uuid.uuid4().hex[:8]}"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    # The customers' acknowledgements go to an SMTP sink in a process of its own.
    smtp = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=REDIS, RQ_QUEUE=queue_name, SECRET_KEY="bench",
               KONTAKT_INSTANCE=f"/tmp/{name}", PYTHONPATH=str(ROOT), SMTP_HOST="127.0.0.1",
               SMTP_PORT=str(smtp_port), SMTP_SECURITY="none")
    os.environ.update(env)
    try:
        run(count, env)
    finally:
        smtp.terminate()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(count: int, env: dict) -> None:
    from flask_migrate import upgrade

    from helpdesk import create_app, jobs
    from helpdesk.extensions import db
    from helpdesk.models import Ticket
    from helpdesk.reference import ensure_reference_data
    from helpdesk.routing_service import ensure_default_rules
    from helpdesk.services.staff import create_staff

    app = create_app()
    with app.app_context():
        upgrade()
        ensure_reference_data()
        ensure_default_rules()
        skills = [slug for _, _, slug in TEXTS]
        for n in range(20):
            team = "wsparcie-techniczne" if n % 2 else "obsluga-klienta"
            create_staff(email=f"agent{n}@bench.test", name=f"Agent {n}", role="agent", password="x" * 12,
                         teams=[team], skills=skills, presence="available", capacity={"webform": 100000})

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
        started = time.perf_counter()
        submit(count, count)
        submitted = time.perf_counter() - started
        wait_for(Ticket.assignee_id.is_not(None), 2 * count, started)
        e2e_seconds = time.perf_counter() - started
        print(f"end to end:  {count / e2e_seconds:7.1f} tickets/s  (from the first contact to the last ticket "
              f"assigned, intake in one process while {WORKERS} workers run; intake took {submitted:.2f} s)")
        wait_for(None, 2 * count, started)
        acks_seconds = time.perf_counter() - started
        for worker in workers:
            worker.terminate()
            worker.wait()
        print(f"acknowledged: all {2 * count} customers e-mailed {acks_seconds - e2e_seconds:.1f} s after the last "
              f"assignment (a lower-priority queue)")
        assigned = db.session.scalar(db.select(db.func.count()).select_from(Ticket)
                                     .where(Ticket.assignee_id.is_not(None)))
        print(f"assigned:    {assigned} of {2 * count} tickets")
        jobs.queue().delete(delete_jobs=True)
        jobs.queue(low_priority=True).delete(delete_jobs=True)


def submit(count: int, offset: int) -> None:
    """What POST /contact does after the form validated: store the submission with its
    reserved ticket number, and make sure a worker will receive it."""
    from channels.webform import FormSubmission, to_payload
    from helpdesk import intake, jobs
    from helpdesk.models.types import utcnow

    for n in range(offset, offset + count):
        subject, text, category = TEXTS[n % len(TEXTS)]
        form = FormSubmission(name=f"Klient {n}", email=f"klient{n}@example.pl", category=category,
                              subject=subject, description=text)
        raw, created = intake.store_raw(channel="webform", source=intake.WEBFORM_SOURCE,
                                        payload=to_payload(form, utcnow()), media_type="application/json",
                                        dedup_key=f"webform:{uuid.uuid4().hex}", reserve_ticket=True)
        if created:
            jobs.enqueue_once(intake.receive_stored)
        assert raw.reserved_ticket_id  # the number the customer is shown


def start_workers(env: dict, *, burst: bool) -> list[subprocess.Popen]:
    command = [sys.executable, "-m", "helpdesk", "worker"] + (["--burst"] if burst else [])
    logs = Path(env["KONTAKT_INSTANCE"])
    logs.mkdir(parents=True, exist_ok=True)
    return [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=(logs / f"worker-{n}.log").open("a"))
            for n in range(WORKERS)]


def wait_for(condition, total: int, started: float) -> None:
    """Until ``total`` tickets meet ``condition`` (None: until that many acknowledgements are sent)."""
    from helpdesk.extensions import db
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
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
