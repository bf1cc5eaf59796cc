"""The periodic sweep: every minute, re-derive from the database whatever a lost job would have done.

Areas register their sweeps with `register`; `sweep` runs them all. On RQ the sweep
re-enqueues itself under a fixed job id (one chain however many workers run), and every
worker checks now and then that the chain still exists, starting it again when Redis lost
it (a restart, a reschedule that failed while Redis was away, a worker killed during a
sweep); inline (no Redis) `helpdesk serve` runs it from a background thread.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from flask import current_app

from helpdesk.core.extensions import db

log = logging.getLogger(__name__)

INTERVAL = timedelta(seconds=60)
JOB_ID = "kontakt-periodic-sweep"


def register(app, func) -> None:
    """Add ``func()`` (runs in the app context) to the app's minute sweep."""
    app.extensions.setdefault("kontakt_sweeps", []).append(func)


def sweep() -> None:
    """Run every registered sweep once; one failing sweep does not stop the others."""
    for func in current_app.extensions.get("kontakt_sweeps", []):
        try:
            func()
        except Exception:
            db.session.rollback()
            log.exception("periodic sweep %s failed", func.__qualname__)


def sweep_and_reschedule() -> None:
    """The RQ job: sweep now, and enqueue the next sweep a minute from now."""
    from helpdesk.core.jobs import queue

    try:
        sweep()
    finally:
        queue().enqueue_at(datetime.now(timezone.utc) + INTERVAL, "helpdesk.core.periodic.sweep_and_reschedule", job_id=JOB_ID)


def start_sweep_chain() -> bool:
    """Start the chain on RQ unless it is alive; whether it was started.

    Every `helpdesk worker` calls it in its maintenance (see core.jobs.run_worker), the
    first as it starts: one of them at a time, at most every KEEPER_SECONDS. Alive means
    waiting in the scheduled registry or the queue, or running (a run whose worker died
    is failed by RQ's abandoned-job cleanup within seconds, and then started again here).
    """
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    from helpdesk.core.jobs import queue, redis_connection

    conn = redis_connection()
    target = queue()
    if not conn.set(f"{target.name}:sweep-keeper", 1, nx=True, ex=KEEPER_SECONDS):
        return False  # another worker has just looked
    # Where the job is, not its status: a run that has just rescheduled itself ends as
    # "finished" while its next run already waits under the same id.
    if (conn.zscore(target.scheduled_job_registry.key, JOB_ID) is not None
            or conn.lpos(target.key, JOB_ID) is not None
            or JOB_ID in target.started_job_registry.get_job_ids()):
        return False
    try:
        status = Job.fetch(JOB_ID, connection=conn).get_status(refresh=False)
        log.warning("the periodic sweep's chain was broken (its job is %s); starting it again", status)
    except NoSuchJobError:
        pass
    target.enqueue(sweep_and_reschedule, job_id=JOB_ID)
    return True


# How often (at most) the workers look after the sweep's chain.
KEEPER_SECONDS = 10


def start_inline_thread(app) -> threading.Thread:
    """Without Redis: sweep from a daemon thread of the serving process."""
    stop = threading.Event()

    def loop():
        while not stop.wait(INTERVAL.total_seconds()):
            with app.app_context():
                sweep()
                db.session.remove()

    thread = threading.Thread(target=loop, name="kontakt-sweep", daemon=True)
    thread.stop = stop
    thread.start()
    return thread
