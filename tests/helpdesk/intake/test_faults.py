"""Faults under way, on PostgreSQL with a Redis of the test's own and real `helpdesk worker` processes:
Redis gone in the middle of a stream of contact-form posts (and back empty, as after a restart
without persistence), and a worker killed with SIGKILL in the middle of a job. Every customer
who was shown a number gets that ticket, once, without anyone running a command."""
from __future__ import annotations

import os
import re
import signal
import time
import uuid
from pathlib import Path

from helpdesk.core import jobs
from helpdesk.core.extensions import db
from helpdesk.models import RawContact, Ticket
from tests.fixtures.workers import children_of, kill, own_redis, sockets_to, wait_until, workers  # noqa: F401  (fixtures)
from tests.helpdesk.intake.test_contact_form import form_data


def post_contact(client, n: int) -> int:
    """Send the contact form as a customer does; the ticket id behind the number they are shown."""
    data = form_data(client, subject=f"Awaria {n}", email=f"klient{n}@example.pl", phone="")
    sent = client.post("/contact", data=data, follow_redirects=True)
    assert sent.status_code == 200, sent.status_code
    number = re.search(r"KT-\d{6,}", sent.get_data(as_text=True))
    assert number, "no ticket number on the confirmation page"
    return Ticket.id_from_number(number.group(0))


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
    """A job (run by the workers): the first run stores three contacts and dies, as far as
    anyone can tell, in the middle of receiving them (it holds their row locks and hangs,
    its worker's pid recorded); a retry ends at once."""
    from channels.webform import FormSubmission, to_payload
    from helpdesk.intake import services as intake
    from helpdesk.models.types import utcnow

    conn = jobs.redis_connection()
    if conn.incr(f"{key}:runs") == 1:
        for n in range(3):
            form = FormSubmission(name="Klient", email=f"wstrzymany{n}@example.pl", category="", subject=f"Wstrzymany {n}",
                                  description="Zgłoszenie, które odbierał zabity proces.")
            intake.store_raw(channel="webform", source=intake.WEBFORM_SOURCE, payload=to_payload(form, utcnow()),
                             media_type="application/json", reserve_ticket=True)
        db.session.scalars(db.select(RawContact).where(RawContact.status == "received").with_for_update()).all()
        conn.set(f"{key}:pid", os.getpid())
        time.sleep(600)
    return "done"


def test_a_worker_killed_mid_transaction_delays_nothing_for_long(client, workers, own_redis):
    """The worker is killed while it holds contacts' row locks, after Redis went away and came
    back (so its scheduler was forked again while it had database connections: the fork must
    not keep the killed worker's transaction alive). Another worker takes over its job and
    receives the contacts it held."""
    victim, = workers(1)
    promised = [post_contact(client, 0)]
    wait_until(all_received, "receiving a first contact", workers.logs)
    own_redis.stop()
    own_redis.start()
    promised.append(post_contact(client, 1))
    wait_until(all_received, "receiving a contact after Redis came back", workers.logs)
    wait_until(lambda: children_of(victim.pid), "the worker's scheduler started again", workers.logs)
    shared = {child: sockets_to(child, 5432).keys() & sockets_to(victim.pid, 5432).keys()
              for child in children_of(victim.pid)}
    assert not any(shared.values()), shared  # the scheduler it forked holds none of its connections

    key = f"hold-{uuid.uuid4().hex[:8]}"
    job = jobs.enqueue(hold_first_run, key)
    conn = jobs.redis_connection()
    wait_until(lambda: conn.get(f"{key}:pid") is not None, "starting the held job", workers.logs)
    assert int(conn.get(f"{key}:pid")) == victim.pid
    orphans = children_of(victim.pid)
    try:
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        survivor, = workers(1)

        promised += [post_contact(client, n) for n in range(2, 12)]
        wait_until(all_received, "receiving the held contacts and the new ones", workers.logs)
        held = db.session.scalars(db.select(Ticket.id).where(Ticket.subject.like("Wstrzymany %"))).all()
        assert len(held) == 3
        assert_each_promised_ticket_exists_once(promised + list(held))

        # The killed worker's job is failed as abandoned and retried, by the worker still alive.
        wait_until(lambda: job.get_status(refresh=True) == "finished", "taking over the killed worker's job",
                   workers.logs)
        assert int(conn.get(f"{key}:runs")) == 2 and job.return_value() == "done"
        assert survivor.poll() is None
    finally:
        for orphan in orphans:  # the scheduler the killed worker had forked
            kill(orphan)
