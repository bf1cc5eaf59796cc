"""SLA recalculation speed: 100,000 open tickets in PostgreSQL, a calendar change, every deadline recomputed.

Run: python bench/bench_sla_recompute.py  — needs PostgreSQL at 127.0.0.1:5432 (trust auth;
KONTAKT_BENCH_POSTGRES overrides). Creates and drops a scratch database; prints the seconds
spent reading and computing (plan) and writing (apply), and how many deadlines moved.
"""
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402

import schedules  # noqa: E402
from helpdesk.models.types import utcnow  # noqa: E402

TICKETS = 100_000


def naive(t):
    return t.replace(tzinfo=None)


def fill(dsn: str, now) -> None:
    """Open tickets created over the last three days, each with a first-response and a resolution clock."""
    calendar = schedules.builtin("working-days")
    rng = random.Random(7)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        created = [now - timedelta(seconds=rng.randrange(3 * 86400)) for _ in range(TICKETS)]
        with cur.copy("COPY tickets (subject, status, priority, channel, line, language, tags, pinned,"
                      " created_at, updated_at) FROM STDIN") as copy:
            for t in created:
                copy.write_row(("Spłata raty", "open", "normal", "email", "bok@kontakt.example.pl", "pl", "[]", False,
                                naive(t), naive(t)))
        cur.execute("SELECT id, created_at FROM tickets ORDER BY id")
        rows = cur.fetchall()
        with cur.copy("COPY sla_clocks (ticket_id, name, policy_name, calendar_name, target_seconds,"
                      " accumulated_seconds, running_since, stopped, due_at, warn_at) FROM STDIN") as copy:
            for ticket_id, created_at in rows:
                start = created_at.replace(tzinfo=now.tzinfo)
                for name, hours in (("first_response", 24), ("resolution", 72)):
                    target = timedelta(hours=hours)
                    copy.write_row((ticket_id, name, "email-first-response", "working-days",
                                    int(target.total_seconds()), 0.0, naive(start), False,
                                    naive(calendar.add(start, target)),
                                    naive(calendar.add(start, target * 0.75))))
        cur.execute("UPDATE tickets t SET next_due_at = c.due FROM (SELECT ticket_id, min(due_at) AS due"
                    " FROM sla_clocks GROUP BY ticket_id) c WHERE c.ticket_id = t.id")
    with psycopg.connect(dsn, autocommit=True) as conn:  # a settled database, as in production
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")  # the fill's dirty pages written now, not during the timed recalculation
    print(json.dumps({"tickets": len(rows), "clocks": 2 * len(rows)}))


def main() -> None:
    from helpdesk.sla.services import recalc

    with scratch_database() as (app, dsn):
        now = utcnow()
        fill(dsn, now)
        # The change: tomorrow becomes a closed day (stocktaking) on the working-days calendar.
        base = schedules.builtin("working-days").to_dict()
        tomorrow = (now + timedelta(days=1)).date().isoformat()
        changed = schedules.Calendar.from_dict({**base, "exceptions": [{"name": "Inwentaryzacja", "start": tomorrow,
                                                                        "hours": []}]})
        with app.app_context():
            started, cpu = time.perf_counter(), time.process_time()
            preview = recalc.plan(now, calendars={"working-days": changed})
            planned = time.perf_counter()
            moved = recalc.apply(preview, now, "calendar working-days changed")
            applied, cpu = time.perf_counter(), time.process_time() - cpu
        print(json.dumps({
            "clocks_moved": preview.clocks, "tickets_moved": moved,
            "plan_seconds": round(planned - started, 2), "apply_seconds": round(applied - planned, 2),
            "total_seconds": round(applied - started, 2), "python_cpu_seconds": round(cpu, 2),
            "load_average": os.getloadavg()[0], "target_seconds": 10,
        }))


if __name__ == "__main__":
    main()
