"""The one job interface: RQ on Redis when REDIS_URL is set, inline execution otherwise.

Jobs are plain functions that take ids, never objects, so they can be retried and
replayed. Workers run them inside an application context (see `run_worker`).
"""
from __future__ import annotations

import logging
import time
from datetime import datetime

from flask import current_app

from channels.email import SendFailed
from helpdesk.core.extensions import db

log = logging.getLogger(__name__)

RETRY_INTERVALS = [2, 10, 60]


def redis_connection():
    """The app's Redis connection (one per app), or None when jobs run inline."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    conn = current_app.extensions.get("kontakt_redis")
    if conn is None:
        from redis import Redis

        conn = current_app.extensions["kontakt_redis"] = Redis.from_url(url)
    return conn


def queue(*, low_priority: bool = False):
    """The app's queue; workers take from the low-priority one only when the other is empty."""
    from rq import Queue

    name = current_app.config["RQ_QUEUE"]
    return Queue(f"{name}-low" if low_priority else name, connection=redis_connection())


def enqueue(func, *args, at: datetime | None = None, job_id: str | None = None, low_priority: bool = False):
    """Run ``func(*args)`` in the background, or at the instant ``at``.

    Inline (no Redis) a job runs at once and a failure is logged, never raised into
    the request that asked for it; a delayed job is left to the periodic sweep.
    ``low_priority`` jobs (customer acknowledgements) wait while routing work is queued.
    """
    if redis_connection() is None:
        if at is not None:
            return None
        try:
            return func(*args)
        except SendFailed as error:  # expected while the mail server is away: the sweep retries
            db.session.rollback()
            log.warning("inline job %s%r: %s; it will be retried", func.__qualname__, args, error)
            return None
        except Exception:  # the caller's work is committed; the job's failure must not undo it
            db.session.rollback()
            log.exception("inline job %s%r failed", func.__qualname__, args)
            return None
    from rq import Retry

    path = f"{func.__module__}.{func.__qualname__}"
    options = {"retry": Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS), "job_id": job_id}
    target = queue(low_priority=low_priority)
    if at is not None:
        return target.enqueue_at(at, path, *args, **options)
    return target.enqueue(path, *args, **options)


def enqueue_once(func, *, gather_seconds: float = 0.0) -> None:
    """Make sure one run of ``func()`` is queued: a call while one waits to start adds nothing.

    For a job that works off whatever is waiting in the database (stored contacts to
    receive): a burst of a thousand contacts costs a handful of jobs, not a thousand.
    The run clears the mark before it looks, so work stored after that gets a new run.
    With ``gather_seconds`` the run starts that long after the call that queued it, so
    what comes meanwhile goes into the same run: at a steady trickle the batches are
    fuller, and each costs its fixed share (queries, a job, an SMTP session) once.
    """
    conn = redis_connection()
    if conn is None:
        enqueue(func)
        return
    path = f"{func.__module__}.{func.__qualname__}"
    if conn.set(_once_key(path), time.time(), nx=True, ex=ONCE_MARK_SECONDS):
        enqueue(run_once, path, gather_seconds)


# A lost run (a worker killed before it started the job) stops blocking new ones after this;
# the periodic sweep picks up anything left waiting meanwhile.
ONCE_MARK_SECONDS = 30


def _once_key(path: str) -> str:
    return f"{current_app.config['RQ_QUEUE']}:once:{path}"


def run_once(path: str, gather_seconds: float = 0.0):
    """The job behind `enqueue_once`: wait out the gathering time, clear the mark, run the function."""
    import importlib

    conn = redis_connection()
    if gather_seconds:
        queued_at = float(conn.get(_once_key(path)) or 0)
        time.sleep(max(0.0, min(gather_seconds, queued_at + gather_seconds - time.time())))
    conn.delete(_once_key(path))
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)()


def run_worker(burst: bool = False, with_scheduler: bool = True) -> None:
    """Work the app's queue in this process, inside the current app context."""
    from rq import SimpleWorker

    if redis_connection() is None:
        raise RuntimeError("REDIS_URL is not set: jobs run inline in the web process, no worker is needed")
    # SimpleWorker runs jobs in this process: no fork per job, and the app context stays.
    worker = SimpleWorker([queue(), queue(low_priority=True)], connection=redis_connection())
    worker.work(burst=burst, with_scheduler=with_scheduler)
