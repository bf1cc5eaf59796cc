from datetime import date

import pytest
from dateutil.easter import easter

from schedules import poland


def test_trading_sundays_2024_follow_the_two_sundays_before_christmas_rule():
    assert poland.trading_sundays(2024) == [
        date(2024, 1, 28), date(2024, 3, 24), date(2024, 4, 28), date(2024, 6, 30),
        date(2024, 8, 25), date(2024, 12, 15), date(2024, 12, 22),
    ]


def test_trading_sundays_2025_follow_the_three_sundays_before_christmas_eve_rule():
    assert poland.trading_sundays(2025) == [
        date(2025, 1, 26), date(2025, 4, 13), date(2025, 4, 27), date(2025, 6, 29),
        date(2025, 8, 31), date(2025, 12, 7), date(2025, 12, 14), date(2025, 12, 21),
    ]


@pytest.mark.parametrize("year", range(2020, 2061))
def test_trading_sundays_are_sundays_by_rule(year):
    days = poland.trading_sundays(year)
    assert days == sorted(set(days))
    assert all(day.weekday() == 6 and day.year == year for day in days)
    assert easter(year) - date.resolution * 7 in days
    for month in (1, 4, 6, 8):
        last = max(d for d in days if d.month == month)
        assert (last + date.resolution * 7).month != month
    december = [d for d in days if d.month == 12]
    anchor, count = (date(year, 12, 25), 2) if year <= 2024 else (date(year, 12, 24), 3)
    assert len(december) == count
    assert 0 < (anchor - december[-1]).days <= 7
    assert all((b - a).days == 7 for a, b in zip(december, december[1:]))


def test_trading_sunday_may_fall_on_easter():
    assert easter(2038) == date(2038, 4, 25)
    assert date(2038, 4, 25) in poland.trading_sundays(2038)
    assert date(2038, 4, 25) in poland.public_holidays(2038)


@pytest.mark.parametrize("year", [1999, 2019])
def test_trading_sundays_before_2020_are_refused(year):
    with pytest.raises(ValueError, match=f"from 2020.*{year}"):
        poland.trading_sundays(year)


def test_christmas_eve_is_a_public_holiday_from_2025():
    assert date(2024, 12, 24) not in poland.public_holidays(2024)
    assert date(2025, 12, 24) in poland.public_holidays(2025)


def test_public_holidays_in_polish_and_english():
    assert poland.public_holidays(2025)[date(2025, 1, 1)] == "Nowy Rok"
    assert poland.public_holidays(2025, "en")[date(2025, 1, 1)] == "New Year's Day"
    with pytest.raises(ValueError, match="unknown language 'xx'"):
        poland.public_holidays(2025, "xx")


def test_public_holidays_returns_a_copy():
    poland.public_holidays(2026).clear()
    assert date(2026, 1, 1) in poland.public_holidays(2026)
