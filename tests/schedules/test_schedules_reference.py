"""add and elapsed against a slow reference that walks the local wall clock minute by minute."""

import random
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

import schedules
from schedules import Calendar

UTC = timezone.utc
MINUTE = timedelta(minutes=1)

ALWAYS = Calendar.from_dict({
    "name": "always", "holidays_closed": False,
    "hours": {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
})
# Hours inside the DST gap and overlap, touching intervals, odd minutes, exceptions.
TRICKY = Calendar.from_dict({
    "name": "tricky",
    "hours": {
        "mon": ["00:00-01:00", "02:30-03:30", "12:00-24:00"], "tue": ["00:00-24:00"],
        "wed": ["09:07-17:13"], "fri": ["01:59-02:01", "23:00-24:00"], "sat": ["02:00-03:00"],
        "sun": ["00:00-02:30", "02:45-24:00"],
    },
    "trading_sundays": ["02:15-02:45", "20:00-24:00"],
    "exceptions": [
        {"name": "closed", "start": "2025-03-31", "hours": []},
        {"name": "short", "start": "2025-10-28", "end": "2025-10-29", "hours": ["10:00-11:00"]},
        {"name": "open on a holiday", "start": "2025-12-26", "hours": ["00:00-24:00"]},
        {"name": "open on Easter Monday", "start": "2025-04-21", "hours": ["08:00-09:00"]},
    ],
})
NEW_YORK = Calendar.from_dict({
    "name": "new-york", "timezone": "America/New_York", "holidays_closed": False,
    "hours": {"sat": ["01:00-03:30"], "sun": ["00:30-02:30", "23:00-24:00"], "mon": ["00:00-24:00"]},
})
KOLKATA = Calendar.from_dict({  # +05:30 all year
    "name": "kolkata", "timezone": "Asia/Kolkata",
    "hours": {"mon": ["09:30-18:00"], "wed": ["00:00-24:00"], "sun": ["10:00-11:00"]},
    "trading_sundays": [],
})
CALENDARS = [schedules.builtin("contact-centre"), schedules.builtin("working-days"),
             ALWAYS, TRICKY, NEW_YORK, KOLKATA]

# (first local day, days): DST changes in Warsaw and New York, Palm Sunday and Easter,
# December trading Sundays and 24 December before and after 2025, a year boundary.
WINDOWS = [
    ((2025, 3, 26), 8), ((2025, 10, 23), 8), ((2026, 3, 27), 5), ((2025, 3, 6), 5),
    ((2025, 10, 30), 5), ((2025, 4, 9), 22), ((2024, 12, 11), 20), ((2025, 12, 4), 36),
]


class Reference:
    """Open flags of each whole minute of a window, read off the local wall clock."""

    def __init__(self, calendar, first_day, days):
        zone = ZoneInfo(calendar.timezone)
        self.start = datetime(*first_day, tzinfo=UTC)
        hours_of = {}
        self.flags = []
        for k in range(days * 24 * 60):
            local = (self.start + k * MINUTE).astimezone(zone)
            day = local.date()
            if day not in hours_of:
                hours_of[day] = calendar.hours_on(day)
            minute = local.hour * 60 + local.minute
            self.flags.append(any(i.start <= minute < i.end for i in hours_of[day]))

    def index(self, t):
        return (t - self.start) // MINUTE

    def add(self, t, minutes):
        """None when the window ends first."""
        k, counted = self.index(t), 0
        while counted < minutes:
            if k >= len(self.flags):
                return None
            counted += self.flags[k]
            k += 1
        return self.start + k * MINUTE

    def elapsed(self, a, b):
        ia, ib = self.index(a), self.index(b)
        if ia <= ib:
            return sum(self.flags[ia:ib]) * MINUTE
        return -sum(self.flags[ib:ia]) * MINUTE


@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: "%d-%02d-%02d" % w[0])
@pytest.mark.parametrize("calendar", CALENDARS, ids=lambda c: c.name)
def test_add_elapsed_is_open_match_the_reference(calendar, window):
    reference = Reference(calendar, *window)
    size = len(reference.flags)
    rng = random.Random(f"{calendar.name}{window}")
    checked = 0
    for _ in range(120):
        t = reference.start + rng.randrange(size) * MINUTE
        minutes = rng.choice([0, 1, rng.randrange(1, 60), rng.randrange(60, 3000)])
        expected = reference.add(t, minutes)
        if expected is not None:
            checked += 1
            assert calendar.add(t, minutes * MINUTE) == expected, (t, minutes)
        b = reference.start + rng.randrange(size) * MINUTE
        assert calendar.elapsed(t, b) == reference.elapsed(t, b), (t, b)
        assert calendar.is_open(t) == reference.flags[reference.index(t)], t
    assert checked >= 60


@pytest.mark.parametrize("calendar", CALENDARS, ids=lambda c: c.name)
def test_add_and_elapsed_are_exact_inverses_to_the_microsecond(calendar):
    rng = random.Random(calendar.name)
    first = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    last = datetime(2028, 1, 1, tzinfo=UTC).timestamp()
    zone = ZoneInfo("Europe/Warsaw")
    for _ in range(2000):
        t = datetime.fromtimestamp(rng.uniform(first, last), zone)
        duration = timedelta(microseconds=rng.randrange(10**6 * 3600 * 200))
        deadline = calendar.add(t, duration)
        assert deadline.tzinfo is UTC
        assert calendar.elapsed(t, deadline) == duration
        assert calendar.add(t, duration - timedelta(microseconds=1)) < deadline
        assert calendar.add(deadline, timedelta(0)) == deadline
