"""The opening hours customers see on the contact page, for a calendar at a given instant."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from schedules import Calendar, DayKind, Interval

# Polish needs the weekday in the genitive ("od poniedziałku"), so each is its own sentence.
_FROM_WEEKDAY = (
    _l("We welcome you from Monday %(time)s."), _l("We welcome you from Tuesday %(time)s."),
    _l("We welcome you from Wednesday %(time)s."), _l("We welcome you from Thursday %(time)s."),
    _l("We welcome you from Friday %(time)s."), _l("We welcome you from Saturday %(time)s."),
    _l("We welcome you from Sunday %(time)s."),
)


@dataclass(frozen=True)
class OpeningHours:
    """What the contact page says about a calendar at `now` (all times local)."""

    now: datetime
    open_until: datetime | None  # the closing time when open now
    next_open: datetime | None  # the next opening when closed now (None: none within the horizon)
    weekly: tuple[tuple[Interval, ...], ...]  # Monday first
    trading_sunday_hours: tuple[Interval, ...] | None
    holidays_closed: bool
    next_trading_sunday: date | None

    def headline(self) -> str:
        """"Open now until 22:00" or when it opens next, in the current language."""
        if self.open_until is not None:
            if self.open_until.date() == self.now.date():
                return _("The helpline is open now until %(time)s.", time=_clock(self.open_until))
            return _("The helpline is open now until %(day)s %(time)s.", day=self._date(self.open_until.date()),
                     time=_clock(self.open_until))
        if self.next_open is None:
            return _("The helpline is closed.")
        days = (self.next_open.date() - self.now.date()).days
        time = _clock(self.next_open)
        if days == 0:
            return _("We welcome you today from %(time)s.", time=time)
        if days == 1:
            return _("We welcome you tomorrow from %(time)s.", time=time)
        if days < 7:
            return str(_FROM_WEEKDAY[self.next_open.weekday()]) % {"time": time}
        return _("We welcome you from %(day)s, %(time)s.", day=self._date(self.next_open.date()), time=time)

    def weekly_rows(self) -> list[tuple[str, str]]:
        """(days, hours) rows, runs of weekdays with the same hours together: ("Monday–Friday", "08:00–22:00")."""
        names = get_day_names("wide", locale=get_locale())
        rows, first = [], 0
        for day in range(7):
            if day == 6 or self.weekly[day + 1] != self.weekly[first]:
                days = names[first] if first == day else f"{names[first]}–{names[day]}"
                rows.append((days[:1].upper() + days[1:], _hours(self.weekly[first])))
                first = day + 1
        if self.trading_sunday_hours is not None:
            rows.append((_("Trading Sundays"), _hours(self.trading_sunday_hours)))
        if self.holidays_closed:
            rows.append((_("Public holidays"), _("closed")))
        return rows

    def trading_sunday_text(self) -> str | None:
        if self.next_trading_sunday is None:
            return None
        return _("Next trading Sunday: %(day)s, %(hours)s.", day=self._date(self.next_trading_sunday),
                 hours=_hours(self.trading_sunday_hours))

    @staticmethod
    def _date(day: date) -> str:
        return format_date(day, "EEEE, d MMMM", locale=get_locale())


def opening_hours(calendar: Calendar, now: datetime) -> OpeningHours:
    """The calendar's opening hours as seen at the instant `now` (timezone-aware)."""
    zone = ZoneInfo(calendar.timezone)
    local_now = now.astimezone(zone)
    closes = calendar.next_close(now)
    opens = None
    if closes is None:
        try:
            opens = calendar.next_open(now)
        except ValueError:  # never open within the search horizon
            opens = None
    next_sunday = None
    if calendar.trading_sunday_hours is not None:
        today = local_now.date()
        next_sunday = next((d.date for year in (today.year, today.year + 1)
                            for d in calendar.special_days(year)
                            if d.kind == DayKind.TRADING_SUNDAY and d.date >= today), None)
    return OpeningHours(
        now=local_now,
        open_until=closes.astimezone(zone) if closes else None,
        next_open=opens.astimezone(zone) if opens else None,
        weekly=calendar.weekly,
        trading_sunday_hours=calendar.trading_sunday_hours,
        holidays_closed=calendar.holidays_closed,
        next_trading_sunday=next_sunday,
    )


def _clock(t: datetime) -> str:
    return f"{t.hour}:{t.minute:02d}"


def _hours(intervals: tuple[Interval, ...]) -> str:
    return ", ".join(str(i).replace("-", "–") for i in intervals) or _("closed")
