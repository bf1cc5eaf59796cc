"""Report speed: a year of tickets with their SLA clocks, SLA history, messages and audit events
in PostgreSQL; each report computed for the whole year, and again for one team and channel.

Run: python bench/bench_reports.py  — needs PostgreSQL at 127.0.0.1:5432 (trust auth;
KONTAKT_BENCH_POSTGRES overrides; see bench/scratch.py). BENCH_TICKETS sets the number of tickets (default 100,000;
the issue's target is 1,000,000). Creates and drops a scratch database; the data is written by
set-based SQL (the services would take hours for a year), shaped as the services write it:
first-response and resolution clocks, next-response cycles for a third of the tickets, a stop
per stopped clock, a breach event per breached one; a call log and knowledge-base visits. The
reports' summary is then built as after an upgrade, by `helpdesk reports rebuild` (its seconds
printed), and the cost of keeping it up to date is measured on single tickets (a change of team,
as the triggers see it, then the refresh that follows the commit). Prints each report's seconds
(the best of BENCH_REPEAT runs, default 3). BENCH_KEEP=1 keeps the database; BENCH_REUSE=<its
name> measures it again without filling it (see bench/scratch.py).
"""
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from bench.scratch import reused, scratch_database  # noqa: E402

TICKETS = int(os.environ.get("BENCH_TICKETS", 100_000))
YEAR_START, YEAR_END = date(2025, 12, 1), date(2026, 11, 30)
AGENTS = 60
REPEAT = int(os.environ.get("BENCH_REPEAT", 3))
UPKEEP_TICKETS = 50  # single tickets changed and refreshed, one commit each

FILL = """
INSERT INTO users (email, name, password_hash, role, active, ui_language, languages, presence, capacity, created_at)
SELECT 'agent' || i || '@kontakt.test', 'Konsultant ' || i, 'x', 'agent', true, 'pl', '["pl"]', 'offline',
       '{}', now() FROM generate_series(1, %(agents)s) i;
INSERT INTO customers (name, attributes, language, created_at)
SELECT 'Klient ' || i, '{}', 'pl', now() FROM generate_series(1, %(tickets)s / 3) i;
CREATE TEMP TABLE gen AS
SELECT i AS id,
       timestamp '2025-12-01 00:00' - interval '1 hour'
         + (random() * 364 * 86400) * interval '1 second' AS created_at,
       (ARRAY['email','email','webform','phone'])[1 + floor(random() * 4)::int] AS channel,
       1 + floor(random() * 6)::int AS category_id,
       1 + floor(random() * 2)::int AS team_id,
       (SELECT min(id) FROM users) + floor(random() * %(agents)s)::int AS assignee_id,
       1 + floor(random() * (%(tickets)s / 3))::int AS customer_id,
       random() AS r_status, random() AS r_breach, random() AS r_next,
       -ln(1 - random()) * 8 * 3600 AS first_seconds, -ln(1 - random()) * 40 * 3600 AS resolution_seconds
FROM generate_series(1, %(tickets)s) i;
INSERT INTO tickets (id, subject, status, priority, channel, line, language, tags, category_id, team_id, assignee_id,
                     customer_id, pinned, created_at, updated_at)
SELECT id, 'Zgłoszenie ' || id,
       CASE WHEN r_status < 0.80 THEN 'solved' WHEN r_status < 0.88 THEN 'closed' WHEN r_status < 0.93 THEN 'open'
            WHEN r_status < 0.97 THEN 'new' ELSE 'waiting' END,
       'normal', channel, '', 'pl', '[]', category_id, team_id, assignee_id, customer_id, false, created_at, created_at
FROM gen;
SELECT setval('tickets_id_seq', %(tickets)s);
INSERT INTO messages (ticket_id, channel, direction, internal, author_name, subject, text, delivery_attempts,
                      created_at)
SELECT id, channel, 'in', false, 'Klient', '', 'Treść', 0, created_at FROM gen
UNION ALL
SELECT id, channel, 'in', false, 'Klient', '', 'Ponownie', 0, created_at + interval '2 days' FROM gen
WHERE r_next < 0.2
UNION ALL
SELECT id, channel, 'out', false, 'Konsultant', '', 'Odpowiedź', 1, created_at + first_seconds * interval '1 second'
FROM gen WHERE r_status < 0.93;
INSERT INTO ticket_events (ticket_id, kind, data, created_at)
SELECT id, 'created', '{}'::json, created_at FROM gen
UNION ALL
SELECT id, 'status', '{"old": "open", "new": "solved"}'::json, created_at + resolution_seconds * interval '1 second'
FROM gen WHERE r_status < 0.88;
-- first response: stopped once answered (solved, closed, open), breached for 10 percent
INSERT INTO sla_clocks (ticket_id, name, policy_name, calendar_name, target_seconds, accumulated_seconds,
                        running_since, stopped, due_at, warn_at, breached_at)
SELECT id, 'first_response', CASE WHEN channel = 'phone' THEN 'phone-callback' ELSE 'email-first-response' END,
       CASE WHEN channel = 'phone' THEN 'contact-centre' ELSE 'working-days' END,
       CASE WHEN channel = 'phone' THEN 7200 ELSE 86400 END,
       CASE WHEN r_breach < 0.1 THEN 90000 + first_seconds ELSE least(first_seconds, 80000) END,
       CASE WHEN r_status >= 0.93 AND r_status < 0.97 THEN created_at END,
       r_status < 0.93,
       CASE WHEN r_status >= 0.93 AND r_status < 0.97 THEN created_at + interval '1 day' END,
       CASE WHEN r_status >= 0.93 AND r_status < 0.97 THEN created_at + interval '18 hours' END,
       CASE WHEN r_breach < 0.1 THEN created_at + interval '1 day' END
FROM gen;
INSERT INTO sla_clocks (ticket_id, name, policy_name, calendar_name, target_seconds, accumulated_seconds,
                        running_since, stopped, due_at, warn_at, breached_at)
SELECT id, 'resolution', CASE WHEN channel = 'phone' THEN 'phone-callback' ELSE 'email-first-response' END,
       CASE WHEN channel = 'phone' THEN 'contact-centre' ELSE 'working-days' END, 259200, resolution_seconds,
       CASE WHEN r_status >= 0.88 AND r_status < 0.97 THEN created_at END, r_status < 0.88,
       CASE WHEN r_status >= 0.88 AND r_status < 0.97 THEN created_at + interval '3 days' END,
       CASE WHEN r_status >= 0.88 AND r_status < 0.97 THEN created_at + interval '54 hours' END,
       CASE WHEN resolution_seconds > 259200 THEN created_at + interval '3 days' END
FROM gen;
INSERT INTO sla_clocks (ticket_id, name, policy_name, calendar_name, target_seconds, accumulated_seconds,
                        running_since, stopped, due_at, warn_at, breached_at)
SELECT id, 'next_response', 'email-first-response', 'working-days', 86400, first_seconds / 2, NULL, true, NULL,
       NULL, CASE WHEN r_breach > 0.95 THEN created_at + interval '3 days' END
FROM gen WHERE r_next < 0.33;
-- the history: a start and a stop per stopped clock, a breach per breached one, a second next-response cycle
INSERT INTO sla_events (ticket_id, clock, action, reason, at, policy_name, calendar_name, target_seconds,
                        elapsed_seconds, due_at, data)
SELECT c.ticket_id, c.name, 'start', 'ticket opened: channel default', g.created_at, c.policy_name, c.calendar_name,
       c.target_seconds, 0, NULL::timestamp, '{}'::json
FROM sla_clocks c JOIN gen g ON g.id = c.ticket_id
UNION ALL
SELECT c.ticket_id, c.name, 'start', 'customer message', g.created_at + interval '1 hour', c.policy_name,
       c.calendar_name, c.target_seconds, 0, NULL::timestamp, '{}'::json
FROM sla_clocks c JOIN gen g ON g.id = c.ticket_id WHERE c.name = 'next_response' AND g.r_next < 0.15
UNION ALL
SELECT c.ticket_id, c.name, 'breach', 'due', coalesce(c.breached_at, g.created_at), c.policy_name, c.calendar_name,
       c.target_seconds, c.target_seconds, NULL::timestamp, '{}'::json
FROM sla_clocks c JOIN gen g ON g.id = c.ticket_id WHERE c.breached_at IS NOT NULL
UNION ALL
SELECT c.ticket_id, c.name, 'stop', CASE WHEN c.name = 'resolution' THEN 'status solved' ELSE 'public reply' END,
       g.created_at + c.accumulated_seconds * interval '1 second', c.policy_name, c.calendar_name, c.target_seconds,
       c.accumulated_seconds, NULL::timestamp, '{}'::json
FROM sla_clocks c JOIN gen g ON g.id = c.ticket_id WHERE c.stopped;
-- the call log: as many calls as a quarter of the tickets, most answered; a callback per abandoned one
INSERT INTO calls (call_id, source, line_id, line_number, caller, direction, queue, state, offered_users,
                   offered_agent_ids, agent_user, answering_number, agent_id, offered_at, answered_at, ended_at,
                   wait_seconds, talk_seconds, outcome, cause, out_of_hours, rejected, callback_done, notes,
                   dismissed, updated_at)
SELECT 'bench-' || i, 'pbx', (SELECT min(id) FROM phone_lines), '+48660600700', '+4850' || (1000000 + i % 900000),
       'in', '', 'ended', '[]', '[]', '', '', CASE WHEN o < 0.85 THEN (SELECT min(id) FROM users) + i % %(agents)s END,
       at, CASE WHEN o < 0.85 THEN at + w * interval '1 second' END, at + (w + t) * interval '1 second',
       w, CASE WHEN o < 0.85 THEN t END,
       CASE WHEN o < 0.85 THEN 'answered' WHEN o < 0.90 THEN 'short_abandon' WHEN o < 0.97 THEN 'abandoned'
            ELSE 'out_of_hours' END, '', o >= 0.97, false, false, '', false, at
FROM (SELECT i, timestamp '2025-11-30 23:00' + (random() * 364 * 86400) * interval '1 second' AS at, random() AS o,
             (random() * 60)::int AS w, (60 + random() * 400)::int AS t
      FROM generate_series(1, %(tickets)s / 4) i) g;
INSERT INTO kb_contact_visits (visit_key, language, suggested_at, outcome, decided_at)
SELECT md5(i::text), 'pl', at, (ARRAY['solved', 'left', 'submitted'])[1 + floor(random() * 3)::int], at
FROM (SELECT i, timestamp '2025-11-30 23:00' + (random() * 364 * 86400) * interval '1 second' AS at
      FROM generate_series(1, %(tickets)s / 10) i) v;
"""


def timed(run, repeat: int = REPEAT) -> float:
    best = None
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        spent = time.perf_counter() - started
        best = spent if best is None else min(best, spent)
    return best


def _upkeep(db, summary) -> dict:
    """Single tickets re-assigned to the other team, each committed (the triggers mark it pending)
    and then refreshed, as the job after the commit does: the milliseconds of each step."""
    from sqlalchemy import text

    ids = db.session.scalars(text("SELECT id FROM tickets ORDER BY random() LIMIT :n"), {"n": UPKEEP_TICKETS}).all()
    change = refresh = 0.0
    for ticket_id in ids:
        started = time.perf_counter()
        db.session.execute(text("UPDATE tickets SET team_id = 3 - team_id WHERE id = :id"), {"id": ticket_id})
        db.session.commit()
        changed = time.perf_counter()
        summary.refresh()
        change, refresh = change + changed - started, refresh + time.perf_counter() - changed
    return {"upkeep_tickets": len(ids), "change_and_mark_ms": round(change / len(ids) * 1000, 2),
            "refresh_ms": round(refresh / len(ids) * 1000, 2)}


def main() -> None:
    from helpdesk.core.extensions import db
    from helpdesk.admin.services import ensure_reference_data
    from helpdesk.reports import services, summary
    from helpdesk.reports.filters import Filters

    with scratch_database() as (app, dsn):
        started = time.perf_counter()
        if not reused():
            with app.app_context():
                ensure_reference_data()
            with psycopg.connect(dsn) as conn:
                # whole numbers put in the text: several statements cannot be sent with parameters
                conn.execute(FILL.replace("%(tickets)s", str(int(TICKETS))).replace("%(agents)s", str(int(AGENTS))))
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
        with psycopg.connect(dsn, autocommit=True) as conn:
            counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                      for table in ("tickets", "sla_clocks", "sla_events", "messages", "ticket_events", "calls",
                                    "kb_contact_visits")}
        print(json.dumps({"filled": counts, "fill_seconds": round(time.perf_counter() - started, 1)}))
        with app.app_context():
            if not reused():
                started = time.perf_counter()
                rows = summary.rebuild()
                print(json.dumps({"rebuild_seconds": round(time.perf_counter() - started, 1), "summary_rows": rows}))
            print(json.dumps(_upkeep(db, summary)))
        year = Filters(start=YEAR_START, end=YEAR_END)
        narrow = Filters(start=YEAR_START, end=YEAR_END, team=1, channel="email")
        reports = {
            "sla": lambda f: services.sla_attainment(f),
            "sla_by_agent": lambda f: services.sla_attainment(f, by="agent"),
            "times": lambda f: services.response_times(f, trend="week"),
            "times_by_day": lambda f: services.response_times(f, trend="day"),
            "backlog": lambda f: services.backlog(f),
            "volume": lambda f: services.volume(f),
            "fcr": lambda f: services.first_contact_resolution(f),
            "phone": lambda f: services.phone(f),
            "staffing": lambda f: services.staffing_plan(f, date(2026, 11, 23)),
        }
        with app.test_request_context("/reports/"):
            for key, run in reports.items():
                whole = timed(lambda: (run(year), db.session.rollback()))
                part = timed(lambda: (run(narrow), db.session.rollback()))
                print(json.dumps({"report": key, "tickets": TICKETS, "year_seconds": round(whole, 3),
                                  "team_and_channel_seconds": round(part, 3),
                                  "load_average": round(os.getloadavg()[0], 1)}))


if __name__ == "__main__":
    main()
