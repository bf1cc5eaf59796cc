"""Phone events end to end: the CTI webhook in the web server, stored, processed by RQ workers on PostgreSQL.

Run: python bench/bench_phone.py [SECONDS]   (default 10)

Needs PostgreSQL at 127.0.0.1:5432 (trust auth) and Redis at 127.0.0.1:6379, or
KONTAKT_TEST_POSTGRES / KONTAKT_TEST_REDIS. Creates and drops its own database and queue.
The events come from a PBX created as an admin creates one (its token is checked on every
event). The web server (granian) runs as the Procfile has it (BENCH_WEB_WORKERS processes of
BENCH_WEB_THREADS threads, default 2 and 4; BENCH_WEB_SERVER=gunicorn for gunicorn's threaded
workers), with BENCH_WORKERS RQ workers (default 2, at the
Procfile's lower CPU priority); the load generator (one asyncio loop in this process, each PBX
a connection kept alive), the web server, the workers and PostgreSQL share the machine's
cores. Prints:

* taken in: events per second the webhook accepts as fast as 8 PBX connections post them
  (form-encoded newCall/answer/hangup of whole calls, a third of them missed), the answer
  time (median, 95th percentile), and how long the workers trail behind the last event;
* paced: BENCH_RATE events per second (default 300) for SECONDS: the webhook's answer time,
  and the delay from a missed call's hangup reaching the webhook to its callback ticket
  existing (median, 95th percentile, worst; and the part of it until the hangup was processed).
"""
from __future__ import annotations

import asyncio
import os
import re
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_routing_e2e import (  # noqa: E402
    POSTGRES, REDIS, cpu_snapshot, start_web, start_workers, stop,
)

RATE = float(os.environ.get("BENCH_RATE", 300))
LINES = ("+48660600700", "+48222062121")


def call_events(n: int) -> list[dict]:
    """The events of call ``n``: answered (2 in 3) or missed; each with its timestamp."""
    now = datetime.now(timezone.utc)
    base = {"callId": f"bench-{n}", "from": f"+4850{n % 10**7:07d}", "to": LINES[n % 2], "direction": "in"}

    def at(seconds_ago: int) -> str:
        return (now - timedelta(seconds=seconds_ago)).isoformat()

    if n % 3 == 2:  # the caller gave up after 40 s
        return [{**base, "event": "newCall", "user[]": ["101", "102"], "timestamp": at(40)},
                {**base, "event": "hangup", "cause": "cancel", "timestamp": at(0)}]
    return [{**base, "event": "newCall", "user[]": ["101", "102"], "timestamp": at(100)},
            {**base, "event": "answer", "user": "101", "timestamp": at(80)},
            {**base, "event": "hangup", "cause": "normalClearing", "timestamp": at(0)}]


def percentiles(values: list[float]) -> tuple[float, float, float]:
    values = sorted(values)
    return tuple(values[int(q * (len(values) - 1))] for q in (0.5, 0.95, 1.0)) if values else (0.0, 0.0, 0.0)


def post_events(port: int, token: str, seconds: float, *, connections: int = 8, rate: float | None = None,
                first_call: int = 0) -> tuple[int, list[float], int]:
    """PBX connections posting whole calls' events for ``seconds`` (at ``rate`` events per
    second in all, or each as soon as the previous one is answered). Returns (events accepted,
    answer times, next call). One asyncio loop drives the connections over raw HTTP/1.1, so the
    load generator takes little of the CPU the server needs (threads with http.client took a
    third of a millisecond per event)."""
    return asyncio.run(_post_events(port, token, seconds, connections, rate, first_call))


async def _post_events(port, token, seconds, connections, rate, first_call):
    answers: list[float] = []
    counter, slots = [first_call], [0]  # the next call; events handed out so far (with ``rate``: slot / rate is a turn)
    started = time.perf_counter()

    async def pbx() -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sent = 0
        try:
            while time.perf_counter() - started < seconds:
                n, counter[0] = counter[0], counter[0] + 1
                for fields in call_events(n):
                    if rate:
                        slot, slots[0] = slots[0], slots[0] + 1
                        await asyncio.sleep(max(0.0, started + slot / rate - time.perf_counter()))
                    body = urlencode(fields, doseq=True).encode()
                    begin = time.perf_counter()
                    writer.write(f"POST /api/v1/cti/{token} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                 f"application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = re.search(rb"(?im)^content-length: *(\d+)", head)
                    await reader.readexactly(int(length.group(1)) if length else 0)
                    answers.append(time.perf_counter() - begin)
                    if not head.startswith(b"HTTP/1.1 200"):
                        raise SystemExit(f"the webhook answered {head.splitlines()[0].decode()}")
                    sent += 1
        finally:
            writer.close()
        return sent

    accepted = await asyncio.gather(*(pbx() for _ in range(connections)))
    return sum(accepted), answers, counter[0]


def wait_processed(started: float) -> float:
    """Seconds until every stored event is processed (and every needed callback opened)."""
    from helpdesk.core.extensions import db
    from helpdesk.models.phone import Call, PhoneEvent

    while True:
        db.session.rollback()
        waiting = db.session.scalar(db.select(db.func.count()).select_from(PhoneEvent)
                                    .where(PhoneEvent.status == "received"))
        pending = db.session.scalar(db.select(db.func.count()).select_from(Call).where(
            Call.outcome == "abandoned", Call.callback_done.is_(False)))
        if not waiting and not pending:
            return time.perf_counter() - started
        if time.perf_counter() - started > 600:
            raise SystemExit(f"{waiting} events still waiting after 10 minutes")
        time.sleep(0.05)


def callback_delays(first_call: int, end_call: int) -> tuple[list[float], list[float]]:
    """Seconds from each missed call's hangup reaching the webhook to its callback ticket, and
    of those the part until the hangup was processed (the call log row written), for the calls
    numbered from ``first_call`` up to ``end_call``."""
    from sqlalchemy import text

    from helpdesk.core.extensions import db

    rows = db.session.execute(text("""
        SELECT extract(epoch FROM te.created_at - pe.received_at), extract(epoch FROM pe.processed_at - pe.received_at)
        FROM calls c
        JOIN phone_events pe ON pe.call_id = c.call_id AND pe.event = 'hangup'
        JOIN ticket_events te ON te.ticket_id = c.ticket_id AND te.kind = 'created'
        WHERE c.outcome = 'abandoned' AND c.call_id LIKE 'bench-%'
          AND CAST(substr(c.call_id, 7) AS integer) >= :first
          AND CAST(substr(c.call_id, 7) AS integer) < :end"""), {"first": first_call, "end": end_call}).all()
    return [float(total) for total, _ in rows], [float(processed) for _, processed in rows]


def main(seconds: float) -> None:
    import psycopg
    from flask_migrate import upgrade

    name = f"kontakt_bench_{uuid.uuid4().hex[:10]}"
    admin_dsn = POSTGRES.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{POSTGRES}/{name}"
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=REDIS, RQ_QUEUE=f"bench-{uuid.uuid4().hex[:8]}",
               SECRET_KEY="bench", KONTAKT_INSTANCE=f"/tmp/{name}", PYTHONPATH=str(ROOT))
    os.environ.update(env)
    processes = []
    try:
        from helpdesk import create_app
        from helpdesk.admin.services import ensure_reference_data
        from helpdesk.core import jobs

        app = create_app()
        with app.app_context():
            upgrade()
            ensure_reference_data()
            from helpdesk.phone import services
            from helpdesk.staff.services import create_staff

            for n, extension in enumerate(("101", "102")):
                agent = create_staff(email=f"agent{n}@bench.pl", name=f"Agent {n}", role="agent", password="x",
                                     teams=["obsluga-klienta"])
                services.set_agent_phone(None, agent.id, extension=extension, number="")
            _pbx, token = services.create_pbx(None, "Centrala")  # a PBX's own token, checked on every event
            web, port = start_web(env)
            workers = start_workers(env, burst=False)
            processes = [web, *workers]
            time.sleep(2)  # the workers connect
            post_events(port, token, 1.0, first_call=10**6)  # warm-up: connections, imports
            wait_processed(time.perf_counter())

            before = cpu_snapshot(workers, web)
            started = time.perf_counter()
            count, answers, next_call = post_events(port, token, seconds)
            took = time.perf_counter() - started
            trail = wait_processed(time.perf_counter())
            after = cpu_snapshot(workers, web)
            median, p95, _ = percentiles(answers)
            print(f"taken in:    {count} events in {took:.1f} s = {count / took:.0f} events/s; answer median "
                  f"{median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms; workers done {trail:.1f} s after the last")
            used = {("load generator" if part == "this" else part): (after[part] - before[part]) / count * 1000
                    for part in after}
            print("             CPU ms per event: " + ", ".join(f"{part} {ms:.2f}" for part, ms in used.items()
                                                             if ms >= 0.005)
                  + f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")

            first = next_call
            count, answers, end = post_events(port, token, seconds, rate=RATE, first_call=first, connections=32)
            wait_processed(time.perf_counter())
            median, p95, _ = percentiles(answers)
            delays, processed = callback_delays(first, end)  # not the warm-up's calls (numbered from 10**6)
            d_median, d_p95, d_worst = percentiles(delays)
            p_median, p_p95, _ = percentiles(processed)
            print(f"paced:       {count} events at {RATE:.0f}/s; answer median {median * 1000:.1f} ms, p95 "
                  f"{p95 * 1000:.1f} ms; hangup to callback ticket median {d_median:.2f} s, p95 {d_p95:.2f} s, "
                  f"worst {d_worst:.2f} s (of which until the hangup was processed: median {p_median:.2f} s, "
                  f"p95 {p_p95:.2f} s)")
            jobs.queue().delete(delete_jobs=True)
            jobs.queue(low_priority=True).delete(delete_jobs=True)
    finally:
        stop(processes)
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0)
