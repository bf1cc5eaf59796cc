"""End-to-end routing speed: web-form intake to an assigned ticket, through RQ on PostgreSQL.

Run: python bench/bench_routing_e2e.py [TICKETS]   (default 600)

Needs PostgreSQL at 127.0.0.1:5432 (trust auth) and Redis at 127.0.0.1:6379, or
KONTAKT_TEST_POSTGRES / KONTAKT_TEST_REDIS. Creates and drops its own database and queue.
Prints three figures:

* intake: contacts stored and turned into tickets per second by one web process
  (intake.store_raw + intake.receive, as POST /contact does, enqueueing the routing job);
* routing: tickets routed per second by 2 RQ worker processes draining a full queue,
  with the mean time inside route_ticket and the rest being RQ's own per-job work;
* end to end: 2 workers running while one process takes the contacts in, from the first
  contact to the last ticket assigned.

The workers also send each customer's acknowledgement e-mail (to an SMTP sink on loopback),
as they do in production.
"""
from __future__ import annotations

import json
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
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    name = f"kontakt_bench_{uuid.uuid4().hex[:10]}"
    admin_dsn = POSTGRES.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{POSTGRES}/{name}"
    queue_name = f"bench-{uuid.uuid4().hex[:8]}"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)  # the customers' acknowledgements go here
    smtp.start()
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=REDIS, RQ_QUEUE=queue_name, SECRET_KEY="bench",
               KONTAKT_INSTANCE=f"/tmp/{name}", PYTHONPATH=str(ROOT), SMTP_HOST="127.0.0.1",
               SMTP_PORT=str(smtp_port), SMTP_SECURITY="none")
    os.environ.update(env)
    try:
        run(count, env)
    finally:
        smtp.stop()
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
        print(f"intake:      {count / intake_seconds:7.1f} contacts/s  (one process, routing jobs queued)")

        started = time.perf_counter()
        workers = start_workers(env, burst=True)
        wait_routed(count, started)
        routing_seconds = time.perf_counter() - started
        for worker in workers:
            worker.wait()
        inside = job_seconds(jobs.queue())
        print(f"routing:     {count / routing_seconds:7.1f} tickets/s  (draining a full queue, worker start-up "
              f"included); mean {inside * 1000:.1f} ms inside route_ticket per ticket, so "
              f"{WORKERS / inside:.0f}/s if RQ and start-up cost nothing")

        workers = start_workers(env, burst=False)
        time.sleep(3)  # let them start before the clock runs
        started = time.perf_counter()
        submit(count, count)
        wait_routed(2 * count, started)
        e2e_seconds = time.perf_counter() - started
        for worker in workers:
            worker.terminate()
            worker.wait()
        print(f"end to end:  {count / e2e_seconds:7.1f} tickets/s  (intake in one process while 2 workers route)")
        assigned = db.session.scalar(db.select(db.func.count()).select_from(Ticket)
                                     .where(Ticket.assignee_id.is_not(None)))
        print(f"assigned:    {assigned} of {2 * count} tickets")
        jobs.queue().delete(delete_jobs=True)


def submit(count: int, offset: int) -> None:
    from channels.webform import FormSubmission, to_contact
    from helpdesk import intake
    from helpdesk.models.types import utcnow

    for n in range(offset, offset + count):
        subject, text, category = TEXTS[n % len(TEXTS)]
        form = FormSubmission(name=f"Klient {n}", email=f"klient{n}@example.pl", category=category,
                              subject=subject, description=text)
        received_at = utcnow()
        raw, _ = intake.store_raw(channel="webform", source="contact-form", media_type="application/json",
                                  payload=json.dumps(vars(form), default=str).encode(),
                                  dedup_key=f"webform:{uuid.uuid4().hex}")
        intake.receive(raw.id, to_contact(form, received_at))


def start_workers(env: dict, *, burst: bool) -> list[subprocess.Popen]:
    command = [sys.executable, "-m", "helpdesk", "worker"] + (["--burst"] if burst else [])
    logs = Path(env["KONTAKT_INSTANCE"])
    logs.mkdir(parents=True, exist_ok=True)
    return [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=(logs / f"worker-{n}.log").open("a"))
            for n in range(WORKERS)]


def wait_routed(total: int, started: float) -> None:
    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    while True:
        db.session.rollback()
        routed = db.session.scalar(db.select(db.func.count()).select_from(Ticket)
                                   .where(Ticket.routed_at.is_not(None)))
        if routed >= total:
            return
        if time.perf_counter() - started > int(os.environ.get("BENCH_PATIENCE", 600)):
            raise SystemExit(f"only {routed} of {total} tickets routed after 10 minutes "
                             f"(worker logs in {os.environ['KONTAKT_INSTANCE']})")
        time.sleep(0.05)


def job_seconds(queue) -> float:
    """Mean seconds RQ recorded between a routing job's start and end."""
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    ids = FinishedJobRegistry(queue=queue).get_job_ids()
    spans = [(job.ended_at - job.started_at).total_seconds()
             for job in Job.fetch_many(ids, connection=queue.connection) if job and job.ended_at and job.started_at]
    return sum(spans) / len(spans)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
