"""The one job interface: RQ on Redis when REDIS_URL is set, inline execution otherwise.

Jobs are plain functions that take ids, never objects, so they can be retried and
replayed. Workers run them inside an application context (see `run_worker`).
"""
from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app

from channels.email import SendFailed
from helpdesk.extensions import db

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


def queue():
    from rq import Queue

    return Queue(current_app.config["RQ_QUEUE"], connection=redis_connection())


def enqueue(func, *args, at: datetime | None = None, job_id: str | None = None):
    """Run ``func(*args)`` in the background, or at the instant ``at``.

    Inline (no Redis) a job runs at once and a failure is logged, never raised into
    the request that asked for it; a delayed job is left to the periodic sweep.
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
    if at is not None:
        return queue().enqueue_at(at, path, *args, **options)
    return queue().enqueue(path, *args, **options)


def run_worker(burst: bool = False, with_scheduler: bool = True) -> None:
    """Work the app's queue in this process, inside the current app context."""
    from rq import SimpleWorker

    if redis_connection() is None:
        raise RuntimeError("REDIS_URL is not set: jobs run inline in the web process, no worker is needed")
    # SimpleWorker runs jobs in this process: no fork per job, and the app context stays.
    worker = SimpleWorker([queue()], connection=redis_connection())
    worker.work(burst=burst, with_scheduler=with_scheduler)
