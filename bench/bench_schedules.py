"""Deadlines per second: a compiled `contact-centre` calendar against businesstimedelta.

Both compute "24 hours of contact-centre time" from the same random instants over
2025-2027 (aware datetimes in, aware datetimes out). businesstimedelta is timed on a
smaller sample and its rate extrapolated; the deadlines it returns are checked
against ours. Each figure is the best of three runs. Run: python bench/bench_schedules.py
"""

import datetime as dt
import random
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import businesstimedelta
import pytz

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import schedules  # noqa: E402
from schedules import poland  # noqa: E402

SAMPLE = 100_000
BTD_SAMPLE = 2_000
ROUNDS = 3  # best of three, so a busy machine does not decide the ratio
YEARS = (2025, 2026, 2027)
WARSAW = ZoneInfo("Europe/Warsaw")
DAY_OF_WORK = dt.timedelta(hours=24)


def random_instants(n, seed=2025):
    rng = random.Random(seed)
    first = dt.datetime(YEARS[0], 1, 1, tzinfo=WARSAW).timestamp()
    last = dt.datetime(YEARS[-1] + 1, 1, 1, tzinfo=WARSAW).timestamp()
    return [dt.datetime.fromtimestamp(rng.uniform(first, last), WARSAW) for _ in range(n)]


def businesstimedelta_contact_centre():
    """The same calendar in businesstimedelta's terms: every Sunday opens 10-18, and the
    public holidays plus every Sunday that is not a trading Sunday are days off."""
    tz = pytz.timezone("Europe/Warsaw")
    closed = set()
    for year in range(YEARS[0], YEARS[-1] + 2):
        closed.update(poland.public_holidays(year))
        trading = set(poland.trading_sundays(year))
        day = dt.date(year, 1, 1)
        while day.year == year:
            if day.weekday() == 6 and day not in trading:
                closed.add(day)
            day += dt.timedelta(days=1)
    rules = businesstimedelta.Rules([
        businesstimedelta.WorkDayRule(dt.time(8), dt.time(22), [0, 1, 2, 3, 4], tz=tz),
        businesstimedelta.WorkDayRule(dt.time(8), dt.time(20), [5], tz=tz),
        businesstimedelta.WorkDayRule(dt.time(10), dt.time(18), [6], tz=tz),
        businesstimedelta.HolidayRule(closed, tz=tz),
    ])
    return businesstimedelta.BusinessTimeDelta(rules, hours=24)


def rate(compute, instants):
    """Best deadlines per second of compute(instants) over ROUNDS runs, and its deadlines."""
    best = 0.0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        results = compute(instants)
        best = max(best, len(instants) / (time.perf_counter() - started))
    return best, results


def compile_time(first_year, last_year):
    calendar = schedules.Calendar.from_dict(schedules.BUILTIN["contact-centre"])
    started = time.perf_counter()
    calendar.compile(first_year, last_year)
    return time.perf_counter() - started


def main():
    warsaw_instants = random_instants(SAMPLE)
    utc_instants = [t.astimezone(dt.timezone.utc) for t in warsaw_instants]  # as the DB stores them

    started = time.perf_counter()
    poland.public_holidays(2040)  # the holidays library loads its data on first use
    library_start = time.perf_counter() - started
    compile_cold = compile_time(2031, 2033)  # holiday names of these years not yet cached
    compile_warm = compile_time(YEARS[0], YEARS[-1])

    calendar = schedules.Calendar.from_dict(schedules.BUILTIN["contact-centre"])
    calendar.add(warsaw_instants[0], DAY_OF_WORK)  # first use compiles; time the steady state
    add = calendar.add
    warsaw_rate, ours = rate(lambda ts: [add(t, DAY_OF_WORK) for t in ts], warsaw_instants)
    utc_rate, ours_utc = rate(lambda ts: [add(t, DAY_OF_WORK) for t in ts], utc_instants)
    assert ours == ours_utc

    delta = businesstimedelta_contact_centre()
    their_rate, theirs = rate(lambda ts: [t + delta for t in ts], warsaw_instants[:BTD_SAMPLE])
    differing = sum(1 for a, b in zip(ours, theirs) if a != b)

    print(f"schedules, Warsaw times in : {warsaw_rate:10,.0f} deadlines/s  ({SAMPLE:,} deadlines)")
    print(f"schedules, UTC times in    : {utc_rate:10,.0f} deadlines/s  ({SAMPLE:,} deadlines)")
    print(f"businesstimedelta          : {their_rate:10,.0f} deadlines/s  "
          f"({BTD_SAMPLE:,} deadlines, Warsaw times in; rate extrapolated)")
    print(f"ratio, Warsaw times in     : {warsaw_rate / their_rate:10,.0f} x")
    print(f"ratio, UTC times in        : {utc_rate / their_rate:10,.0f} x")
    print(f"deadlines that differ      : {differing} of {BTD_SAMPLE:,}")
    print(f"compile 3 years            : {compile_cold * 1000:7.1f} ms (holiday names not cached), "
          f"{compile_warm * 1000:.1f} ms (cached)")
    print(f"holidays library first use : {library_start * 1000:7.1f} ms (once per process)")


if __name__ == "__main__":
    main()
