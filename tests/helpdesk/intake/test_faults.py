"""Faults under way, on PostgreSQL with a Redis of the test's own and real `helpdesk worker` processes:
Redis gone in the middle of a stream of contact-form posts (and back empty, as after a restart
without persistence), and a worker killed with SIGKILL in the middle of a job. Every customer
who was shown a number gets that ticket, once, without anyone running a command."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from helpdesk import REPO_ROOT
from helpdesk.core import jobs
from helpdesk.core.extensions import db
from helpdesk.models import RawContact, Ticket
from tests.fixtures.redis_server import RedisServer
from tests.helpdesk.intake.test_contact_form import form_data

PATIENCE = 180  # seconds a recovery may take before the test gives up (the targets are far shorter)


@pytest.fixture
def own_redis():
    server = RedisServer()
    try:
        server.start()
    except FileNotFoundError as exc:
        from tests.conftest import unavailable

        unavailable("redis-server", exc)
    yield server
    server.stop()


@pytest.fixture
def workers(app, own_redis, postgres_url, monkeypatch, tmp_path):
    """Start ``helpdesk worker`` processes against the test's Redis and database: start(n)."""
    queue_name = f"test-faults-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "REDIS_URL", own_redis.url)
    monkeypatch.setitem(app.config, "RQ_QUEUE", queue_name)
    app.extensions.pop("kontakt_redis", None)
    env = dict(os.environ, DATABASE_URL=postgres_url, REDIS_URL=own_redis.url, RQ_QUEUE=queue_name,
               SECRET_KEY="test-secret", KONTAKT_INSTANCE=str(tmp_path), PYTHONPATH=str(REPO_ROOT))
    env.pop("SMTP_HOST", None)
    started: list[subprocess.Popen] = []

    def start(count: int = 1) -> list[subprocess.Popen]:
        new = [subprocess.Popen([sys.executable, "-m", "helpdesk", "worker"], env=env, cwd=REPO_ROOT,
                                stdout=subprocess.DEVNULL, stderr=(tmp_path / f"worker-{len(started) + n}.log").open("w"))
               for n in range(count)]
        started.extend(new)
        return new

    start.logs = lambda: "\n".join(p.read_text()[-3000:] for p in sorted(tmp_path.glob("worker-*.log")))
    yield start
    for process in started:
        for child in _children(process.pid):  # the scheduler each worker forks
            _kill(child)
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    app.extensions.pop("kontakt_redis", None)


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def post_contact(client, n: int) -> int:
    """Send the contact form as a customer does; the ticket id behind the number they are shown."""
    data = form_data(client, subject=f"Awaria {n}", email=f"klient{n}@example.pl", phone="")
    sent = client.post("/contact", data=data, follow_redirects=True)
    assert sent.status_code == 200, sent.status_code
    number = re.search(r"KT-\d{6,}", sent.get_data(as_text=True))
    assert number, "no ticket number on the confirmation page"
    return Ticket.id_from_number(number.group(0))


def wait_until(done, what: str, logs) -> None:
    deadline = time.monotonic() + PATIENCE
    while not done():
        db.session.rollback()
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not done after {PATIENCE} s; worker logs:\n{logs()}")
        time.sleep(0.2)


def all_received() -> bool:
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(RawContact)
                             .where(RawContact.status != "processed")) == 0


def assert_each_promised_ticket_exists_once(promised: list[int]) -> None:
    db.session.rollback()
    tickets = db.session.execute(db.select(Ticket.id, Ticket.subject)).all()
    assert sorted(t.id for t in tickets) == sorted(promised)  # nothing lost, nothing twice
    assert len({t.subject for t in tickets}) == len(promised)
    raws = db.session.scalars(db.select(RawContact)).all()
    assert {r.status for r in raws} == {"processed"} and sorted(r.ticket_id for r in raws) == sorted(promised)


def test_redis_down_mid_flow_every_confirmed_contact_becomes_its_ticket(client, workers, own_redis):
    running = workers(2)
    promised = [post_contact(client, n) for n in range(6)]
    own_redis.stop()  # while the workers may be receiving the first ones
    promised += [post_contact(client, n) for n in range(6, 16)]  # confirmed with their numbers all the same
    assert client.get("/healthz").status_code == 503
    own_redis.start()  # back, and empty: the queued jobs, the marks and the sweep's chain are gone

    # Nobody runs a command: the workers reconnect, one of them starts the sweep's chain again,
    # and the sweep has the waiting contacts received.
    wait_until(all_received, "receiving the contacts stored while Redis was down", workers.logs)
    assert_each_promised_ticket_exists_once(promised)
    assert [w.poll() for w in running] == [None, None], workers.logs()  # neither worker gave up

    promised += [post_contact(client, n) for n in range(16, 20)]  # and the usual way works again
    wait_until(all_received, "receiving the contacts after Redis came back", workers.logs)
    assert_each_promised_ticket_exists_once(promised)


def hold_first_run(key: str) -> str:
    """A job (run by the workers): the first run records its worker's pid and hangs; a retry ends at once."""
    conn = jobs.redis_connection()
    if conn.incr(f"{key}:runs") == 1:
        conn.set(f"{key}:pid", os.getpid())
        time.sleep(600)
    return "done"


def test_a_job_whose_worker_is_killed_is_taken_over_and_contacts_go_on(client, workers, own_redis):
    running = workers(2)
    key = f"hold-{uuid.uuid4().hex[:8]}"
    job = jobs.enqueue(hold_first_run, key)
    conn = jobs.redis_connection()
    wait_until(lambda: conn.get(f"{key}:pid") is not None, "starting the held job", workers.logs)
    victim = next(w for w in running if w.pid == int(conn.get(f"{key}:pid")))
    orphans = _children(victim.pid)
    victim.send_signal(signal.SIGKILL)
    victim.wait()

    promised = [post_contact(client, n) for n in range(10)]  # the other worker receives them
    wait_until(all_received, "receiving contacts with one worker killed", workers.logs)
    assert_each_promised_ticket_exists_once(promised)

    # The killed worker's job is failed as abandoned and retried, by the worker still alive.
    wait_until(lambda: job.get_status(refresh=True) == "finished", "taking over the killed worker's job",
               workers.logs)
    assert int(conn.get(f"{key}:runs")) == 2 and job.return_value() == "done"
    survivor = next(w for w in running if w is not victim)
    assert survivor.poll() is None
    for orphan in orphans:
        _kill(orphan)
