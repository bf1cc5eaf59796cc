"""The one job interface: RQ on Redis when REDIS_URL is set, inline execution otherwise.

Jobs are plain functions that take ids, never objects, so they can be retried and
replayed. Workers run them inside an application context (see `run_worker`).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from datetime import datetime
from typing import Callable

from flask import current_app, has_app_context
from redis.exceptions import RedisError

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

        # Short timeouts: with Redis away a request goes on at once (what it stored is swept up later).
        conn = current_app.extensions["kontakt_redis"] = Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)
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
    With Redis unreachable the job is not queued: that is logged and None returned, never
    raised, as the caller's work is committed and the periodic sweep re-derives every job
    from the database.
    """
    if redis_connection() is None:
        if at is not None:
            return None
        try:
            return func(*args)
        except SendFailed as error:  # expected while the mail server is away (the mailer says so once): the sweep retries
            db.session.rollback()
            log.debug("inline job %s%r: %s; it will be retried", func.__qualname__, args, error)
            return None
        except Exception:  # the caller's work is committed; the job's failure must not undo it
            db.session.rollback()
            log.exception("inline job %s%r failed", func.__qualname__, args)
            return None
    from rq import Retry

    path = f"{func.__module__}.{func.__qualname__}"
    options = {"retry": Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS), "job_id": job_id}
    target = queue(low_priority=low_priority)
    try:
        if at is not None:
            return target.enqueue_at(at, path, *args, **options)
        return target.enqueue(path, *args, **options)
    except RedisError as error:
        log.error("job %s%r not queued (Redis: %s); the periodic sweep will do it", path, args, error)
        return None


def enqueue_once(func, *, gather_seconds: float = 0.0, low_priority: bool = False) -> None:
    """Make sure one run of ``func()`` is queued: a call while one waits to start adds nothing.

    For a job that works off whatever is waiting in the database (stored contacts to
    receive): a burst of a thousand contacts costs a handful of jobs, not a thousand.
    The run clears the mark before it looks, so work stored after that gets a new run.
    With ``gather_seconds`` the run starts that long after the call that queued it, so
    what comes meanwhile goes into the same run: at a steady trickle the batches are
    fuller, and each costs its fixed share (queries, a job, an SMTP session) once.
    ``low_priority`` as for `enqueue`. Never raises: with Redis unreachable the work stays in
    the database for the sweep.
    """
    conn = redis_connection()
    if conn is None:
        enqueue(func, low_priority=low_priority)
        return
    path = f"{func.__module__}.{func.__qualname__}"
    key = _once_key(path)
    now = time.time()
    if _gathering_until.get(key, 0.0) > now:
        return
    try:
        queued_at = conn.set(key, now, nx=True, px=int((gather_seconds + ONCE_MARK_SECONDS) * 1000), get=True)
    except RedisError as error:
        log.error("run of %s not queued (Redis: %s); the periodic sweep will start one", key, error)
        return
    if queued_at is None:
        enqueue(run_once, path, gather_seconds, low_priority=low_priority)
    # The queued run looks no sooner than gather_seconds after it was queued: until then (less a
    # fifth, for the clocks of the web and worker hosts to differ by), what this process stores
    # is sure to be in that run, and asking Redis again (the CTI webhook asks for every event) is
    # skipped. Once that has passed, a mark still there means the run is late: ask every time.
    _gathering_until[key] = float(queued_at or now) + gather_seconds * 0.8


_gathering_until: dict[str, float] = {}  # a run's mark -> until when this process knows the run still gathers


# The mark lives this long past the gathering time. A run that waits longer to start (workers
# busy, or the one that took it killed while gathering) no longer keeps another from being
# queued: an extra run costs a query, a lost one would cost its contacts a wait for the sweep.
ONCE_MARK_SECONDS = 1


def _once_key(path: str) -> str:
    return f"{current_app.config['RQ_QUEUE']}:once:{path}"


def run_once(path: str, gather_seconds: float = 0.0, deferred: bool = False):
    """The job behind `enqueue_once`: wait out the gathering time, clear the mark, run the function.

    While it gathers and other jobs wait in the queue, the worker does those meanwhile: the run
    goes to the back of the queue once (``deferred``), instead of keeping the worker asleep.
    (Runs that gather are the default queue's: `enqueue_once` with a gathering time.)
    """
    import importlib

    conn = redis_connection()
    if gather_seconds:
        queued_at = float(conn.get(_once_key(path)) or 0)
        wait = min(gather_seconds, queued_at + gather_seconds - time.time())
        if wait > 0 and not deferred and queue().count:
            enqueue(run_once, path, gather_seconds, True)
            return None
        time.sleep(max(0.0, wait))
    conn.delete(_once_key(path))
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)()


# How a worker notices faults. Idle, it wakes every WORKER_TTL - 15 seconds; every
# MAINTENANCE_SECONDS it cleans the registries (a job whose worker died is failed there with
# RQ's AbandonedJobError and retried), restarts its scheduler if that died, and runs the
# ``maintenance`` hook of run_worker. A running job's heartbeat is renewed every
# HEARTBEAT_SECONDS and lapses JOB_HEARTBEAT_TTL seconds after its worker is gone.
WORKER_TTL = 18
MAINTENANCE_SECONDS = 3
HEARTBEAT_SECONDS = 2
JOB_HEARTBEAT_TTL = 10
# Pauses between attempts to reach Redis again, at most this long.
RECONNECT_MAX_SECONDS = 2.0


def _worker_class():
    from rq import SimpleWorker
    from rq.utils import now
    from rq.worker import WorkerStatus

    class KontaktWorker(SimpleWorker):
        """SimpleWorker (jobs run in this process: no fork per job, and the app context stays)
        whose running job keeps a short heartbeat, so a killed worker's job is taken over
        within seconds, and which runs the app's own maintenance with RQ's."""

        maintenance_hook: Callable[[], None] | None = None
        max_connection_wait_time = RECONNECT_MAX_SECONDS

        def get_heartbeat_ttl(self, job) -> int:
            return JOB_HEARTBEAT_TTL

        def execute_job(self, job, queue):
            self.prepare_execution(job)
            stop = threading.Event()
            beat = threading.Thread(target=self._keep_alive, args=(job, stop), name="job-heartbeat", daemon=True)
            beat.start()
            try:
                self.perform_job(job, queue)
            finally:
                stop.set()
                beat.join()
            self.set_state(WorkerStatus.IDLE)

        def _keep_alive(self, job, stop: threading.Event) -> None:
            while not stop.wait(HEARTBEAT_SECONDS):
                try:
                    with self.connection.pipeline() as pipeline:
                        self.heartbeat(self.worker_ttl + 60, pipeline=pipeline)
                        self.execution.heartbeat(job.started_job_registry, JOB_HEARTBEAT_TTL, pipeline=pipeline)
                        job.heartbeat(now(), JOB_HEARTBEAT_TTL, pipeline=pipeline, xx=True)
                        pipeline.execute()
                except Exception as error:  # Redis away, or the job just ended: the next beat tries again
                    log.debug("heartbeat of job %s: %s", job.id, error)

        def run_maintenance_tasks(self):
            super().run_maintenance_tasks()
            if self.maintenance_hook is not None:
                try:
                    self.maintenance_hook()
                except RedisError as error:
                    log.warning("worker maintenance: Redis: %s", error)
                except Exception:
                    db.session.rollback()
                    log.exception("worker maintenance failed")

    return KontaktWorker


def _before_fork() -> None:
    """Close this process's database connections before it forks (RQ's scheduler): a forked
    child keeps the sockets it inherits open, so were this worker killed in the middle of a
    transaction, PostgreSQL would never see the connection end and would keep its row locks
    (the contacts being received) for as long as the scheduler lives."""
    global _forking_worker
    _forking_worker = os.getpid()
    if has_app_context():
        db.session.remove()
        db.engine.dispose()


def _in_the_forked_child() -> None:
    """In a process the worker forked (RQ's scheduler, which opens connections of its own):
    let go of the worker's Redis connections, and stop when the worker dies.

    Its copies of the worker's sockets would keep them open after the worker was killed
    (SIGKILL, the OOM killer), and Redis would keep the dead worker's blocking pop waiting
    and hand it the next job queued, which nobody would run. Here no other thread uses the
    pool, and redis-py shuts a socket down only in the process that opened it, so this closes
    the child's copies alone. Linux's parent-death signal is SIGTERM, on which RQ's scheduler
    ends its loop and releases its lock: another worker's scheduler takes over within
    seconds, not once the lock expires a minute later (delayed jobs and retries wait for it)."""
    import ctypes
    import signal

    if has_app_context() and (conn := redis_connection()) is not None:
        pool = conn.connection_pool
        # The pool's own disconnect() would first notice the fork and forget its connections unclosed.
        for connection in [*getattr(pool, "_available_connections", ()), *getattr(pool, "_in_use_connections", ())]:
            connection.disconnect()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: nothing to ask
        return
    if os.getppid() != _forking_worker:  # the worker died before the signal was asked for
        os._exit(0)


_fork_hooks_registered = False
_forking_worker = 0  # the pid of the worker that forks, for the child to check it is still there


def run_worker(burst: bool = False, with_scheduler: bool = True,
               maintenance: Callable[[], None] | None = None) -> None:
    """Work the app's queue in this process, inside the current app context.

    Survives Redis going away: RQ's loop waits for it while idle, and should the loop end
    on an error anyway (Redis lost in the middle of a job), a new worker takes over once
    Redis answers again. Only a stop request (SIGTERM, SIGINT) or the end of a burst ends it.
    ``maintenance`` runs every few seconds in the worker (the periodic sweep's keeper).
    """
    from rq.exceptions import StopRequested

    if redis_connection() is None:
        raise RuntimeError("REDIS_URL is not set: jobs run inline in the web process, no worker is needed")
    global _fork_hooks_registered
    if not _fork_hooks_registered:
        os.register_at_fork(before=_before_fork, after_in_child=_in_the_forked_child)
        _fork_hooks_registered = True
    worker_class = _worker_class()
    pause = 0.5
    while True:
        worker = worker_class([queue(), queue(low_priority=True)], connection=redis_connection(),
                              worker_ttl=WORKER_TTL, maintenance_interval=MAINTENANCE_SECONDS)
        worker.maintenance_hook = maintenance
        try:
            worker.work(burst=burst, with_scheduler=with_scheduler)
        except RedisError as error:  # in RQ's start-up or teardown, outside its own loop
            log.error("worker: Redis: %s", error)
        if burst or _stopping(worker):
            return
        _stop_scheduler(worker)
        db.session.remove()
        log.warning("worker stopped on an error; a new one starts once Redis answers")
        try:
            while not _redis_answers():
                time.sleep(pause)
                pause = min(pause * 2, RECONNECT_MAX_SECONDS)
        except StopRequested:  # SIGTERM while waiting: the old worker's handler says so
            return
        if _stopping(worker):
            return
        pause = 0.5


def _stopping(worker) -> bool:
    return worker._stop_requested or worker._shutdown_requested_date is not None


def _redis_answers() -> bool:
    try:
        return bool(redis_connection().ping())
    except RedisError:
        return False


def _stop_scheduler(worker) -> None:
    """End the scheduler process a worker started, so its successor can start its own."""
    process = getattr(worker.scheduler, "_process", None)
    if process is not None and process.is_alive():
        process.terminate()
        process.join(5)
