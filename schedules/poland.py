"""Polish public holidays and trading Sundays (niedziele handlowe)."""

from datetime import date, timedelta
from functools import lru_cache

import holidays
from dateutil.easter import easter

FIRST_TRADING_SUNDAY_YEAR = 2020
_HOLIDAY_LANGUAGES = {"pl": "pl", "en": "en_US"}


def trading_sundays(year: int) -> list[date]:
    """The year's trading Sundays under the statute in force from 2020, sorted.

    The last Sunday of January, April, June and August; the Sunday before Easter;
    up to 2024 the two Sundays before 25 December, from 2025 the three Sundays
    before 24 December. A trading Sunday may fall on a public holiday; calendars
    then keep the holiday closed.
    """
    if year < FIRST_TRADING_SUNDAY_YEAR:
        raise ValueError(
            f"trading Sundays are defined by rule only from {FIRST_TRADING_SUNDAY_YEAR} on, "
            f"not for {year}"
        )
    days = {_last_sunday(year, month) for month in (1, 4, 6, 8)}
    days.add(easter(year) - timedelta(days=7))
    if year <= 2024:
        christmas_sunday, count = _sunday_before(date(year, 12, 25)), 2
    else:
        christmas_sunday, count = _sunday_before(date(year, 12, 24)), 3
    days.update(christmas_sunday - timedelta(weeks=k) for k in range(count))
    return sorted(days)


def public_holidays(year: int, language: str = "pl") -> dict[date, str]:
    """The year's Polish public holidays (date -> name), in Polish ("pl") or English ("en")."""
    return dict(holiday_names(year, language))


@lru_cache(maxsize=256)
def holiday_names(year: int, language: str = "pl") -> dict[date, str]:
    """Like public_holidays, cached and shared: do not modify the result."""
    if language not in _HOLIDAY_LANGUAGES:
        raise ValueError(f"unknown language {language!r}; use one of {sorted(_HOLIDAY_LANGUAGES)}")
    found = holidays.Poland(years=year, language=_HOLIDAY_LANGUAGES[language])
    return dict(sorted(found.items()))


def _last_sunday(year: int, month: int) -> date:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return _sunday_before(first_of_next)


def _sunday_before(day: date) -> date:
    """The Sunday strictly before `day`."""
    return day - timedelta(days=(day.weekday() + 1) % 7 or 7)
