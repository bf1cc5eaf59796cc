"""Calendars: opening hours in local wall-clock time and working-time arithmetic.

A calendar is plain data and round-trips through a JSON-friendly dict::

    {
      "name": "contact-centre",
      "timezone": "Europe/Warsaw",              # optional, IANA name, default Europe/Warsaw
      "hours": {                                # weekly hours; a missing day is closed
        "mon": ["08:00-22:00"], "tue": ["08:00-22:00"], "wed": ["08:00-22:00"],
        "thu": ["08:00-22:00"], "fri": ["08:00-22:00"], "sat": ["08:00-20:00"],
        "sun": []
      },
      "trading_sundays": ["10:00-18:00"],       # optional: hours on trading Sundays
                                                # instead of the weekly Sunday hours;
                                                # omit (or null) for no such rule
      "holidays_closed": true,                  # optional, default true: closed on
                                                # Polish public holidays
      "exceptions": [                           # optional, dated, must not overlap
        {"name": "Stocktaking", "start": "2026-03-02", "end": "2026-03-03", "hours": []},
        {"name": "Team day", "start": "2026-06-05", "hours": ["08:00-12:00"]}
      ]
    }

Hours are "HH:MM-HH:MM" strings in local time, end after start, "24:00" allowed as
an end; a day may have several intervals, which must not overlap. An exception
covers `start`..`end` inclusive (`end` defaults to `start`); empty hours close those
days, other hours replace the day's hours (shortened hours, or an extra open day).
For one day the first rule that applies wins: exception, public holiday (when
`holidays_closed`), trading Sunday (when `trading_sundays` is given), weekly hours.
So a trading Sunday on a public holiday is closed.

Instants given to a calendar must be timezone-aware datetimes; instants it returns
are aware datetimes in UTC. Open time is real elapsed time, so a 00:00-24:00 day
lasts 23 or 25 hours on the days the clocks change. Trading Sundays exist by rule
from 2020, so a calendar with trading-Sunday hours refuses (ValueError) earlier years.
"""

import re
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from schedules import poland

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_HORIZON_YEARS = 5
_UTC = timezone.utc
_fromtimestamp = datetime.fromtimestamp
_EPOCH_DAY = date(1970, 1, 1)
_DAY_MINUTES = 24 * 60
_TIME = re.compile(r"(\d\d):(\d\d)")
_DAY_NAMES = {"pl": "Niedziela handlowa", "en": "Trading Sunday"}


class CalendarError(ValueError):
    """A calendar that cannot be built or used; the message names the problem."""


class DayKind(StrEnum):
    """Why a special day differs from the weekly hours."""

    HOLIDAY = "public holiday"
    TRADING_SUNDAY = "trading Sunday"
    CLOSURE = "closure"
    CHANGED_HOURS = "changed hours"
    EXTRA_OPEN_DAY = "extra open day"


@dataclass(frozen=True, order=True)
class Interval:
    """Opening hours within one local day, in minutes after midnight (end up to 24:00)."""

    start: int
    end: int

    def __post_init__(self):
        if not (0 <= self.start <= _DAY_MINUTES and 0 <= self.end <= _DAY_MINUTES):
            raise CalendarError(f"hours {self} are outside 00:00-24:00")
        if self.end <= self.start:
            raise CalendarError(f"hours {self} end before they start")

    @classmethod
    def parse(cls, text: str) -> "Interval":
        """Parse "HH:MM-HH:MM"."""
        if not isinstance(text, str) or text.count("-") != 1:
            raise CalendarError(f"hours {text!r} are not in the form HH:MM-HH:MM")
        start, end = text.split("-")
        return cls(_minutes(start.strip(), text), _minutes(end.strip(), text))

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


@dataclass(frozen=True)
class CalendarException:
    """A dated change to a calendar: closed (no hours) or open with these hours."""

    name: str
    start: date
    end: date
    hours: tuple[Interval, ...] = ()

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise CalendarError("an exception needs a name")
        if self.end < self.start:
            raise CalendarError(
                f"exception {self.name!r} ends ({self.end}) before it starts ({self.start})"
            )
        _check_day_hours(self.hours, f"exception {self.name!r}")


@dataclass(frozen=True)
class SpecialDay:
    """One day of a year that differs from the weekly hours; no hours means closed."""

    date: date
    kind: DayKind
    name: str
    hours: tuple[Interval, ...]


@dataclass(frozen=True)
class Calendar:
    """Opening hours of a calendar; see the module docstring for the dict shape.

    `weekly` holds seven tuples of hours, Monday first.
    """

    name: str
    weekly: tuple[tuple[Interval, ...], ...]
    timezone: str = "Europe/Warsaw"
    trading_sunday_hours: tuple[Interval, ...] | None = None
    holidays_closed: bool = True
    exceptions: tuple[CalendarException, ...] = ()
    _compiled: "_Compiled" = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise CalendarError("a calendar name must be text")
        if len(self.weekly) != 7:
            raise CalendarError(f"weekly hours need 7 days, got {len(self.weekly)}")
        for day, hours in zip(WEEKDAYS, self.weekly):
            _check_day_hours(hours, day)
        if self.trading_sunday_hours is not None:
            _check_day_hours(self.trading_sunday_hours, "trading Sundays")
        ordered = sorted(self.exceptions, key=lambda e: e.start)
        for before, after in zip(ordered, ordered[1:]):
            if after.start <= before.end:
                raise CalendarError(f"exceptions {before.name!r} and {after.name!r} overlap")
        object.__setattr__(self, "_compiled", _Compiled(self, _zone(self.timezone)))

    def __reduce__(self):
        # Pickle (e.g. into a job) as plain data; the compiled cache holds a lock.
        return Calendar.from_dict, (self.to_dict(),)

    # --- plain data -------------------------------------------------------------

    @classmethod
    def from_dict(cls, d: dict) -> "Calendar":
        """Build a calendar from the dict shape in the module docstring."""
        if not isinstance(d, dict):
            raise CalendarError("a calendar must be a dict")
        allowed = {"name", "timezone", "hours", "trading_sundays", "holidays_closed", "exceptions"}
        unknown = set(d) - allowed
        if unknown:
            raise CalendarError(f"unknown calendar keys: {', '.join(sorted(unknown))}")
        if "name" not in d:
            raise CalendarError("a calendar needs a name")
        hours = d.get("hours", {})
        if not isinstance(hours, dict):
            raise CalendarError("calendar hours must map weekdays (mon..sun) to lists of hours")
        bad_days = set(hours) - set(WEEKDAYS)
        if bad_days:
            raise CalendarError(f"unknown weekdays in hours: {', '.join(sorted(bad_days))}")
        holidays_closed = d.get("holidays_closed", True)
        if not isinstance(holidays_closed, bool):
            raise CalendarError("holidays_closed must be true or false")
        trading = d.get("trading_sundays")
        exceptions = d.get("exceptions", [])
        if not isinstance(exceptions, list):
            raise CalendarError("exceptions must be a list")
        return cls(
            name=d["name"],
            weekly=tuple(_parse_hours(hours.get(day, []), day) for day in WEEKDAYS),
            timezone=d.get("timezone", "Europe/Warsaw"),
            trading_sunday_hours=(None if trading is None
                                  else _parse_hours(trading, "trading Sundays")),
            holidays_closed=holidays_closed,
            exceptions=tuple(_parse_exception(e) for e in exceptions),
        )

    def to_dict(self) -> dict:
        """The calendar as the dict shape in the module docstring (JSON-ready)."""
        d = {
            "name": self.name,
            "timezone": self.timezone,
            "hours": {day: [str(i) for i in hours] for day, hours in zip(WEEKDAYS, self.weekly)},
            "holidays_closed": self.holidays_closed,
            "exceptions": [
                {"name": e.name, "start": e.start.isoformat(), "end": e.end.isoformat(),
                 "hours": [str(i) for i in e.hours]}
                for e in self.exceptions
            ],
        }
        if self.trading_sunday_hours is not None:
            d["trading_sundays"] = [str(i) for i in self.trading_sunday_hours]
        return d

    # --- days -------------------------------------------------------------------

    def hours_on(self, day: date) -> tuple[Interval, ...]:
        """The opening hours of one local date (empty when closed)."""
        return self._day(day)[0]

    def special_days(self, year: int, language: str = "pl") -> list[SpecialDay]:
        """The year's days that differ from the weekly hours, sorted by date.

        Public holidays (when the calendar closes on them), trading Sundays with
        their hours (when it has them) and each day of its exceptions, named in
        Polish ("pl") or English ("en").
        """
        days = set()
        if self.holidays_closed:
            days.update(poland.public_holidays(year))
        if self.trading_sunday_hours is not None:
            days.update(poland.trading_sundays(year))
        for e in self.exceptions:
            first, last = max(e.start, date(year, 1, 1)), min(e.end, date(year, 12, 31))
            days.update(first + timedelta(days=k) for k in range((last - first).days + 1))
        result = []
        for day in sorted(days):
            hours, kind, name = self._day(day, language)
            if kind is not None:
                result.append(SpecialDay(day, kind, name, hours))
        return result

    def _day(self, day: date, language: str = "pl"):
        """(hours, kind, name) of a local date; kind is None for ordinary weekly hours."""
        for e in self.exceptions:
            if e.start <= day <= e.end:
                if not e.hours:
                    return e.hours, DayKind.CLOSURE, e.name
                if not self._rule_hours(day, language)[0]:
                    return e.hours, DayKind.EXTRA_OPEN_DAY, e.name
                return e.hours, DayKind.CHANGED_HOURS, e.name
        return self._rule_hours(day, language)

    def _rule_hours(self, day: date, language: str):
        if self.holidays_closed:
            name = poland.holiday_names(day.year, language).get(day)
            if name is not None:
                return (), DayKind.HOLIDAY, name
        if (self.trading_sunday_hours is not None and day.weekday() == 6
                and day in poland.trading_sundays(day.year)):
            return self.trading_sunday_hours, DayKind.TRADING_SUNDAY, _DAY_NAMES[language]
        return self.weekly[day.weekday()], None, ""

    # --- instants ---------------------------------------------------------------

    def compile(self, first_year: int, last_year: int) -> None:
        """Compile these years ahead of use (queries compile what they need anyway)."""
        self._compiled.ensure_years(first_year, last_year)

    def is_open(self, t: datetime) -> bool:
        """Whether the calendar is open at instant t."""
        x = _instant(t)
        tb = self._compiled.covering(x)
        i = bisect_right(tb.starts, x) - 1
        return i >= 0 and x < tb.ends[i]

    def next_open(self, t: datetime) -> datetime:
        """t when open, else the next opening; CalendarError if none within the horizon."""
        x = _instant(t)
        compiled = self._compiled
        tb = compiled.covering(x)
        while True:
            i = bisect_right(tb.starts, x)
            if i and x < tb.ends[i - 1]:
                return _utc(x)
            if i < len(tb.starts):
                return _utc(tb.starts[i])
            tb = compiled.extend_after(tb, x)

    def next_close(self, t: datetime) -> datetime | None:
        """The end of the open stretch containing t, or None when closed at t.

        A stretch runs across days while hours touch (e.g. 00:00-24:00 on
        consecutive days); CalendarError if it does not end within the horizon.
        """
        x = _instant(t)
        compiled = self._compiled
        tb = compiled.covering(x)
        i = bisect_right(tb.starts, x) - 1
        if i < 0 or x >= tb.ends[i]:
            return None
        while tb.ends[i] >= tb.hi:
            tb = compiled.extend_after(tb, x)
            i = bisect_right(tb.starts, x) - 1
        return _utc(tb.ends[i])

    def add(self, t: datetime, duration: timedelta) -> datetime:
        """The earliest instant by which `duration` of open time has passed since t.

        Counting starts at the next opening when t is closed; a deadline may fall
        exactly on a closing time. A zero duration returns t (in UTC). A negative
        duration, or no deadline within the horizon, raises CalendarError.
        """
        try:
            x = t.timestamp() if t.tzinfo is not None else _instant(t)
            need = duration.total_seconds()
        except AttributeError:
            _instant(t)  # raises the error for a non-datetime t
            raise CalendarError(
                f"duration must be a timedelta, got {type(duration).__name__}"
            ) from None
        if need <= 0:
            if need < 0:
                raise CalendarError(f"duration must not be negative, got {duration}")
            return _utc(x)
        return _fromtimestamp(self.add_seconds(x, need), _UTC)

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        """Open time between instants a and b; negative when b is before a."""
        return timedelta(seconds=self.elapsed_seconds(_instant(a), _instant(b)))

    def add_seconds(self, x: float, need: float) -> float:
        """`add` on epoch seconds, for bulk work that keeps instants as numbers: the epoch
        instant by which `need` (> 0) seconds of open time have passed since x."""
        compiled = self._compiled
        tb = compiled.table
        while True:
            starts, ends, cum_end, shift, lo, hi, _, _ = tb
            if lo <= x < hi:
                i = bisect_right(ends, x)
                if i < len(ends):
                    start = starts[i]
                    target = (x if x > start else start) - shift[i] + need
                    j = bisect_left(cum_end, target, i)
                    if j < len(ends):
                        return target + shift[j]
                tb = compiled.extend_after(tb, x)
            else:
                tb = compiled.covering(x)

    def elapsed_seconds(self, xa: float, xb: float) -> float:
        """`elapsed` on epoch seconds: open seconds from xa to xb, negative when xb is before xa."""
        compiled = self._compiled
        tb = compiled.covering(xa)
        if not tb.lo <= xb < tb.hi:
            tb = compiled.covering(xb)
        return _position(tb, xb) - _position(tb, xa)


class _Table(NamedTuple):
    """Merged open stretches in epoch seconds for whole local years first..last.

    cum_end[i] is the open time from `lo` to ends[i]; within stretch i an instant is
    its open time from `lo` plus shift[i]. Instants in [lo, hi) are covered.
    """

    starts: list
    ends: list
    cum_end: list
    shift: list
    lo: float
    hi: float
    first: int
    last: int


_EMPTY = _Table([], [], [], [], 0, 0, 0, -1)


class _Compiled:
    """A calendar's open stretches, compiled by year on demand.

    Readers take `table` as one immutable snapshot; a lock serialises growth.
    """

    __slots__ = ("_calendar", "_zone", "_years", "_lock", "table")

    def __init__(self, calendar: Calendar, zone: ZoneInfo):
        self._calendar = calendar
        self._zone = zone
        self._years: dict[int, list[tuple[int, int]]] = {}
        self._lock = threading.Lock()
        self.table = _EMPTY

    def covering(self, x: float) -> _Table:
        tb = self.table
        if tb.lo <= x < tb.hi:
            return tb
        year = _local_year(x, self._zone)
        return self.ensure_years(year, year)

    def extend_after(self, tb: _Table, x: float) -> _Table:
        """One more year after `tb`, or CalendarError past the horizon from x."""
        if tb.last + 1 > _local_year(x, self._zone) + SEARCH_HORIZON_YEARS:
            raise CalendarError(
                f"calendar {self._calendar.name!r} finds no answer within {SEARCH_HORIZON_YEARS} "
                f"years after {_utc(x).isoformat()}: it is never open, or never closes"
            )
        return self.ensure_years(tb.last + 1, tb.last + 1)

    def ensure_years(self, first: int, last: int) -> _Table:
        with self._lock:
            tb = self.table
            if tb.first <= first and last <= tb.last:
                return tb
            if tb.last >= tb.first:
                first, last = min(first, tb.first), max(last, tb.last)
            stretches = []
            for year in range(first, last + 1):
                if year not in self._years:
                    self._years[year] = self._year_stretches(year)
                for start, end in self._years[year]:
                    if stretches and start <= stretches[-1][1]:
                        stretches[-1][1] = max(end, stretches[-1][1])
                    else:
                        stretches.append([start, end])
            starts, ends, cum_end, shift, total = [], [], [], [], 0.0
            for start, end in stretches:
                total += end - start
                starts.append(start)
                ends.append(end)
                cum_end.append(total)
                shift.append(end - total)
            lo = _local_midnight(date(first, 1, 1), self._zone)
            hi = _local_midnight(date(last + 1, 1, 1), self._zone)
            self.table = _Table(starts, ends, cum_end, shift, lo, hi, first, last)
            return self.table

    def _year_stretches(self, year: int) -> list[tuple[float, float]]:
        """Open stretches of the local days of `year`, in epoch seconds."""
        segments = _offset_segments(self._zone, year)
        calendar = self._calendar
        out = []
        day = date(year, 1, 1)
        while day.year == year:
            wall_day = (day - _EPOCH_DAY).days * 86400
            for interval in calendar._day(day)[0]:
                wall_start = wall_day + interval.start * 60
                wall_end = wall_day + interval.end * 60
                for seg_start, seg_end, offset in segments:
                    lo = max(wall_start - offset, seg_start)
                    hi = min(wall_end - offset, seg_end)
                    if lo < hi:
                        out.append((float(lo), float(hi)))
            day += timedelta(days=1)
        out.sort()
        return out


def _position(tb: _Table, x: float) -> float:
    """Open time from tb.lo to x."""
    i = bisect_right(tb.starts, x) - 1
    if i < 0:
        return 0
    end = tb.ends[i]
    return (x if x < end else end) - tb.shift[i]


def _offset_segments(zone: ZoneInfo, year: int) -> list[tuple[int, int, int]]:
    """(start, end, UTC offset) in epoch seconds, covering `year` with two days to spare."""
    begin = int(datetime(year, 1, 1, tzinfo=timezone.utc).timestamp()) - 2 * 86400
    finish = int(datetime(year + 1, 1, 1, tzinfo=timezone.utc).timestamp()) + 2 * 86400
    changes = [begin]
    u = begin
    while u < finish:
        step = min(u + 86400, finish)
        if _offset(zone, step) != _offset(zone, u):
            low, high = u, step  # offset(low) differs from offset(high); find the change
            while high - low > 1:
                mid = (low + high) // 2
                if _offset(zone, mid) == _offset(zone, low):
                    low = mid
                else:
                    high = mid
            changes.append(high)
        u = step
    bounds = changes + [finish]
    return [(-(2**62) if k == 0 else bounds[k], 2**62 if k == len(changes) - 1 else bounds[k + 1],
             _offset(zone, bounds[k])) for k in range(len(changes))]


def _offset(zone: ZoneInfo, seconds: int) -> int:
    return int(datetime.fromtimestamp(seconds, zone).utcoffset().total_seconds())


def _local_year(x: float, zone: ZoneInfo) -> int:
    return _fromtimestamp(x, zone).year


def _local_midnight(day: date, zone: ZoneInfo) -> float:
    """First instant of a local date."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


def _instant(t) -> float:
    """Epoch seconds of an aware datetime.

    Instants are doubles of epoch seconds: within 0.12 microseconds of the truth this
    century, so the few additions on the way still round back to the exact microsecond.
    """
    if not isinstance(t, datetime):
        raise CalendarError(f"expected a timezone-aware datetime, got {type(t).__name__}")
    if t.tzinfo is None or t.utcoffset() is None:
        raise CalendarError(
            f"naive datetime {t.isoformat()} has no time zone; pass an aware datetime"
        )
    return t.timestamp()


def _utc(x: float) -> datetime:
    return _fromtimestamp(x, _UTC)


def _zone(name) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, TypeError, OSError, KeyError):
        raise CalendarError(f"unknown time zone {name!r}") from None


def _minutes(text: str, whole: str) -> int:
    match = _TIME.fullmatch(text)
    if not match:
        raise CalendarError(f"hours {whole!r} are not in the form HH:MM-HH:MM")
    hour, minute = int(match[1]), int(match[2])
    if minute > 59 or hour * 60 + minute > _DAY_MINUTES:
        raise CalendarError(f"hours {whole!r} are outside 00:00-24:00")
    return hour * 60 + minute


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _check_day_hours(hours, where: str) -> None:
    if not isinstance(hours, tuple) or not all(isinstance(i, Interval) for i in hours):
        raise CalendarError(f"hours of {where} must be a tuple of Interval")
    ordered = sorted(hours)
    for before, after in zip(ordered, ordered[1:]):
        if after.start < before.end:
            raise CalendarError(f"hours {before} and {after} of {where} overlap")


def _parse_hours(value, where: str) -> tuple[Interval, ...]:
    if not isinstance(value, list):
        raise CalendarError(f"hours of {where} must be a list like ['08:00-16:00']")
    try:
        return tuple(sorted(Interval.parse(text) for text in value))
    except CalendarError as e:
        raise CalendarError(f"{e} ({where})") from None


def _parse_exception(d) -> CalendarException:
    if not isinstance(d, dict) or "name" not in d or "start" not in d:
        raise CalendarError("an exception needs at least a name and a start date")
    unknown = set(d) - {"name", "start", "end", "hours"}
    if unknown:
        raise CalendarError(f"unknown exception keys: {', '.join(sorted(unknown))}")
    where = f"exception {d['name']!r}"
    start = _parse_date(d["start"], where)
    return CalendarException(
        name=d["name"],
        start=start,
        end=_parse_date(d["end"], where) if d.get("end") is not None else start,
        hours=_parse_hours(d.get("hours", []), where),
    )


def _parse_date(text, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise CalendarError(f"{where}: {text!r} is not a date like 2026-03-02") from None
