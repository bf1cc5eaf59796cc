"""The quietest time to call, for the contact page: from the last 8 weeks of real calls, on
working days within the contact centre's weekday hours; the shipped 12:00–16:00 when there are
too few calls to tell (QUIET_HOURS_MIN_CALLS)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import text as sql

from helpdesk.calendars.services import get_calendar
from helpdesk.core.extensions import db
from helpdesk.models.types import utcnow

WINDOW_HOURS = 4
WEEKS = 8
SHIPPED = (12, 16)
_cache: dict[str, tuple[int, int] | None] = {}


def quiet_hours(now: datetime | None = None, *, cache: bool = True) -> tuple[int, int] | None:
    """(start hour, end hour) of the quietest 4-hour window, local time; None with too few calls.

    Computed at most once an hour per process: the busiest public page shows it."""
    now = now or utcnow()
    key = now.strftime("%Y%m%d%H")
    if cache and key in _cache:
        return _cache[key]
    found = _computed(now) if db.engine.dialect.name == "postgresql" else None
    if cache:
        _cache.clear()
        _cache[key] = found
    return found


def text(now: datetime | None = None) -> str:
    """"12:00–16:00": the computed quiet hours, else the shipped ones."""
    start, end = quiet_hours(now) or SHIPPED
    return f"{start:02d}:00–{end:02d}:00"


def quietest_window(per_hour: list[int], open_hours: list[int], length: int = WINDOW_HOURS) -> tuple[int, int] | None:
    """The run of ``length`` consecutive open hours with the fewest calls (the earliest of equals)."""
    windows = [(sum(per_hour[h:h + length]), h) for h in open_hours
               if all(h + k in open_hours for k in range(length))]
    if not windows:
        return None
    _, start = min(windows)
    return start, start + length


def _computed(now: datetime) -> tuple[int, int] | None:
    naive = now.astimezone(timezone.utc).replace(tzinfo=None)
    # The phone area's call log (its columns are documented for readers in helpdesk.models.phone);
    # read as a table, since the contact page sits below the phone area.
    local = "(c.offered_at AT TIME ZONE 'UTC' AT TIME ZONE 'Europe/Warsaw')"
    rows = db.session.execute(sql(
        f"SELECT {local}::date, extract(hour FROM {local})::int, count(*)::int FROM calls c"
        " WHERE c.direction = 'in' AND c.offered_at >= :since AND c.offered_at < :now GROUP BY 1, 2"),
        {"since": naive - timedelta(weeks=WEEKS), "now": naive}).all()
    calendar = get_calendar("contact-centre")
    working: dict[date, bool] = {}
    per_hour = [0] * 24
    for day, hour, count in rows:
        if day not in working:
            working[day] = day.weekday() < 5 and bool(calendar.hours_on(day))
        if working[day]:
            per_hour[hour] += count
    if sum(per_hour) < current_app.config["QUIET_HOURS_MIN_CALLS"]:
        return None
    monday = calendar.weekly[0]
    open_hours = [h for h in range(24) if any(i.start <= h * 60 and (h + 1) * 60 <= i.end for i in monday)]
    return quietest_window(per_hour, open_hours)
