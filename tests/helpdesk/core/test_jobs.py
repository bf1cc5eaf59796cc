"""The job interface on real Redis (RQ) and inline."""
from __future__ import annotations

import uuid

from helpdesk.core import jobs
from helpdesk.core.extensions import db
from helpdesk.models import Ticket, TicketEvent
from tests.helpdesk.tickets.test_workspace import open_ticket


def mark_ticket(ticket_id: int) -> None:
    """A job used by these tests: records an event on the ticket."""
    db.session.add(TicketEvent(ticket_id=ticket_id, kind="job-ran", data={}))
    db.session.commit()


def events(ticket_id: int) -> list[str]:
    return [e.kind for e in db.session.scalars(db.select(TicketEvent).filter_by(ticket_id=ticket_id))]


def test_inline_when_no_redis(app):
    ticket = open_ticket()
    jobs.enqueue(mark_ticket, ticket.id)
    assert "job-ran" in events(ticket.id)


def test_on_rq_a_worker_runs_the_job_in_the_app_context(app, redis_url, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", f"test-{uuid.uuid4().hex[:8]}")
    app.extensions.pop("kontakt_redis", None)
    try:
        ticket = open_ticket()
        job = jobs.enqueue(mark_ticket, ticket.id)
        assert job.get_status() == "queued" and "job-ran" not in events(ticket.id)
        jobs.run_worker(burst=True, with_scheduler=False)
        db.session.expire_all()
        assert "job-ran" in events(db.session.get(Ticket, ticket.id).id)
    finally:
        jobs.queue().delete(delete_jobs=True)
        app.extensions.pop("kontakt_redis", None)


def test_enqueue_once_queues_one_run_that_gathers_what_comes_meanwhile(app, redis_url, monkeypatch):
    import time

    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", f"test-{uuid.uuid4().hex[:8]}")
    app.extensions.pop("kontakt_redis", None)
    RUNS.clear()
    try:
        for _ in range(5):  # a burst of calls: one run
            jobs.enqueue_once(count_run, gather_seconds=0.3)
        assert jobs.queue().count == 1
        started = time.monotonic()
        jobs.run_worker(burst=True, with_scheduler=False)
        assert time.monotonic() - started >= 0.25  # it waited for more work to come
        assert RUNS == [1]
        jobs.enqueue_once(count_run)  # the run cleared its mark: a later call queues a new one
        assert jobs.queue().count == 1
    finally:
        jobs.queue().delete(delete_jobs=True)
        app.extensions.pop("kontakt_redis", None)


def test_enqueue_once_asks_redis_again_only_when_the_queued_run_may_have_looked(app, redis_url, monkeypatch):
    import time

    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", f"test-{uuid.uuid4().hex[:8]}")
    app.extensions.pop("kontakt_redis", None)
    RUNS.clear()
    conn = jobs.redis_connection()
    asked = []
    real_set = conn.set
    monkeypatch.setattr(conn, "set", lambda *a, **k: (asked.append(1) if ":once:" in str(a[0]) else None) or real_set(*a, **k))
    try:
        jobs.enqueue_once(count_run, gather_seconds=0.6)
        for _ in range(50):  # well within the gathering time: the queued run will see their work
            jobs.enqueue_once(count_run, gather_seconds=0.6)
        assert len(asked) == 1 and jobs.queue().count == 1
        time.sleep(0.55)
        jobs.enqueue_once(count_run, gather_seconds=0.6)  # the run may look soon: Redis is asked (the mark is there)
        assert len(asked) == 2 and jobs.queue().count == 1
        jobs.run_worker(burst=True, with_scheduler=False)
        assert RUNS == [1]
        time.sleep(0.3)
        jobs.enqueue_once(count_run, gather_seconds=0.6)  # the run cleared its mark: a new one
        assert len(asked) == 3 and jobs.queue().count == 1
    finally:
        jobs.queue().delete(delete_jobs=True)
        app.extensions.pop("kontakt_redis", None)


def test_a_gathering_run_lets_the_worker_do_the_jobs_waiting_behind_it(app, redis_url, monkeypatch):
    """A run that gathers goes behind the jobs queued after it, once, instead of keeping its worker
    asleep: they run first, then it (still once, after its gathering time)."""
    import time

    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", f"test-{uuid.uuid4().hex[:8]}")
    app.extensions.pop("kontakt_redis", None)
    RUNS.clear()
    try:
        jobs.enqueue_once(count_run, gather_seconds=0.5)
        jobs.enqueue(record_order)
        started = time.monotonic()
        jobs.run_worker(burst=True, with_scheduler=False)
        assert RUNS == [1] and ORDER == ["other", "gathered"] and time.monotonic() - started >= 0.4
    finally:
        ORDER.clear()
        jobs.queue().delete(delete_jobs=True)
        app.extensions.pop("kontakt_redis", None)


ORDER: list[str] = []


def record_order() -> None:
    """A job used by these tests: notes that it ran (before or after the gathered run)."""
    ORDER.append("other")


RUNS: list[int] = []


def count_run() -> None:
    """A job used by these tests: counts its runs."""
    RUNS.append(1)
    if ORDER:
        ORDER.append("gathered")
