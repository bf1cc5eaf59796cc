"""Working time: calendars, Polish holidays and trading Sundays, working-time arithmetic.

`builtin(name)` gives a shipped calendar; `Calendar.from_dict` builds any other one
(the dict shape is documented in `schedules.calendar`).
"""

from functools import lru_cache

from schedules.calendar import (
    Calendar,
    CalendarError,
    CalendarException,
    DayKind,
    Interval,
    SpecialDay,
)

_WEEKDAYS_8_22 = {day: ["08:00-22:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
BUILTIN = {
    "contact-centre": {
        "name": "contact-centre",
        "timezone": "Europe/Warsaw",
        "hours": {**_WEEKDAYS_8_22, "sat": ["08:00-20:00"], "sun": []},
        "trading_sundays": ["10:00-18:00"],
        "holidays_closed": True,
    },
    "working-days": {
        "name": "working-days",
        "timezone": "Europe/Warsaw",
        "hours": {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
        "holidays_closed": True,
    },
}


@lru_cache(maxsize=None)
def builtin(name: str) -> Calendar:
    """A shipped calendar, "contact-centre" or "working-days" (shared, so compiled once)."""
    if name not in BUILTIN:
        raise CalendarError(f"unknown calendar {name!r}; shipped calendars: {', '.join(BUILTIN)}")
    return Calendar.from_dict(BUILTIN[name])


__all__ = [
    "BUILTIN", "Calendar", "CalendarError", "CalendarException", "DayKind", "Interval",
    "SpecialDay", "builtin",
]
