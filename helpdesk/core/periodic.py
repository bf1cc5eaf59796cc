"""The periodic sweep: every minute, re-derive from the database whatever a lost job would have done.

Areas register their sweeps with `register`; `sweep` runs them all. On RQ the sweep
re-enqueues itself under a fixed job id (one chain however many workers run); inline
(no Redis) `helpdesk serve` runs it from a background thread.
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


def start_sweep_chain() -> None:
    """Start the chain on RQ unless it already runs (called by `helpdesk worker`)."""
    from rq.job import Job
    from rq.exceptions import NoSuchJobError

    from helpdesk.core.jobs import queue, redis_connection

    try:
        job = Job.fetch(JOB_ID, connection=redis_connection())
        if job.get_status(refresh=True) in ("scheduled", "queued", "started"):
            return
    except NoSuchJobError:
        pass
    queue().enqueue(sweep_and_reschedule, job_id=JOB_ID)


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
