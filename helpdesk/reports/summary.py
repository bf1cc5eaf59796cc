"""The reports' summary tables (`helpdesk.models.reports`): derived from the tickets, their SLA
clocks and history and their messages by one set of queries, over every ticket (`rebuild`) or over
the tickets waiting in `report_pending` (`refresh`).

Migration 0014_reports's triggers put a ticket in `report_pending` in the same transaction as any
change of its sources, whoever makes it; `refresh` runs after each commit that changed a ticket
(a job, `enqueue_once`), in the minute sweep, and before each report is read, so a report is
exact even when a job was lost.
"""
from __future__ import annotations

from sqlalchemy import text

from helpdesk.core.extensions import db

TZ = "Europe/Warsaw"
REFRESH_BATCH = 2000  # pending tickets taken per transaction
HOUR = 3600
# The bounds of the cells a stopped clock's working time falls in (report_clocks.bucket, by
# width_bucket: cell i holds [bound i, bound i + 1)): about 9% wide from a minute on, and the
# bounds of the reports' time buckets among them, so a percentile is found in one cell (see
# reports.services.response_times) and the buckets are sums of cells.
CELL_BOUNDS = tuple(sorted({round(60 * (2 ** (i / 8) - 1)) for i in range(1, 200)}
                           | {HOUR, 4 * HOUR, 8 * HOUR, 24 * HOUR}))


class ReportsUnavailable(RuntimeError):
    """The reports need PostgreSQL (its percentiles and time zones)."""


def check_database() -> None:
    if db.engine.dialect.name != "postgresql":
        raise ReportsUnavailable("reports need PostgreSQL")


def cell(seconds: str) -> str:
    """SQL: the cell of CELL_BOUNDS a working time in seconds falls in (0 below the first bound)."""
    return f"width_bucket({seconds}, ARRAY{list(CELL_BOUNDS)}::float8[])"


def local(column: str) -> str:
    """SQL: a UTC column as Europe/Warsaw wall time."""
    return f"(({column}) AT TIME ZONE 'UTC' AT TIME ZONE '{TZ}')"


# Each statement derives the rows of the tickets `t` the condition {tickets} selects. The next
# ticket of the customer in the category is found among the selected tickets, so a refresh selects
# every ticket of the customers concerned.
_DERIVE = (f"""
    INSERT INTO report_tickets (ticket_id, created_at, day, weekday, hour, status, channel, category_id, team_id,
                                assignee_id, customer_id, further_contact_at)
    SELECT t.id, t.created_at, {local('t.created_at')}::date, extract(isodow FROM {local('t.created_at')})::int,
           extract(hour FROM {local('t.created_at')})::int,
           t.status, t.channel, t.category_id, t.team_id, t.assignee_id, t.customer_id,
           least(CASE WHEN t.customer_id IS NOT NULL AND t.category_id IS NOT NULL THEN
                      lead(t.created_at) OVER (PARTITION BY t.customer_id, t.category_id ORDER BY t.created_at, t.id)
                 END, w.second_at)
    FROM tickets t
    LEFT JOIN (SELECT m.ticket_id, (array_agg(m.created_at ORDER BY m.created_at, m.id))[2] AS second_at
               FROM messages m WHERE m.direction = 'in' AND {{messages}} GROUP BY m.ticket_id
               HAVING count(*) > 1) w ON w.ticket_id = t.id
    WHERE {{tickets}}""", f"""
    INSERT INTO report_clocks (ticket_id, name, policy_name, day, week, channel, category_id, team_id, assignee_id,
                               stopped, running, breached, due_at, target_seconds, seconds, bucket, earlier_met,
                               earlier_breached)
    SELECT c.ticket_id, c.name, c.policy_name, {local('t.created_at')}::date,
           date_trunc('week', {local('t.created_at')})::date, t.channel, t.category_id, t.team_id,
           t.assignee_id, c.stopped, c.running_since IS NOT NULL, c.breached_at IS NOT NULL, c.due_at,
           c.target_seconds, c.accumulated_seconds, {cell('c.accumulated_seconds')},
           greatest(coalesce(e.starts, 0) - 1 - greatest(coalesce(e.breaches, 0) - (c.breached_at IS NOT NULL)::int,
                                                         0), 0),
           greatest(coalesce(e.breaches, 0) - (c.breached_at IS NOT NULL)::int, 0)
    FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id
    -- a next-response clock starts again at each customer message; each cycle has at most one breach
    -- event, the current cycle's on the clock, so the earlier cycles are the starts but one, of which
    -- breached: the breach events less the current one
    LEFT JOIN (SELECT e.ticket_id, count(*) FILTER (WHERE e.action = 'start') AS starts,
                      count(*) FILTER (WHERE e.action = 'breach') AS breaches
               FROM sla_events e WHERE e.clock = 'next_response' AND e.action IN ('start', 'breach') AND {{events}}
               GROUP BY e.ticket_id) e ON e.ticket_id = c.ticket_id AND c.name = 'next_response'
    WHERE {{tickets}}""", f"""
    INSERT INTO report_solves (event_id, ticket_id, day, channel, category_id, team_id, assignee_id)
    SELECT e.id, e.ticket_id, {local('e.at')}::date, t.channel, t.category_id, t.team_id, t.assignee_id
    FROM sla_events e JOIN tickets t ON t.id = e.ticket_id
    -- solving stops the resolution clock (the ticket's audit trail has the instant too)
    WHERE e.action = 'stop' AND e.clock = 'resolution' AND e.reason = 'status solved' AND {{events}} AND {{tickets}}""")
_TABLES = ("report_tickets", "report_clocks", "report_solves")


def rebuild() -> dict:
    """Every summary row derived again from the sources, in one transaction; the rows per table.

    The pending list is emptied first: a change committed after that is pending again."""
    check_database()
    session = db.session
    session.execute(text("DELETE FROM report_pending"))
    session.execute(text(f"TRUNCATE {', '.join(_TABLES)}, report_clock_cells"))
    for statement in _DERIVE:
        session.execute(text(statement.format(tickets="TRUE", messages="TRUE", events="TRUE")))
    counts = {table: session.execute(text(f"SELECT count(*) FROM {table}")).scalar() for table in _TABLES}
    session.commit()
    # Statistics for the planner, and the visibility map the index-only reads of the percentiles need.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM ANALYZE {', '.join(_TABLES)}, report_clock_cells"))
    return counts


def refresh(batch: int = REFRESH_BATCH) -> int:
    """Bring the summary rows of the pending tickets up to date, a batch per transaction; how many
    tickets were refreshed. Safe to run anywhere at once: a batch taken by another run is skipped."""
    if db.engine.dialect.name != "postgresql":
        return 0  # no triggers, no reports
    done = 0
    while True:
        pending = db.session.scalars(text("""
            DELETE FROM report_pending WHERE ticket_id IN (
                SELECT ticket_id FROM report_pending LIMIT :batch FOR UPDATE SKIP LOCKED)
            RETURNING ticket_id"""), {"batch": batch}).all()
        if not pending:
            db.session.commit()
            return done
        _derive(pending)
        db.session.commit()
        done += len(pending)


def _derive(ticket_ids: list[int]) -> None:
    """Replace the summary rows of these tickets and of every other ticket of their customers."""
    ids = db.session.scalars(text("""
        SELECT id FROM tickets WHERE id = ANY(:ids)
        UNION SELECT o.id FROM tickets o JOIN tickets t ON o.customer_id = t.customer_id WHERE t.id = ANY(:ids)"""),
                             {"ids": ticket_ids}).all()
    ids = sorted(set(ids) | set(ticket_ids))
    for table in _TABLES:
        db.session.execute(text(f"DELETE FROM {table} WHERE ticket_id = ANY(:ids)"), {"ids": ids})
    for statement in _DERIVE:
        db.session.execute(text(statement.format(tickets="t.id = ANY(:ids)", messages="m.ticket_id = ANY(:ids)",
                                                 events="e.ticket_id = ANY(:ids)")), {"ids": ids})
