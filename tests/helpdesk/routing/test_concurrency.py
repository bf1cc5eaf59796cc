"""Several RQ worker processes receive and route hundreds of web-form contacts at once against
PostgreSQL: no agent ever goes over capacity and no ticket is assigned twice."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import Counter

from rq.job import Job
from rq.registry import FinishedJobRegistry

from channels.webform import FormSubmission, to_payload
from helpdesk.intake import services as intake
from helpdesk.core import jobs
from helpdesk.routing import services as routing_service
from helpdesk.core.extensions import db
from helpdesk.models import Ticket, TicketEvent, User
from helpdesk.models.core import OPEN_STATUSES
from helpdesk.models.types import utcnow
from helpdesk import REPO_ROOT

WORKERS = 4
TICKETS_PER_TEAM = 120
AGENTS_PER_TEAM = 4
CAPACITY = 20  # 4 x 20 = 80 places per team for 120 tickets: the last ones must wait
BATCH = 5  # contacts per intake job, so dozens of routing jobs run at once


def test_worker_processes_routing_at_once_respect_capacity_and_assign_each_ticket_once(
        app, make_staff, postgres_url, redis_url, monkeypatch, tmp_path):
    queue_name = f"test-routing-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", queue_name)
    app.extensions.pop("kontakt_redis", None)
    try:
        for n in range(AGENTS_PER_TEAM):
            make_staff(f"tech{n}@kontakt.test", teams=["wsparcie-techniczne"], skills=["technical-support"],
                       presence="available", capacity={"webform": CAPACITY})
            make_staff(f"bok{n}@kontakt.test", teams=["obsluga-klienta"], skills=["payment-problems"],
                       presence="available", capacity={"webform": CAPACITY})
        routing_service.ensure_default_rules()
        texts = ["Nie mogę się zalogować do strefy klienta, wyskakuje błąd.",
                 "Nie zapłaciłem raty w terminie, proszę o nowy harmonogram spłaty."]
        for n in range(TICKETS_PER_TEAM * 2):  # as the contact page stores them
            form = FormSubmission(name=f"Klient {n}", email=f"klient{n}@example.pl", category="",
                                  subject=f"Sprawa {n}", description=texts[n % 2])
            intake.store_raw(channel="webform", source=intake.WEBFORM_SOURCE, payload=to_payload(form, utcnow()),
                             media_type="application/json", reserve_ticket=True)
        monkeypatch.setitem(app.config, "INTAKE_BATCH", BATCH)
        while intake.receive_stored():  # tickets opened here, a routing job queued for each batch
            pass
        jobs.queue().empty()  # what else got queued (intake's follow-up runs) is not under test here
        jobs.queue(low_priority=True).empty()  # nor are the acknowledgements
        for start in range(0, TICKETS_PER_TEAM * 2, BATCH):
            ids = db.session.scalars(db.select(Ticket.id).order_by(Ticket.id).offset(start).limit(BATCH)).all()
            jobs.enqueue(routing_service.route_tickets, ids)
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count()).select_from(Ticket).where(Ticket.routed_at.is_not(None))) == 0

        env = dict(os.environ, DATABASE_URL=postgres_url, REDIS_URL=redis_url, RQ_QUEUE=queue_name,
                   SECRET_KEY="test-secret", KONTAKT_INSTANCE=str(tmp_path), PYTHONPATH=str(REPO_ROOT),
                   INTAKE_BATCH=str(BATCH))
        workers = [subprocess.Popen([sys.executable, "-m", "helpdesk", "worker", "--burst"], env=env,
                                    cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                   for _ in range(WORKERS)]
        outcomes = [(w.wait(timeout=180), w.stderr.read().decode()) for w in workers]
        assert [code for code, _ in outcomes] == [0] * WORKERS, outcomes
        finished = FinishedJobRegistry(queue=jobs.queue())
        routing_jobs = [j for j in Job.fetch_many(finished.get_job_ids(), connection=jobs.redis_connection())
                        if j and j.func_name.endswith(".route_tickets")]
        assert len(routing_jobs) >= TICKETS_PER_TEAM * 2 // BATCH  # many small jobs competed for the agents
        assert len({j.worker_name for j in routing_jobs}) > 1  # by more than one worker process

        db.session.expire_all()
        tickets = db.session.scalars(db.select(Ticket)).all()
        assert len(tickets) == TICKETS_PER_TEAM * 2 and all(t.routed_at is not None for t in tickets)
        load = Counter(t.assignee_id for t in tickets if t.assignee_id and t.status in OPEN_STATUSES)
        agents = db.session.scalars(db.select(User)).all()
        assert all(load[a.id] <= a.capacity["webform"] for a in agents), load
        assert sum(load.values()) == 2 * AGENTS_PER_TEAM * CAPACITY  # every place taken, none twice
        events = Counter(e.ticket_id for e in db.session.scalars(db.select(TicketEvent).filter_by(kind="assignee")))
        assert all(events[t.id] == (1 if t.assignee_id else 0) for t in tickets)
        served = Counter(t.team.slug for t in tickets if t.assignee_id)
        assert served == {"wsparcie-techniczne": AGENTS_PER_TEAM * CAPACITY, "obsluga-klienta": AGENTS_PER_TEAM * CAPACITY}
    finally:
        jobs.queue().delete(delete_jobs=True)
        jobs.queue(low_priority=True).delete(delete_jobs=True)
        app.extensions.pop("kontakt_redis", None)
