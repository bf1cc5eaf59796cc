"""Calendars in the database: loading (cached per version), the shipped ones, and admin changes.

Other areas ask `get_calendar(name)` for a compiled `schedules.Calendar`. Every change goes
through a service function here: validated, recorded in the audit trail, committed, and then
announced with `signals.calendar_changed` (sender: the calendar name).
"""
from __future__ import annotations

import copy
import re
from datetime import date
from functools import wraps

from flask_babel import gettext as _

import schedules
from helpdesk.core import signals
from helpdesk.core.extensions import db, per_transaction
from helpdesk.models import User
from helpdesk.models.calendars import StoredCalendar
from helpdesk.audit.services import record
from schedules import Calendar, CalendarError, Interval
from schedules.calendar import WEEKDAYS

CALENDAR_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
# The shipped calendars: customers may see the contact centre's and the working days.
PUBLIC_SHIPPED = ("contact-centre", "working-days")

# name -> ((version, updated_at), compiled calendar); updated_at tells apart a re-created row.
_cache: dict[str, tuple[tuple, Calendar]] = {}


class CalendarChangeError(CalendarError):
    """A change an administrator asked for that cannot be made; the message is translated.

    `field` names the form field at fault (a weekday such as "mon", "hours", "end", ...), or None.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _change(service_function):
    """A change is all or nothing: a refusal rolls back (and releases the row lock)."""

    @wraps(service_function)
    def run(*args, **kwargs):
        try:
            return service_function(*args, **kwargs)
        except Exception:
            db.session.rollback()
            raise

    return run


def get_calendar(name: str) -> Calendar:
    """The calendar called `name`, compiled once per stored version in this process.

    A shipped calendar missing from the database falls back to `schedules.builtin`;
    any other unknown name raises CalendarError.
    """
    stamps = per_transaction("calendar_stamps")
    if name not in stamps:
        stamps[name] = db.session.execute(db.select(StoredCalendar.version, StoredCalendar.updated_at)
                                          .filter_by(name=name)).first()
    stamp = stamps[name]
    if stamp is None:
        return schedules.builtin(name)
    cached = _cache.get(name)
    if cached is not None and cached[0] == tuple(stamp):
        return cached[1]
    row = db.session.execute(db.select(StoredCalendar.version, StoredCalendar.updated_at, StoredCalendar.data)
                             .filter_by(name=name)).one()
    calendar = Calendar.from_dict(row.data)
    _cache[name] = ((row.version, row.updated_at), calendar)
    return calendar


def find(name: str) -> StoredCalendar | None:
    return db.session.scalar(db.select(StoredCalendar).filter_by(name=name))


def list_calendars() -> list[StoredCalendar]:
    return list(db.session.scalars(db.select(StoredCalendar).order_by(StoredCalendar.public.desc(),
                                                                      StoredCalendar.name)))


def is_public(name: str) -> bool:
    """Whether customers may see this calendar (unknown names are not public)."""
    row = find(name)
    return row.public if row is not None else name in PUBLIC_SHIPPED


def ensure_shipped_calendars() -> bool:
    """Store the shipped calendars that are missing (inside the caller's transaction)."""
    existing = set(db.session.scalars(db.select(StoredCalendar.name)))
    missing = [name for name in schedules.BUILTIN if name not in existing]
    for name in missing:
        db.session.add(StoredCalendar(name=name, public=name in PUBLIC_SHIPPED,
                                      data=copy.deepcopy(schedules.BUILTIN[name])))
    return bool(missing)


@_change
def create_calendar(name: str, hours: dict[str, list[str]], *, actor: User | None,
                    public: bool = False) -> StoredCalendar:
    """A new calendar, e.g. an agents' shift pattern "zmiana-ranna" with weekday hours."""
    name = (name or "").strip()
    if not CALENDAR_NAME.fullmatch(name):
        raise CalendarChangeError(_("A calendar name has 2 to 63 lower-case letters, digits and hyphens, "
                                    "e.g. zmiana-ranna."), "name")
    if find(name) is not None or name in schedules.BUILTIN:
        raise CalendarChangeError(_("A calendar named %(name)s already exists.", name=name), "name")
    data = {"name": name, "timezone": "Europe/Warsaw", "holidays_closed": True,
            "hours": {day: _hours(hours.get(day, []), day) for day in WEEKDAYS}}
    _validated(data)
    row = StoredCalendar(name=name, public=public, data=data)
    db.session.add(row)
    record(actor, "calendar", name, "create", hours=data["hours"])
    _commit_and_announce(name)
    return row


@_change
def set_weekly_hours(name: str, hours: dict[str, list[str]], *, trading_sundays: list[str] | None,
                     holidays_closed: bool, actor: User | None) -> StoredCalendar:
    """Replace the weekly hours (and the trading-Sunday and public-holiday rules)."""
    row = _for_update(name)
    data = dict(row.data, hours={day: _hours(hours.get(day, []), day) for day in WEEKDAYS},
                holidays_closed=holidays_closed)
    data.pop("trading_sundays", None)
    if trading_sundays is not None:
        data["trading_sundays"] = _hours(trading_sundays, "trading_sundays")
    _validated(data)
    record(actor, "calendar", name, "set-hours", before={k: row.data.get(k) for k in _RULES},
           after={k: data.get(k) for k in _RULES})
    row.data = data
    _commit_and_announce(name)
    return row


_RULES = ("hours", "trading_sundays", "holidays_closed")


@_change
def add_exception(name: str, *, title: str, start: date, end: date | None = None, hours: list[str] = (),
                  actor: User | None) -> StoredCalendar:
    """Add a dated exception: closed on `start`..`end` (no hours) or open with these hours."""
    row = _for_update(name)
    data, exception = _with_exception(row.data, title, start, end, hours)
    record(actor, "calendar", name, "add-exception", exception=exception)
    row.data = data
    _commit_and_announce(name)
    return row


def preview_exception(name: str, *, title: str, start: date, end: date | None = None,
                      hours: list[str] = ()) -> Calendar:
    """The calendar as it would be with the exception; nothing is saved."""
    row = find(name)
    if row is None:
        raise CalendarChangeError(_("There is no calendar %(name)s.", name=name))
    return _validated(_with_exception(row.data, title, start, end, hours)[0])


def _with_exception(current: dict, title: str, start: date, end: date | None, hours: list[str]) -> tuple[dict, dict]:
    """The calendar data with the exception added, and the exception; refuses what does not fit."""
    title = (title or "").strip()
    if not title:
        raise CalendarChangeError(_("Give the exception a name, e.g. Stocktaking."), "title")
    end = end or start
    if end < start:
        raise CalendarChangeError(_("The last day (%(end)s) is before the first day (%(start)s).",
                                    end=end.isoformat(), start=start.isoformat()), "end")
    exception = {"name": title, "start": start.isoformat(), "end": end.isoformat(),
                 "hours": _hours(hours, "hours")}
    for other in current.get("exceptions", []):
        if date.fromisoformat(other["start"]) <= end and start <= date.fromisoformat(other.get("end") or other["start"]):
            raise CalendarChangeError(_("These days overlap the exception %(name)s (%(start)s – %(end)s).",
                                        name=other["name"], start=other["start"],
                                        end=other.get("end") or other["start"]), "start")
    exceptions = sorted([*current.get("exceptions", []), exception], key=lambda e: e["start"])
    data = dict(current, exceptions=exceptions)
    _validated(data)
    return data, exception


@_change
def remove_exception(name: str, start: date, *, actor: User | None) -> StoredCalendar:
    """Remove the exception that begins on `start` (exceptions never overlap, so it is unique)."""
    row = _for_update(name)
    exceptions = row.data.get("exceptions", [])
    kept = [e for e in exceptions if e["start"] != start.isoformat()]
    if len(kept) == len(exceptions):
        raise CalendarChangeError(_("This calendar has no exception starting on %(day)s.", day=start.isoformat()))
    removed = next(e for e in exceptions if e["start"] == start.isoformat())
    data = dict(row.data, exceptions=kept)
    _validated(data)
    record(actor, "calendar", name, "remove-exception", exception=removed)
    row.data = data
    _commit_and_announce(name)
    return row


def _for_update(name: str) -> StoredCalendar:
    """The row, locked until commit so two admins' edits cannot overwrite each other."""
    row = db.session.scalar(db.select(StoredCalendar).filter_by(name=name).with_for_update())
    if row is None:
        raise CalendarChangeError(_("There is no calendar named %(name)s.", name=name))
    return row


def _hours(values: list[str], field: str) -> list[str]:
    """Hours such as ["08:00-12:00", "13:00-16:00"], checked with messages an admin can act on."""
    intervals = []
    for text in values:
        text = text.strip()
        try:
            intervals.append(Interval.parse(text))
        except CalendarError:
            if not re.fullmatch(r"\d\d:\d\d-\d\d:\d\d", text):
                raise CalendarChangeError(_("Write hours as HH:MM-HH:MM, e.g. 08:00-16:00 (got “%(hours)s”).",
                                            hours=text), field) from None
            raise CalendarChangeError(_("Hours %(hours)s must end after they start, within 00:00-24:00.",
                                        hours=text), field) from None
    intervals.sort()
    for before, after in zip(intervals, intervals[1:]):
        if after.start < before.end:
            raise CalendarChangeError(_("Hours %(first)s and %(second)s overlap.", first=str(before),
                                        second=str(after)), field)
    return [str(i) for i in intervals]


def _validated(data: dict) -> Calendar:
    """The calendar `data` describes; whatever schedules refuses is shown as it says it."""
    try:
        return Calendar.from_dict(data)
    except CalendarError as error:
        raise CalendarChangeError(str(error)) from None


def _commit_and_announce(name: str) -> None:
    db.session.commit()
    signals.calendar_changed.send(name)
