"""Faults under load: contact-form posts over HTTP while Redis goes away or a worker is killed.

Run: python bench/bench_faults.py   (BENCH_FAULT_RATE posts per second, default 10)

Needs PostgreSQL at 127.0.0.1:5432 (or KONTAKT_TEST_POSTGRES) and the redis-server binary: the
benchmark runs a Redis of its own on a free port (no persistence, so a restart loses every job,
as a Redis without persistence does), the web server (granian) as the Procfile has it (BENCH_WEB_WORKERS x
BENCH_WEB_THREADS, default 2 x 4), BENCH_WORKERS `helpdesk worker`s (default 2) and an SMTP sink
for the acknowledgements. Customers' browsers (threads of this process) post the contact form
and read the confirmation page, each post with a subject of its own. First 30 s without a
fault (the baseline: what the machine does at that moment), then three scenarios:

* redis down 10 s: 30 s of posts; Redis is killed 10 s in and started again (empty) 10 s later;
* after Redis returns: 10 s of posts, all while Redis is down; then Redis comes back and nobody
  posts or runs anything: the workers must find the stored contacts by themselves;
* kill -9 of one worker: 30 s of posts; one worker is killed with SIGKILL 10 s in and started
  again 5 s later, the other runs throughout.

For each: posts confirmed (the number shown), tickets created for them, duplicates (a
subject with more than one ticket), false promises (a number shown whose ticket never came),
contacts left unprocessed 90 s after the last fault, 5xx answers, and the delay from the post
to its ticket being opened (median, 95th percentile, worst); for the second, how long after
Redis returned the last contact became a ticket.
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_routing_e2e import POSTGRES, TEXTS, WORKERS, start_web, stop  # noqa: E402

RATE = float(os.environ.get("BENCH_FAULT_RATE", 10))
SETTLE = 90  # seconds after the last fault within which every contact must be a ticket


def main() -> None:
    import psycopg

    from tests.fixtures.redis_server import RedisServer, free_port

    name = f"kontakt_faults_{uuid.uuid4().hex[:10]}"
    admin_dsn = POSTGRES.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    redis = RedisServer()
    redis.start()
    smtp_port = free_port()
    smtp = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DATABASE_URL=f"{POSTGRES}/{name}", REDIS_URL=redis.url, RQ_QUEUE="kontakt",
               SECRET_KEY="bench", KONTAKT_INSTANCE=f"/tmp/{name}", PYTHONPATH=str(ROOT), SMTP_HOST="127.0.0.1",
               SMTP_PORT=str(smtp_port), SMTP_SECURITY="none", SESSION_COOKIE_SECURE="0",
               CONTACT_RATE_LIMITS="0", CONTACT_MIN_FILL_SECONDS="0")  # one address posts for every customer, at once
    os.environ.update(env)
    try:
        run(env, redis)
    finally:
        smtp.terminate()
        redis.stop()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env: dict, redis) -> None:
    from flask_migrate import upgrade

    from helpdesk import create_app
    from helpdesk.admin.services import ensure_reference_data
    from helpdesk.routing.services import ensure_default_rules

    app = create_app()
    with app.app_context():
        upgrade()
        ensure_reference_data()
        ensure_default_rules()
    workers = [start_worker(env, n) for n in range(WORKERS)]
    web, port = start_web(env)
    print(f"{RATE:.0f} contact-form posts/s over HTTP to the web server, {WORKERS} workers, PostgreSQL, a Redis of its own")
    try:
        with app.app_context():
            wait_for_workers(WORKERS)
            def redis_down_10s(elapsed: float) -> None:
                if 10 <= elapsed and redis.process is not None and not faults.get("back"):
                    redis.stop()
                    faults["down"] = time.time()
                if elapsed >= 20 and redis.process is None:
                    redis.start()
                    faults["back"] = time.time()

            scenario("no fault (baseline)", port, 30, None, {})

            faults: dict = {}
            scenario("redis down 10 s", port, 30, redis_down_10s, faults)

            faults = {}
            redis.stop()
            faults["down"] = time.time()
            posts = scenario("after Redis returns", port, 10, None, faults, then_report=False)
            redis.start()
            faults["back"] = time.time()
            report("after Redis returns", posts, faults, since=faults["back"])

            def kill_one_worker(elapsed: float) -> None:
                if elapsed >= 10 and "killed" not in faults:
                    workers[0].send_signal(signal.SIGKILL)
                    workers[0].wait()
                    faults["killed"] = time.time()
                if elapsed >= 15 and "restarted" not in faults:
                    workers[0] = start_worker(env, WORKERS)
                    faults["restarted"] = time.time()

            faults = {}
            scenario("kill -9 of one worker", port, 30, kill_one_worker, faults)
    finally:
        stop(workers + [web])


def wait_for_workers(count: int) -> None:
    """Until ``count`` workers listen on the queue (a loaded machine may take seconds to start one)."""
    from rq import Worker

    from helpdesk.core import jobs

    while len(Worker.all(queue=jobs.queue())) < count:
        time.sleep(0.2)


def start_worker(env: dict, n: int) -> subprocess.Popen:
    logs = Path(env["KONTAKT_INSTANCE"])
    logs.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "helpdesk", "worker"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=(logs / f"worker-{n}.log").open("a"))


def scenario(title: str, port: int, seconds: float, fault, faults: dict, *, then_report: bool = True) -> list[dict]:
    """Post at RATE for ``seconds`` while ``fault(elapsed)`` is called every 0.1 s; the posts."""
    posts: list[dict] = []
    started = time.perf_counter()
    browsers = [threading.Thread(target=browser, args=(port, k, 8, started, seconds, posts), daemon=True)
                for k in range(8)]
    for thread in browsers:
        thread.start()
    while any(thread.is_alive() for thread in browsers):
        if fault is not None:
            fault(time.perf_counter() - started)
        time.sleep(0.1)
    if then_report:
        report(title, posts, faults, since=max(faults.values()) if faults else time.time())
    return posts


def browser(port: int, k: int, of: int, started: float, seconds: float, posts: list[dict]) -> None:
    """A customer's browser: the contact page once for its session and token, then its share of
    posts, each followed by the confirmation page the redirect leads to."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/contact")
    page = conn.getresponse()
    cookie = page.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode()).group(1)
    n = k
    while (due := started + n / RATE) < started + seconds:
        time.sleep(max(0.0, due - time.perf_counter()))
        subject_base, text, category = TEXTS[n % len(TEXTS)]
        subject = f"{subject_base} {uuid.uuid4().hex[:12]}"
        body = urlencode({"csrf_token": token, "name": f"Klient {n}", "email": f"klient{n}@example.pl",
                          "category": category, "subject": subject, "description": text,
                          "submission_id": uuid.uuid4().hex, "suggestions_shown": "1"})
        post = {"subject": subject, "at": time.time(), "status": None, "number": None}
        try:
            conn.request("POST", "/contact", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                     "Cookie": cookie})
            response = conn.getresponse()
            response.read()
            post["status"] = response.status
            cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]
            if response.status == 302:
                conn.request("GET", "/contact/sent", headers={"Cookie": cookie})
                sent = conn.getresponse()
                found = re.search(r"KT-\d{6,}", sent.read().decode())
                post["sent_status"] = sent.status
                post["number"] = found.group(0) if found else None
        except (OSError, http.client.HTTPException) as error:
            post["status"] = f"error: {error}"
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        posts.append(post)
        n += of


def report(title: str, posts: list[dict], faults: dict, *, since: float) -> None:
    """Wait until every post's contact is a ticket (at most SETTLE seconds after ``since``), then print."""
    from helpdesk.core.extensions import db
    from helpdesk.models import RawContact, Ticket, TicketEvent

    subjects = [p["subject"] for p in posts]
    deadline = since + SETTLE
    while True:
        db.session.rollback()
        waiting = db.session.scalar(db.select(db.func.count()).select_from(RawContact)
                                    .where(RawContact.status == "received"))
        if waiting == 0 or time.time() > deadline:
            break
        time.sleep(0.2)
    rows = db.session.execute(
        db.select(Ticket.id, Ticket.subject, TicketEvent.created_at)
        .join(TicketEvent, (TicketEvent.ticket_id == Ticket.id) & (TicketEvent.kind == "created"))
        .where(Ticket.subject.in_(subjects))).all()
    by_subject: dict[str, list] = {}
    for row in rows:
        by_subject.setdefault(row.subject, []).append(row)
    confirmed = [p for p in posts if p["status"] == 302 and p["number"]]
    if posts and not confirmed:  # the form changed under the benchmark: it would measure nothing
        answers = Counter(str(p["status"]) for p in posts)
        raise SystemExit(f"{title}: no post was confirmed (answers: {dict(answers)})")
    five_xx = sum(1 for p in posts if isinstance(p["status"], int) and p["status"] >= 500
                  or p.get("sent_status", 200) >= 500)
    failed = sum(1 for p in posts if not isinstance(p["status"], int))
    duplicates = sum(len(found) - 1 for found in by_subject.values() if len(found) > 1)
    false_promises = sum(1 for p in confirmed if not any(
        Ticket.number_of(r.id) == p["number"] for r in by_subject.get(p["subject"], [])))
    delays = sorted(found[0].created_at.timestamp() - p["at"] for p in posts
                    if (found := by_subject.get(p["subject"])))
    unprocessed = db.session.scalar(db.select(db.func.count()).select_from(RawContact)
                                    .where(RawContact.status != "processed"))

    def at(q: float) -> float:
        return delays[int(q * (len(delays) - 1))] if delays else float("nan")

    load = os.getloadavg()[0]
    print(f"{title} (load average {load:.1f}): {len(posts)} posts, {len(confirmed)} confirmed with their number, {len(by_subject)} tickets "
          f"created for them, {duplicates} duplicates, {false_promises} false promises, {unprocessed} contacts "
          f"unprocessed after the sweep, {five_xx} 5xx answers" + (f", {failed} posts failed" if failed else ""))
    line = f"    delay from post to ticket: median {at(0.5):.2f} s, 95% within {at(0.95):.2f} s, worst {at(1.0):.2f} s"
    if "back" in faults:  # the contacts posted while Redis was away
        opened = [found[0].created_at.timestamp() for p in posts if faults["down"] <= p["at"] <= faults["back"]
                  and (found := by_subject.get(p["subject"]))]
        if opened:
            line += (f"; the last of the {len(opened)} posted while Redis was away became a ticket "
                     f"{max(opened) - faults['back']:.1f} s after it came back")
    print(line)


if __name__ == "__main__":
    main()
