"""The reports' queries: aggregated in PostgreSQL, never by loading tickets into Python.

Each report function takes `Filters` and returns a `Report`: tables of raw values (counts,
fractions 0–1, working-time seconds) that the screen, the CSV and the JSON API all show.
Working time is what the SLA clocks counted on each ticket's own calendar through `schedules`
(`SlaClock.accumulated_seconds` once a clock has stopped), so the reports agree with the
clocks and the queue. Local days, weeks and hours are Europe/Warsaw. A year of tickets is read
from the summary tables (`reports.summary`, alias r), brought up to date before each report;
what is "now" (open tickets, running clocks past due) is read from the sources.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from helpdesk.calendars import quiet_hours
from helpdesk.calendars.services import get_calendar
from helpdesk.core.extensions import db
from helpdesk.kb import services as kb_services
from helpdesk.models import Category, Team, User
from helpdesk.models.core import CHANNELS, OPEN_STATUSES
from helpdesk.models.sla import CLOCKS
from helpdesk.models.types import utcnow
from helpdesk.reports import summary
from helpdesk.reports.filters import WARSAW, Filters
from helpdesk.reports.summary import ReportsUnavailable  # noqa: F401  (the views catch it here)
from helpdesk.reports.summary import local as _local
from helpdesk.sla.services import clocks as sla_clocks
from schedules import staffing

HOUR = 3600
TIME_BUCKETS = ((0, HOUR, _l("under 1 h")), (HOUR, 4 * HOUR, _l("1–4 h")), (4 * HOUR, 8 * HOUR, _l("4–8 h")),
                (8 * HOUR, 24 * HOUR, _l("8–24 h")), (24 * HOUR, None, _l("over 24 h")))
AGE_BUCKETS = ((0, 1, _l("under 1 day")), (1, 3, _l("1–3 days")), (3, 7, _l("3–7 days")),
               (7, 30, _l("7–30 days")), (30, None, _l("over 30 days")))
PROMISE_SECONDS = 24 * HOUR  # "answered within 24 hours on working days"
GROUPS = {"channel": "r.channel", "category": "r.category_id", "team": "r.team_id", "agent": "r.assignee_id"}


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy string
    kind: str = "text"  # text, int, percent (0–1), seconds (working time), number, ticket (id)


@dataclass
class Table:
    key: str
    title: object
    columns: list[Column]
    rows: list[tuple] = field(default_factory=list)
    note: object | None = None

    def as_dicts(self) -> list[dict]:
        return [dict(zip((c.key for c in self.columns), row)) for row in self.rows]


@dataclass
class Report:
    key: str
    title: object
    filters: Filters
    tables: list[Table]
    charts: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    options: dict = field(default_factory=dict)  # report-specific choices (grouping, trend, week)
    no_data: object | None = None  # the reason a section has nothing to show yet

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


# --- shared SQL pieces ---------------------------------------------------------------

def _ready() -> None:
    """PostgreSQL, and the summary rows of the tickets changed since the last refresh brought up to date."""
    summary.check_database()
    summary.refresh()
    # A year's hash tables and sorts fit in memory; compiling the queries (JIT) costs more than it saves.
    db.session.execute(text("SET LOCAL work_mem = '64MB'"))
    db.session.execute(text("SET LOCAL jit = off"))


_FILTERED_COLUMNS = (("team", "team_id"), ("channel", "channel"), ("category", "category_id"), ("agent", "assignee_id"))


def _whole_centre(f: Filters) -> bool:
    """No filter but the period: the whole contact centre."""
    return f.teams is None and all(getattr(f, name) is None for name, _ in _FILTERED_COLUMNS)


def _where(f: Filters, *, period: str | None = "r.day", alias: str = "r") -> tuple[str, dict]:
    """The rows the filters select: summary rows (alias r, ``period`` their local day) or tickets
    (alias t, ``period`` the instant the dates apply to); ``period`` None leaves out the dates."""
    conds, params = ["TRUE"], {}
    if period == f"{alias}.day":
        conds += [f"{period} >= :first", f"{period} <= :last"]
        params |= {"first": f.start, "last": f.end}
    elif period:
        conds += [f"{period} >= :start", f"{period} < :end"]
        params |= {"start": _naive(f.start_utc), "end": _naive(f.end_utc)}
    if f.teams is not None:
        conds.append(f"{alias}.team_id = ANY(:teams)")
        params["teams"] = list(f.teams)
    for name, column in _FILTERED_COLUMNS:
        value = getattr(f, name)
        if value is not None:
            conds.append(f"{alias}.{column} = :{name}")
            params[name] = value
    return " AND ".join(conds), params


def _naive(instant: datetime) -> datetime:
    """UTC columns are stored without an offset."""
    return instant.astimezone(timezone.utc).replace(tzinfo=None)


def _rows(sql: str, params: dict) -> list:
    return db.session.execute(text(sql), params).all()


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def names(kind: str, ids) -> dict:
    """Display names of teams, categories or agents by id (in the page's language)."""
    ids = [i for i in set(ids) if i is not None]
    if not ids:
        return {}
    if kind == "team":
        return dict(db.session.execute(db.select(Team.id, Team.name).where(Team.id.in_(ids))).all())
    if kind == "agent":
        return dict(db.session.execute(db.select(User.id, User.name).where(User.id.in_(ids))).all())
    from flask_babel import get_locale
    english = str(get_locale()) == "en"
    rows = db.session.execute(db.select(Category.id, Category.name_en if english else Category.name_pl)
                              .where(Category.id.in_(ids))).all()
    return dict(rows)


def _group_label(group: str | None, value, labels: dict) -> str:
    if group is None:
        return str(_l("all"))
    if value is None:
        return str(_l("none"))
    if group == "channel":
        from helpdesk.web.helpers import CHANNEL_LABELS, label_of
        return label_of(CHANNEL_LABELS, value)
    return labels.get(value, str(value))


def _clock_label(name: str) -> str:
    return str(sla_clocks.CLOCK_LABELS.get(name, name))


# --- SLA attainment ------------------------------------------------------------------

# A clock's state as the queue shows it: past its deadline while running is a breach already.
_BREACHED = "(r.breached OR coalesce(r.running AND r.due_at <= :now, false))"
_STATES = {"met": f"NOT {_BREACHED} AND r.stopped", "breached": _BREACHED,
           "running": f"NOT {_BREACHED} AND NOT r.stopped AND r.running",
           "paused": f"NOT {_BREACHED} AND NOT r.stopped AND NOT r.running"}
_STATE = f"CASE {' '.join(f'WHEN {condition} THEN {state!r}' for state, condition in _STATES.items())} END"


def sla_attainment(f: Filters, by: str | None = None, breach_limit: int = 200) -> Report:
    """Met, breached, in progress and paused per policy and clock (and by channel, category, team
    or agent), of the tickets opened in the period, with the breaches listed.

    A next-response clock starts again at each customer message; its earlier cycles come from the
    SLA history (each ended with a stop, and was breached if it has a breach event)."""
    _ready()
    where, params = _where(f)
    params["now"] = _naive(sla_clocks.now())
    group = GROUPS.get(by, "NULL")
    # The summary row of a next-response clock carries its earlier cycles, met and breached.
    rows = _rows(f"""
        SELECT r.policy_name, r.name, {group},
               (count(*) FILTER (WHERE {_STATES['met']}) + sum(r.earlier_met))::int,
               (count(*) FILTER (WHERE {_STATES['breached']}) + sum(r.earlier_breached))::int,
               count(*) FILTER (WHERE {_STATES['running']})::int, count(*) FILTER (WHERE {_STATES['paused']})::int
        FROM report_clocks r WHERE {where}
        GROUP BY 1, 2, 3""", params)
    labels = names(by, [r[2] for r in rows]) if by in ("category", "team", "agent") else {}
    order = {name: i for i, name in enumerate(CLOCKS)}
    rows = sorted(rows, key=lambda r: (r[0], order.get(r[1], 9), _group_label(by, r[2], labels)))
    table = Table("attainment", _l("SLA attainment per policy and target"), [
        Column("policy", _l("Policy")), Column("clock", _l("Target")),
        Column("group", _group_title(by)), Column("met", _l("Met"), "int"),
        Column("met_share", _l("Met, share"), "percent"), Column("breached", _l("Breached"), "int"),
        Column("breached_share", _l("Breached, share"), "percent"), Column("running", _l("In progress"), "int"),
        Column("paused", _l("Paused"), "int"), Column("total", _l("Total"), "int"),
        Column("attainment", _l("Attainment (met of finished)"), "percent"),
    ])
    for policy, clock, grp, met, breached, running, paused in rows:
        total = met + breached + running + paused
        table.rows.append((policy, _clock_label(clock), _group_label(by, grp, labels), met, _share(met, total),
                           breached, _share(breached, total), running, paused, total,
                           _share(met, met + breached)))
    breach_count = sum(row[5] for row in table.rows)
    breaches = _breaches(*_where(f, period="t.created_at", alias="t"), breach_limit)
    listed = Table("breaches", _l("Breaches"), [
        Column("ticket", _l("Ticket"), "ticket"), Column("clock", _l("Target")), Column("policy", _l("Policy")),
        Column("breached_at", _l("Breached at"), "instant"), Column("channel", _l("Channel")),
        Column("team", _l("Team")), Column("agent", _l("Agent")), Column("status", _l("Status")),
    ], breaches)
    if breach_count > len(breaches):
        listed.note = _l("The %(shown)s most recent of %(count)s breaches.", shown=len(breaches), count=breach_count)
    return Report("sla", _l("SLA attainment"), f, [table, listed], options={"by": by})


def _group_title(by: str | None):
    return {"channel": _l("Channel"), "category": _l("Category"), "team": _l("Team"),
            "agent": _l("Agent")}.get(by, _l("Group"))


def _breaches(where: str, params: dict, limit: int) -> list[tuple]:
    """The most recent breaches of the tickets ``where`` selects (alias t): the history's breach
    events, and running clocks past due that no sweep has recorded yet."""
    params = params | {"now": _naive(sla_clocks.now())}
    rows = _rows(f"""
        (SELECT t.id AS ticket_id, e.clock, e.policy_name, e.at, t.channel, t.team_id, t.assignee_id, t.status
         FROM sla_events e JOIN tickets t ON t.id = e.ticket_id WHERE e.action = 'breach' AND {where}
         ORDER BY e.at DESC LIMIT :limit)
        UNION ALL
        (SELECT t.id, c.name, c.policy_name, c.due_at, t.channel, t.team_id, t.assignee_id, t.status
         FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id
         WHERE c.breached_at IS NULL AND c.running_since IS NOT NULL AND c.due_at <= :now AND {where}
         ORDER BY c.due_at DESC LIMIT :limit)
        ORDER BY at DESC, ticket_id LIMIT :limit""", params | {"limit": limit})
    teams, agents = names("team", [r[5] for r in rows]), names("agent", [r[6] for r in rows])
    from helpdesk.web.helpers import CHANNEL_LABELS, STATUS_LABELS, label_of
    return [(r[0], _clock_label(r[1]), r[2], r[3].replace(tzinfo=timezone.utc), label_of(CHANNEL_LABELS, r[4]),
             teams.get(r[5], ""), agents.get(r[6], ""), label_of(STATUS_LABELS, r[7])) for r in rows]


# --- response and resolution times ------------------------------------------------

def response_times(f: Filters, trend: str = "week") -> Report:
    """Working time to the first response, to the latest next response and to resolution, of the
    tickets opened in the period whose clock has stopped: median, 90th percentile, mean, the
    distribution in buckets and the trend by day or week of opening; and the e-mail promise."""
    _ready()
    trend = trend if trend in ("day", "week") else "week"
    where, params = _where(f)
    unit = "day" if trend == "day" else "week"
    rows = _times(where, params, unit, counted=_whole_centre(f))
    by_clock = {r[0]: r for r in rows if r[1] is None}
    order = {name: i for i, name in enumerate(CLOCKS)}
    series = sorted((r for r in rows if r[1] is not None), key=lambda r: (r[1], order.get(r[0], 9)))
    summary = Table("summary", _l("Working time per target"), [
        Column("clock", _l("Target")), Column("count", _l("Tickets"), "int"),
        Column("median", _l("Median"), "seconds"), Column("p90", _l("90th percentile"), "seconds"),
        Column("mean", _l("Mean"), "seconds")])
    distribution = Table("distribution", _l("Distribution"), [Column("clock", _l("Target")), *[
        Column(f"bucket{i}", label, "int") for i, (_, _, label) in enumerate(TIME_BUCKETS)]])
    for name in CLOCKS:
        row = by_clock.get(name)
        if row is None:
            continue
        summary.rows.append((_clock_label(name), row[2], row[3][0], row[3][1], float(row[4])))
        distribution.rows.append((_clock_label(name), *row[5:]))
    trend_table = Table("trend", _l("Trend by day") if trend == "day" else _l("Trend by week"), [
        Column("period", _l("Day") if trend == "day" else _l("Week from"), "date"), Column("clock", _l("Target")),
        Column("count", _l("Tickets"), "int"), Column("median", _l("Median"), "seconds"),
        Column("p90", _l("90th percentile"), "seconds"), Column("mean", _l("Mean"), "seconds")],
        [(r[1], _clock_label(r[0]), r[2], r[3][0], r[3][1], float(r[4])) for r in series])
    report = Report("times", _l("Response and resolution times in working time"), f,
                    [summary, distribution, trend_table, _promise(f)], options={"trend": trend})
    report.charts["distribution"] = [(row[0], [(str(label), count) for (_, _, label), count in zip(TIME_BUCKETS, row[1:])])
                                     for row in distribution.rows]
    report.charts["trend"] = [(r[0].isoformat(), round(r[3] / HOUR, 2)) for r in trend_table.rows
                              if r[1] == _clock_label("first_response")]
    return report


PERCENTILES = (0.5, 0.9)


def _times(where: str, params: dict, unit: str, *, counted: bool = False) -> list[tuple]:
    """Per clock, for the whole period (period None) and each day or week: the stopped clocks,
    their median and 90th percentile (as percentile_cont has them), mean, and counts per TIME_BUCKETS.

    Sorting a year of clocks for percentile_cont takes seconds, so each percentile is read where
    it lies instead: the clocks are counted per cell of working time (report_clocks.bucket); the
    counts give the cell of each rank percentile_cont reads and the rank's place in it, and the
    index on (clock, cell, day) finds that one value. ``counted``: no filter but the period, so the
    cells are read as report_clock_cells has them counted per day instead of counting the clocks."""
    cell = {0: 0, **{bound: i + 1 for i, bound in enumerate(summary.CELL_BOUNDS)}}
    counts = ", ".join(f"coalesce(sum(n) FILTER (WHERE bucket >= {cell[low]}"
                       + (f" AND bucket < {cell[high]})" if high else ")") + f", 0) AS b{i}"
                       for i, (low, high, _) in enumerate(TIME_BUCKETS))
    ranks = ", ".join(f"floor((size - 1)::float8 * {p}), ceil((size - 1)::float8 * {p})" for p in PERCENTILES)
    in_period = "r.day = w.period" if unit == "day" else "r.day >= w.period AND r.day <= w.period + 6"
    columns = ", ".join(f"g.b{i}::int" for i in range(len(TIME_BUCKETS)))
    keys = ", ".join(str(i) for i in range(1, 5 + len(TIME_BUCKETS)))
    if counted:
        period = "r.day" if unit == "day" else "date_trunc('week', r.day)::date"
        cells = (f"SELECT r.name, {period} AS period, r.bucket, sum(r.clocks)::int AS n, sum(r.seconds) AS total "
                 f"FROM report_clock_cells r WHERE {where} GROUP BY 1, 2, 3")
    else:
        cells = (f"SELECT r.name, r.{unit} AS period, r.bucket, count(*)::int AS n, sum(r.seconds) AS total "
                 f"FROM report_clocks r WHERE r.stopped AND {where} GROUP BY 1, 2, 3")
    # The whole period is the group of the day 'infinity'. Counts are int4 all through: sums of
    # them are int8, where sums of int8 would be numeric, many times slower.
    rows = _rows(f"""
        WITH cells AS ({cells}),
        grouped AS (
            SELECT name, period, bucket, n, total FROM cells
            UNION ALL SELECT name, 'infinity'::date, bucket, sum(n)::int, sum(total) FROM cells GROUP BY name, bucket),
        ranked AS (  -- per group its cells in order, and the clocks before each (ascending from 0)
            SELECT name, period, array_agg(bucket ORDER BY bucket) AS buckets,
                   array_agg(before ORDER BY bucket) AS befores
            FROM (SELECT name, period, bucket,
                         (sum(n) OVER (PARTITION BY name, period ORDER BY bucket) - n)::int8 AS before
                  FROM grouped) c
            GROUP BY name, period),
        groups AS (
            SELECT name, period, sum(n) AS size, sum(total) / sum(n) AS mean, {counts}
            FROM grouped GROUP BY name, period),
        wanted AS (  -- each rank's cell (a binary search of the befores) and its place in the cell
            SELECT DISTINCT c.name, c.period, w.rank, c.buckets[width_bucket(w.rank, c.befores)] AS bucket,
                   (w.rank - c.befores[width_bucket(w.rank, c.befores)])::int AS skip
            FROM groups g JOIN ranked c ON c.name = g.name AND c.period = g.period,
                 unnest(ARRAY[{ranks}]::int8[]) w(rank)),
        found AS (  -- a day's clocks of a cell come in the order of their seconds from the index itself
            SELECT w.name, w.period, w.rank, v.seconds FROM wanted w
            CROSS JOIN LATERAL (
                SELECT r.seconds FROM report_clocks r
                WHERE r.stopped AND r.name = w.name AND r.bucket = w.bucket AND {where} AND {in_period}
                ORDER BY r.seconds OFFSET w.skip LIMIT 1) v
            WHERE w.period <> 'infinity'
            UNION ALL
            SELECT w.name, w.period, w.rank, v.seconds FROM wanted w
            CROSS JOIN LATERAL (
                SELECT r.seconds FROM report_clocks r
                WHERE r.stopped AND r.name = w.name AND r.bucket = w.bucket AND {where}
                ORDER BY r.seconds OFFSET w.skip LIMIT 1) v
            WHERE w.period = 'infinity')
        SELECT g.name, nullif(g.period, 'infinity'), g.size::int, g.mean, {columns},
               array_agg(f.rank ORDER BY f.rank), array_agg(f.seconds ORDER BY f.rank)
        FROM groups g JOIN found f ON f.name = g.name AND f.period = g.period
        GROUP BY {keys}""", params)
    result = []
    for name, period, size, mean, *rest in rows:
        counts, (ranked, values) = rest[:len(TIME_BUCKETS)], rest[len(TIME_BUCKETS):]
        value = dict(zip(ranked, values))
        result.append((name, period, size,
                       [_percentile(value, size, p) for p in PERCENTILES], mean, *counts))
    return result


def _percentile(value: dict, size: int, p: float) -> float:
    """percentile_cont's interpolation between the values at the ranks around (size - 1) × p."""
    h = (size - 1) * p
    low, high = value[math.floor(h)], value[math.ceil(h)]
    return low + (h - math.floor(h)) * (high - low)


def _promise(f: Filters) -> Table:
    """The e-mail promise, "answered within 24 hours on working days", kept per week: e-mail tickets
    answered within 24 h of working time on their clock, against those answered later or overdue."""
    where, params = _where(f)
    params |= {"now": _naive(sla_clocks.now()), "promise": PROMISE_SECONDS}
    rows = _rows(f"""
        SELECT r.week,
               count(*) FILTER (WHERE r.stopped AND r.seconds <= :promise)::int,
               count(*) FILTER (WHERE (r.stopped AND r.seconds > :promise)
                                OR (NOT r.stopped AND (r.breached OR r.due_at <= :now)
                                    AND r.target_seconds <= :promise))::int,
               count(*)::int
        FROM report_clocks r
        WHERE r.name = 'first_response' AND r.channel = 'email' AND {where} GROUP BY 1 ORDER BY 1""", params)
    return Table("promise", _l("E-mail answered within 24 hours on working days, per week"), [
        Column("week", _l("Week from"), "date"), Column("tickets", _l("E-mail tickets"), "int"),
        Column("kept", _l("Answered within 24 h"), "int"), Column("missed", _l("Not within 24 h"), "int"),
        Column("waiting", _l("Not answered yet, within 24 h"), "int"), Column("share", _l("Promise kept"), "percent")],
        [(week, total, kept, missed, total - kept - missed, _share(kept, kept + missed))
         for week, kept, missed, total in rows])


# --- backlog -------------------------------------------------------------------------

def backlog(f: Filters) -> Report:
    """Open tickets now by age and status (the period does not apply), and tickets created
    against tickets solved per day of the period."""
    _ready()
    where, params = _where(f, period=None, alias="t")
    params["now"] = _naive(utcnow())
    ages = ", ".join(_age_count(low, high) for low, high, _ in AGE_BUCKETS)
    rows = {r[0]: r[1:] for r in _rows(f"""SELECT t.status, {ages}, count(*)::int FROM tickets t
                                            WHERE t.status = ANY(:open) AND {where} GROUP BY t.status""",
                                       params | {"open": list(OPEN_STATUSES)})}
    from helpdesk.web.helpers import STATUS_LABELS, label_of
    open_table = Table("open", _l("Open tickets by age and status"), [
        Column("status", _l("Status")), *[Column(f"age{i}", label, "int") for i, (_, _, label) in enumerate(AGE_BUCKETS)],
        Column("total", _l("Total"), "int")])
    for status in OPEN_STATUSES:
        counts = rows.get(status, (0,) * (len(AGE_BUCKETS) + 1))
        open_table.rows.append((label_of(STATUS_LABELS, status), *counts))
    open_table.rows.append((str(_l("All open")), *[sum(r[i] for r in open_table.rows) for i in range(1, len(AGE_BUCKETS) + 2)]))
    where, params = _where(f)
    created = dict(_rows(f"SELECT r.day, count(*)::int FROM report_tickets r WHERE {where} GROUP BY 1", params))
    solved = dict(_rows(f"SELECT r.day, count(*)::int FROM report_solves r WHERE {where} GROUP BY 1", params))
    flow = Table("flow", _l("Created and solved per day"), [
        Column("day", _l("Day"), "date"), Column("created", _l("Created"), "int"), Column("solved", _l("Solved"), "int"),
        Column("difference", _l("Backlog change"), "int")])
    day = f.start
    while day <= f.end:
        flow.rows.append((day, created.get(day, 0), solved.get(day, 0), created.get(day, 0) - solved.get(day, 0)))
        day += timedelta(days=1)
    report = Report("backlog", _l("Backlog"), f, [open_table, flow])
    report.notes.append(_l("Open tickets are counted as they are now; the period applies to the daily figures."))
    report.charts["flow"] = [(r[0], r[1], r[2]) for r in flow.rows]
    return report


def _age_count(low: int, high: int | None) -> str:
    conds = [f"t.created_at <= :now - interval '{low} days'"] if low else []
    if high is not None:
        conds.append(f"t.created_at > :now - interval '{high} days'")
    return f"count(*) FILTER (WHERE {' AND '.join(conds)})::int"


# --- volume --------------------------------------------------------------------------

def volume(f: Filters) -> Report:
    """Contacts by weekday × hour (local) per channel over the period: tickets opened by e-mail and
    the web form, and inbound calls from the call log (every call, out of hours too: the load)."""
    _ready()
    where, params = _where(f)
    rows = _rows(f"""SELECT r.channel, r.weekday, r.hour, count(*)::int
                     FROM report_tickets r WHERE r.channel <> 'phone' AND {where} GROUP BY 1, 2, 3""", params)
    where, params = _calls_where(f)
    rows += _rows(f"""SELECT 'phone', extract(isodow FROM {_local('c.offered_at')})::int,
                             extract(hour FROM {_local('c.offered_at')})::int, count(*)::int
                      FROM {_CALLS} WHERE {where} GROUP BY 2, 3""", params)
    grid: dict[str, list[list[int]]] = {}
    for channel, weekday, hour, count in rows:
        grid.setdefault(channel, [[0] * 24 for _ in range(7)])[weekday - 1][hour] += count
    from helpdesk.web.helpers import CHANNEL_LABELS, label_of
    tables = []
    weekdays = _weekday_names()
    for channel in [c for c in CHANNELS if c in grid] + sorted(set(grid) - set(CHANNELS)):
        table = Table(f"heatmap-{channel}", _l("%(channel)s: contacts by weekday and hour", channel=label_of(
            CHANNEL_LABELS, channel)), [Column("weekday", _l("Weekday")), *[
                Column(f"h{h:02d}", f"{h:02d}", "int") for h in range(24)], Column("total", _l("Total"), "int")])
        for day in range(7):
            table.rows.append((weekdays[day], *grid[channel][day], sum(grid[channel][day])))
        tables.append(table)
    report = Report("volume", _l("Volume"), f, tables)
    report.charts["heatmaps"] = [(t, max(max(row[1:25]) for row in t.rows)) for t in tables]
    report.notes.append(_l("Quietest time to call, from the last 8 weeks of calls: %(hours)s.",
                           hours=quiet_hours.text()))
    if not tables:
        report.no_data = _l("No tickets in this period.")
    return report


def _weekday_names() -> list[str]:
    from babel.dates import get_day_names
    from flask_babel import get_locale
    days = get_day_names("wide", locale=get_locale())
    return [days[i][:1].upper() + days[i][1:] for i in range(7)]


# --- first-contact resolution ------------------------------------------------------

def first_contact_resolution(f: Filters) -> Report:
    """Of the tickets opened in the period and solved, the share with no further contact from the
    customer about the same category within N days (REPORTS_FCR_DAYS, 7) of opening: no second
    message from them on the ticket and no other ticket of theirs in that category in those days
    (the summary keeps the first of the two). Tickets whose N days have not passed yet are left out."""
    _ready()
    days = int(current_app.config.get("REPORTS_FCR_DAYS", 7))
    where, params = _where(f)
    params |= {"days": timedelta(days=days), "now": _naive(utcnow())}
    # A repeat is the customer's next ticket in the category, whatever its channel or team.
    rows = _rows(f"""
        SELECT r.channel, count(*)::int,
               count(*) FILTER (WHERE r.further_contact_at IS NULL OR r.further_contact_at > r.created_at + :days)::int
        FROM report_tickets r
        WHERE r.status IN ('solved', 'closed') AND r.created_at + :days <= :now AND r.customer_id IS NOT NULL
          AND r.category_id IS NOT NULL AND {where}
        GROUP BY r.channel ORDER BY r.channel""", params)
    from helpdesk.web.helpers import CHANNEL_LABELS, label_of
    table = Table("fcr", _l("First-contact resolution"), [
        Column("channel", _l("Channel")), Column("solved", _l("Solved tickets"), "int"),
        Column("first_contact", _l("Solved at the first contact"), "int"),
        Column("share", _l("First-contact resolution"), "percent")])
    for channel, solved, first in rows:
        table.rows.append((label_of(CHANNEL_LABELS, channel), solved, first, _share(first, solved)))
    if rows:
        solved, first = sum(r[1] for r in rows), sum(r[2] for r in rows)
        table.rows.append((str(_l("All channels")), solved, first, _share(first, solved)))
    table.note = _l("No further contact from the same customer about the same category within %(days)s days "
                    "of opening; tickets opened less than %(days)s days ago are not counted yet.", days=days)
    report = Report("fcr", _l("First-contact resolution and FAQ deflection"), f, [table])
    report.tables.append(_deflection(f))
    return report


def _deflection(f: Filters) -> Table:
    """Contact-form visits shown help articles, decided in the period: solved by an article ("yes"),
    left after reading one, or written anyway. The first two are deflected contacts."""
    counts = kb_services.deflection_counts(f.start_utc, f.end_utc)
    decided = counts["deflected"] + counts["submitted"]
    table = Table("deflection", _l("FAQ deflection"), [
        Column("solved", _l("Solved by an article"), "int"), Column("left", _l("Left after reading"), "int"),
        Column("submitted", _l("Wrote anyway"), "int"), Column("deflected", _l("Deflected contacts"), "int"),
        Column("share", _l("Deflection rate"), "percent")],
        [(counts["solved"], counts["left"], counts["submitted"], counts["deflected"],
          _share(counts["deflected"], decided))])
    table.note = _l("Visits to the contact form that were shown help articles, by the day they were decided; "
                    "the team, channel, category and agent filters do not apply (no ticket exists).")
    return table


# --- phone ---------------------------------------------------------------------------

# The call log's outcomes (channels.phone.OUTCOMES) as the phone report counts them. Offered: inbound
# calls in opening hours that reached the queue; short abandons (under the line's threshold) are
# offered but left out of the service level and the abandonment rate.
UNANSWERED = ("abandoned", "busy", "no_answer", "failed")
OFFERED = ("answered", "short_abandon", *UNANSWERED)
SERVICE_LEVEL_FORMULAS = {
    "answered_over_offered": _l("answered within %(y)s s ÷ (answered + abandoned)"),
    "abandons_within_excluded": _l("answered within %(y)s s ÷ (answered + abandoned − abandoned within %(y)s s)"),
    "answered_only": _l("answered within %(y)s s ÷ answered"),
}


def _calls_where(f: Filters) -> tuple[str, dict]:
    """Inbound calls offered in the period (alias c; l the line, t the call's ticket)."""
    conds = ["c.direction = 'in'", "c.offered_at >= :start", "c.offered_at < :end"]
    params = {"start": _naive(f.start_utc), "end": _naive(f.end_utc)}
    if f.channel is not None and f.channel != "phone":
        conds.append("FALSE")
    if f.teams is not None:
        conds.append("l.team_id = ANY(:teams)")
        params["teams"] = list(f.teams)
    for name, column in (("team", "l.team_id"), ("category", "t.category_id"), ("agent", "c.agent_id")):
        if getattr(f, name) is not None:
            conds.append(f"{column} = :{name}")
            params[name] = getattr(f, name)
    return " AND ".join(conds), params


_CALLS = "calls c LEFT JOIN phone_lines l ON l.id = c.line_id LEFT JOIN tickets t ON t.id = c.ticket_id"


def service_level(answered_within: int, answered: int, unanswered: int, unanswered_within: int,
                  formula: str) -> float | None:
    """The share of calls answered within Y seconds, by one of SERVICE_LEVEL_FORMULAS."""
    if formula == "answered_only":
        return _share(answered_within, answered)
    if formula == "abandons_within_excluded":
        return _share(answered_within, answered + unanswered - unanswered_within)
    return _share(answered_within, answered + unanswered)


def phone(f: Filters) -> Report:
    """Offered, answered and abandoned calls per day, the service level X% in Y s with the formula
    chosen in settings, average speed of answer and handle (talk) time; callbacks within their SLA."""
    _ready()
    config = current_app.config
    within = int(config["REPORTS_ANSWER_WITHIN_SECONDS"])
    formula = config["REPORTS_SERVICE_LEVEL_FORMULA"]
    formula = formula if formula in SERVICE_LEVEL_FORMULAS else "answered_over_offered"
    where, params = _calls_where(f)
    params |= {"y": within, "offered": list(OFFERED), "unanswered": list(UNANSWERED)}
    rows = _rows(f"""
        SELECT {_local('c.offered_at')}::date,
               count(*) FILTER (WHERE c.outcome = ANY(:offered))::int,
               count(*) FILTER (WHERE c.outcome = 'answered')::int,
               count(*) FILTER (WHERE c.outcome = ANY(:unanswered))::int,
               count(*) FILTER (WHERE c.outcome = 'short_abandon')::int,
               count(*) FILTER (WHERE c.outcome = 'answered' AND c.wait_seconds <= :y)::int,
               count(*) FILTER (WHERE c.outcome = ANY(:unanswered) AND c.wait_seconds <= :y)::int,
               coalesce(sum(c.wait_seconds) FILTER (WHERE c.outcome = 'answered'), 0)::int8,
               coalesce(sum(c.talk_seconds) FILTER (WHERE c.outcome = 'answered'), 0)::int8,
               count(*) FILTER (WHERE c.outcome = 'out_of_hours')::int
        FROM {_CALLS} WHERE {where} GROUP BY 1 ORDER BY 1""", params)
    columns = [Column("offered", _l("Offered"), "int"), Column("answered", _l("Answered"), "int"),
               Column("abandoned", _l("Abandoned"), "int"), Column("short", _l("Short abandons (left out)"), "int"),
               Column("abandon_rate", _l("Abandonment rate"), "percent"),
               Column("service_level", _l("Service level"), "percent"),
               Column("asa", _l("Average speed of answer (s)"), "number"),
               Column("aht", _l("Average handle time (s)"), "number"),
               Column("out_of_hours", _l("Out of hours"), "int")]

    def figures(r) -> tuple:
        offered, answered, unanswered, short, answered_in, unanswered_in, waited, talked, out_of_hours = r
        return (offered, answered, unanswered, short, _share(unanswered, answered + unanswered),
                service_level(answered_in, answered, unanswered, unanswered_in, formula),
                waited / answered if answered else None, talked / answered if answered else None, out_of_hours)

    totals = [sum(r[i] for r in rows) for i in range(1, 10)]
    summary = Table("summary", _l("Calls in the period"), columns, [figures(totals)] if rows else [])
    daily = Table("daily", _l("Calls per day"), [Column("day", _l("Day"), "date"), *columns],
                  [(r[0], *figures(r[1:])) for r in rows])
    summary.note = _l("Service level: %(formula)s (target %(target)s%%). Handle time is the talk time the "
                      "phone system reports.", formula=SERVICE_LEVEL_FORMULAS[formula] % {"y": within},
                      target=config["REPORTS_SERVICE_LEVEL_PERCENT"])
    report = Report("phone", _l("Phone"), f, [summary, daily, _callbacks(f)],
                    options={"formula": formula, "within": within})
    if not rows:
        report.no_data = _l("No calls in this period.")
    return report


def _callbacks(f: Filters) -> Table:
    """Callbacks asked for in the period (missed and out-of-hours calls), made within their SLA or not."""
    where, params = _where(f, period="p.created_at")
    params["now"] = _naive(sla_clocks.now())
    met, breached, waiting, total = _rows(f"""
        SELECT count(*) FILTER (WHERE s.state = 'met')::int, count(*) FILTER (WHERE s.state = 'breached')::int,
               count(*) FILTER (WHERE s.state IN ('running', 'paused'))::int, count(*)::int
        FROM (SELECT {_STATE} AS state FROM phone_callbacks p
              JOIN report_clocks r ON r.ticket_id = p.ticket_id AND r.name = 'first_response' WHERE {where}) s""",
                                          params)[0]
    return Table("callbacks", _l("Callbacks"), [
        Column("callbacks", _l("Callbacks asked for"), "int"), Column("met", _l("Made within the SLA"), "int"),
        Column("breached", _l("Late"), "int"), Column("waiting", _l("Not made yet, still in time"), "int"),
        Column("share", _l("Made within the SLA (of those due)"), "percent")],
        [(total, met, breached, waiting, _share(met, met + breached))])


# --- staffing ------------------------------------------------------------------------

def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def staffing_plan(f: Filters, week: date, history_weeks: int = 4) -> Report:
    """For each hour of ``week`` (its Monday): the forecast calls (the mean of the same hour over the
    ``history_weeks`` weeks before), the agents Erlang C needs for the service-level target with
    the handle time, and the agents rostered on their shift calendars."""
    _ready()
    config = current_app.config
    target = config.get("REPORTS_SERVICE_LEVEL_PERCENT", 80) / 100
    within = config.get("REPORTS_ANSWER_WITHIN_SECONDS", 20)
    monday = week_start(week)
    handle, handle_source = _handle_seconds(f, monday, history_weeks)
    where, params = _calls_where(_between(f, monday - timedelta(weeks=history_weeks), monday - timedelta(days=1)))
    params["offered"] = list(OFFERED)
    counts = {(d - 1, h): n for d, h, n in _rows(f"""
        SELECT extract(isodow FROM {_local('c.offered_at')})::int, extract(hour FROM {_local('c.offered_at')})::int,
               count(*)::int FROM {_CALLS} WHERE {where} AND c.outcome = ANY(:offered) GROUP BY 1, 2""", params)}
    rostered = _rostered(f, monday)
    table = Table("staffing", _l("Staffing per hour"), [
        Column("day", _l("Day"), "date"), Column("hour", _l("Hour")), Column("forecast", _l("Forecast calls"), "number"),
        Column("needed", _l("Agents needed"), "int"), Column("rostered", _l("Agents on shift"), "int"),
        Column("difference", _l("On shift − needed"), "int"), Column("state", _l("Staffing"))])
    labels = {key: str(label) for key, label in STAFFING_LABELS.items()}
    for day in range(7):
        for hour in range(24):
            forecast = counts.get((day, hour), 0) / history_weeks
            needed = staffing.agents_needed(forecast, HOUR, handle, target, within) if forecast else 0
            on_shift = rostered[day][hour]
            state = ("closed" if not needed and not on_shift else "under" if on_shift < needed
                     else "over" if on_shift > needed else "ok")
            table.rows.append((monday + timedelta(days=day), f"{hour:02d}:00", round(forecast, 2), needed, on_shift,
                               on_shift - needed, labels[state]))
    report = Report("staffing", _l("Staffing"), f, [table],
                    options={"week": monday, "target": target, "within": within, "handle": handle,
                             "handle_source": handle_source, "history_weeks": history_weeks})
    return report


STAFFING_LABELS = {"under": _l("understaffed"), "over": _l("overstaffed"), "ok": _l("as needed"), "closed": ""}


def _between(f: Filters, first: date, last: date) -> Filters:
    """The same filters over other days."""
    return dataclasses.replace(f, start=first, end=last)


def _handle_seconds(f: Filters, monday: date, history_weeks: int) -> tuple[float, str]:
    """The average talk time of the week's answered calls; of the weeks before when the week has none
    yet; the configured REPORTS_HANDLE_SECONDS when no call was answered in either."""
    for first, last in ((monday, monday + timedelta(days=6)),
                        (monday - timedelta(weeks=history_weeks), monday - timedelta(days=1))):
        where, params = _calls_where(_between(f, first, last))
        average = db.session.execute(text(f"SELECT avg(c.talk_seconds) FROM {_CALLS} WHERE {where}"
                                          " AND c.outcome = 'answered'"), params).scalar()
        if average:
            return float(average), "measured"
    return float(current_app.config["REPORTS_HANDLE_SECONDS"]), "configured"


def _rostered(f: Filters, monday: date) -> list[list[int]]:
    """Agents on shift in each local hour of the week, from their shift calendars (open at the half hour)."""
    query = db.select(User.id, User.shift_calendar).where(User.active.is_(True), User.shift_calendar.is_not(None),
                                                          User.role.in_(("agent", "lead")))
    from helpdesk.models.core import agent_teams
    team_ids = [f.team] if f.team is not None else list(f.teams) if f.teams is not None else None
    if team_ids is not None:
        query = query.where(User.id.in_(db.select(agent_teams.c.user_id).where(agent_teams.c.team_id.in_(team_ids))))
    if f.agent is not None:
        query = query.where(User.id == f.agent)
    per_calendar: dict[str, int] = {}
    for _, name in db.session.execute(query):
        per_calendar[name] = per_calendar.get(name, 0) + 1
    grid = [[0] * 24 for _ in range(7)]
    for name, agents in per_calendar.items():
        try:
            calendar = get_calendar(name)
        except ValueError:
            continue
        for day in range(7):
            d = monday + timedelta(days=day)
            for hour in range(24):
                if calendar.is_open(datetime(d.year, d.month, d.day, hour, 30, tzinfo=WARSAW)):
                    grid[day][hour] += agents
    return grid


REPORTS = ("sla", "times", "backlog", "volume", "phone", "fcr", "staffing")
