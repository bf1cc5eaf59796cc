"""A burst from one address against the contact form: do other customers' submissions slow down?

Run: python bench/bench_contact_burst.py [SECONDS]   (default 10 per phase)

Needs PostgreSQL at 127.0.0.1:5432 (trust auth) and Redis at 127.0.0.1:6379, or KONTAKT_TEST_POSTGRES /
KONTAKT_TEST_REDIS. Creates and drops its own database; the rate limits are stored in that Redis
(under a key prefix of its own), as in production. the web server (granian) serves the app as the Procfile has it
(2 workers of 4 threads), behind "one proxy" (PROXY_FIX_X_FOR=1), so each simulated customer has an
address of its own in X-Forwarded-For; all traffic stays on loopback.

Two phases of SECONDS each, printed as the median, 95th percentile and worst time of a customer's
POST /contact (stored, ticket number reserved, redirect):

* calm: CUSTOMERS customers (default 12), each sending a form every 2 seconds from their own address;
* burst: the same customers while one address sends forms as fast as 2 threads can (bounded by
  the phase's time), with the default limits (10 per minute, 60 per hour per address): how many of
  its requests were refused with 429 and how fast, and how many it got stored.

No RQ workers run: the stored contacts wait for them, which keeps the figures about the web side.
"""
from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_routing_e2e import POSTGRES, REDIS, TEXTS, _cpu_of, start_web, stop  # noqa: E402 (one way to start the web server)

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", 12))


class Browser:
    """One customer's browser at one address: a session, its CSRF token, a kept-alive connection."""

    def __init__(self, port: int, address: str):
        self.address = address
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.conn.request("GET", "/contact", headers={"X-Forwarded-For": address})
        page = self.conn.getresponse()
        self.cookie = page.getheader("Set-Cookie").split(";")[0]
        self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode()).group(1)

    def send(self, n: int, who: str = "Klient") -> tuple[int, float]:
        subject, text, category = TEXTS[n % len(TEXTS)]
        body = urlencode({"csrf_token": self.token, "name": f"{who} {n}", "email": f"klient{n}@example.pl",
                          "category": category, "subject": subject, "description": text,
                          "submission_id": uuid.uuid4().hex, "suggestions_shown": "1"})
        started = time.perf_counter()
        self.conn.request("POST", "/contact", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                     "Cookie": self.cookie, "X-Forwarded-For": self.address})
        response = self.conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started


def customers(port: int, seconds: float, phase: int) -> list[float]:
    """CUSTOMERS browsers, each posting every 2 seconds for ``seconds`` (within the per-address
    limit) from an address of its own; their POST times."""
    times: list[float] = []

    def run(k: int) -> None:
        browser = Browser(port, f"127.1.{phase}.{k + 1}")
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < seconds:
            status, took = browser.send(k * 100000 + n)
            if status != 302:
                raise SystemExit(f"a customer's POST /contact answered {status}")
            times.append(took)
            n += 1
            time.sleep(max(0.0, start + 2 * n - time.perf_counter()))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(CUSTOMERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def flood(port: int, seconds: float, results) -> None:
    """One address posting as fast as the server answers, for ``seconds`` (a process of its own, so
    the customers' timings are not the load generator's: 2 threads in it)."""
    counts: dict[int, list[float]] = {}

    def run() -> None:
        browser = Browser(port, "127.9.9.9")
        start, n = time.perf_counter(), 0
        while time.perf_counter() - start < seconds:
            status, took = browser.send(n, "Nadawca seryjny")
            counts.setdefault(status, []).append(took)
            n += 1

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put({status: times for status, times in counts.items()})


def summary(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1] if len(times) >= 20 else times[-1]
    return (f"{len(times):5d} posts, median {statistics.median(times) * 1000:6.1f} ms, 95% {p95 * 1000:6.1f} ms, "
            f"worst {times[-1] * 1000:6.1f} ms")


def main(seconds: float) -> None:
    import psycopg

    name = f"kontakt_bench_{uuid.uuid4().hex[:10]}"
    admin_dsn = POSTGRES.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    instance = Path(f"/tmp/{name}")
    instance.mkdir()
    env = dict(os.environ, DATABASE_URL=f"{POSTGRES}/{name}", REDIS_URL=REDIS, RQ_QUEUE=f"bench-{name}",
               SECRET_KEY="bench", KONTAKT_INSTANCE=str(instance), PYTHONPATH=str(ROOT), PROXY_FIX_X_FOR="1",
               CONTACT_MIN_FILL_SECONDS="0", RATELIMIT_KEY_PREFIX=name)
    os.environ.update(env)
    from flask_migrate import upgrade

    from helpdesk import create_app
    from helpdesk.admin.services import ensure_reference_data
    from helpdesk.core.extensions import db
    from helpdesk.models import RawContact

    app = create_app()
    with app.app_context():
        upgrade()
        ensure_reference_data()
    web, port = start_web(env)
    try:
        customers(port, 4, 0)  # warm-up: every web thread has loaded its templates and connections
        print(f"calm:  {CUSTOMERS} customers, one form every 2 seconds each, {seconds:.0f} s")
        cpu = _cpu_of(web.pid)
        print("  customers " + summary(customers(port, seconds, 1)))
        calm_cpu, cpu = _cpu_of(web.pid) - cpu, _cpu_of(web.pid)
        results = multiprocessing.Queue()
        flooder = multiprocessing.Process(target=flood, args=(port, seconds, results))
        flooder.start()
        calm_with_burst = customers(port, seconds, 2)
        flooded = results.get()
        flooder.join()
        burst_cpu = _cpu_of(web.pid) - cpu
        print("burst: the same, while one address posts as fast as 2 threads can")
        print("  customers " + summary(calm_with_burst))
        refused, accepted = flooded.get(429, []), flooded.get(302, [])
        sent = sum(len(v) for v in flooded.values())
        print(f"  the burst {sent} posts ({sent / seconds:.0f}/s): {len(refused)} refused with 429 "
              f"(median {statistics.median(refused) * 1000:.1f} ms), {len(accepted)} accepted")
        with app.app_context():
            stored = db.session.scalar(db.select(db.func.count()).select_from(RawContact).where(
                db.func.position(db.literal("Nadawca seryjny".encode()).op("IN")(RawContact.payload)) > 0))
        print(f"  contacts stored from the burst's address: {stored}")
        per_customer = calm_cpu / (CUSTOMERS * seconds / 2)
        per_refusal = (burst_cpu - calm_cpu) / max(1, len(refused))
        print(f"web server CPU: {per_customer * 1000:.1f} ms per customer's post, {per_refusal * 1000:.2f} ms per "
              f"refused post (the load generator, PostgreSQL and Redis share the 2 cores: times vary with load)")
    finally:
        stop([web])
        from redis import Redis

        redis = Redis.from_url(REDIS)
        for key in redis.scan_iter(f"{name}*"):
            redis.delete(key)
        redis.delete(f"rq:queue:bench-{name}")
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10)
