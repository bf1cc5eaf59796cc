"""Phone events under faults, on PostgreSQL with a Redis of the test's own and real `helpdesk
worker` processes: Redis gone in the middle of a stream of CTI events (and back empty, as after
a restart without persistence), and a worker killed with SIGKILL in the middle of a burst. Every
event the webhook answered is processed, and every missed call has its one callback ticket,
without anyone running a command."""
from __future__ import annotations

import signal
from datetime import timedelta

from redis import Redis

from helpdesk.core.extensions import db
from helpdesk.models import Ticket
from helpdesk.models.phone import Call, Callback, PhoneEvent
from tests.fixtures.workers import alive, children_of, kill, own_redis, sockets_to, wait_until, workers  # noqa: F401  (fixtures)
from tests.helpdesk.phone.conftest import LINE_660, TOKEN, Pbx, local

MONDAY_10 = local(2025, 12, 1, 10, 0)  # the contact centre is open: a missed call is called back


def caller(n: int) -> str:
    return f"+48501{n:06d}"


def missed_call(pbx: Pbx, n: int) -> None:
    """A caller who hung up after waiting a minute; the webhook takes both events."""
    rang = MONDAY_10 + timedelta(minutes=n)
    for event, at, extra in (("newCall", rang, {}), ("hangup", rang + timedelta(seconds=60), {"cause": "cancel"})):
        answer = pbx.post(event=event, callId=f"f{n}", from_=caller(n), to=LINE_660, direction="in",
                          timestamp=at, **extra)
        assert answer.status_code == 200 and answer.get_json() == {}, (n, event, answer.status_code)


def count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def all_called_back(calls: int):
    return lambda: (count(PhoneEvent, PhoneEvent.status != "processed") == 0
                    and count(Call, Call.callback_done.is_(True)) == calls)


def assert_one_callback_ticket_per_missed_call(calls: int) -> None:
    db.session.rollback()
    assert count(PhoneEvent) == 2 * calls  # every event stored once
    rows = db.session.execute(db.select(Call.caller, Call.ticket_id, Call.outcome)).all()
    assert len(rows) == calls and {r.outcome for r in rows} == {"abandoned"}
    assert sorted(r.caller for r in rows) == sorted(caller(n) for n in range(calls))
    assert len({r.ticket_id for r in rows}) == calls and None not in {r.ticket_id for r in rows}
    assert count(Ticket) == calls and count(Callback) == calls  # nothing twice


def test_redis_down_mid_stream_every_answered_event_is_processed(app, client, workers, own_redis, monkeypatch):
    monkeypatch.setitem(app.config, "PHONE_WEBHOOK_TOKEN", TOKEN)
    pbx = Pbx(client)
    running = workers(2)
    for n in range(4):
        missed_call(pbx, n)
    own_redis.stop()  # while the workers may be processing the first calls
    for n in range(4, 10):
        missed_call(pbx, n)  # answered {} all the same: stored, for the sweep
    own_redis.start()  # back, and empty: the queued runs, the marks and the sweep's chain are gone

    wait_until(all_called_back(10), "processing the events stored while Redis was down", workers.logs)
    assert_one_callback_ticket_per_missed_call(10)
    assert [w.poll() for w in running] == [None, None], workers.logs()  # neither worker gave up

    for n in range(10, 13):  # and the usual way works again
        missed_call(pbx, n)
    wait_until(all_called_back(13), "processing the events after Redis came back", workers.logs)
    assert_one_callback_ticket_per_missed_call(13)


def test_a_worker_killed_during_a_burst_loses_and_doubles_nothing(app, client, workers, own_redis, monkeypatch):
    """The worker killed is one that forked RQ's scheduler: the scheduler must end with it,
    or the sockets it inherited keep the dead worker waiting for jobs in Redis's eyes, and the
    next job queued goes to it and is never run."""
    monkeypatch.setitem(app.config, "PHONE_WEBHOOK_TOKEN", TOKEN)
    pbx = Pbx(client)
    running = workers(2)
    wait_until(lambda: any(children_of(w.pid) for w in running), "a worker forking the scheduler", workers.logs)
    victim = next(w for w in running if children_of(w.pid))  # (each may, with the lock of one queue each)
    survivor, = [w for w in running if w is not victim]
    # The scheduler it forked holds none of its Redis connections (named by their last command).
    worker_sockets = sockets_to(victim.pid, own_redis.port)
    commands = {int(c["addr"].rsplit(":", 1)[1]): c["cmd"] for c in Redis.from_url(own_redis.url).client_list()}
    shared = {commands.get(worker_sockets[inode]) for child in children_of(victim.pid)
              for inode in sockets_to(child, own_redis.port).keys() & worker_sockets.keys()}
    assert not shared, shared
    for n in range(5):
        missed_call(pbx, n)
    wait_until(lambda: count(Call, Call.callback_done.is_(True)) > 0, "a first callback", workers.logs)
    orphans = children_of(victim.pid)
    try:
        for n in range(5, 40):
            missed_call(pbx, n)
            if n == 8:  # the workers are busy with the burst: the kill may come in the middle of a run
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                wait_until(lambda: not any(alive(pid) for pid in orphans), "the scheduler ending with its worker",
                           workers.logs)
        wait_until(all_called_back(40), "processing the burst after a worker was killed", workers.logs)
        assert_one_callback_ticket_per_missed_call(40)
        assert survivor.poll() is None, workers.logs()
    finally:
        for orphan in orphans:  # the scheduler the killed worker had forked
            kill(orphan)
