import json
import pickle
import threading
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

import schedules
from schedules import Calendar, CalendarError, DayKind, Interval

WARSAW = ZoneInfo("Europe/Warsaw")
UTC = timezone.utc
H = timedelta(hours=1)
CONTACT = schedules.builtin("contact-centre")
WORKING = schedules.builtin("working-days")


def at(*args):
    return datetime(*args, tzinfo=WARSAW)


def day_open_time(calendar, day):
    return calendar.elapsed(at(day.year, day.month, day.day),
                            at(day.year, day.month, day.day) + timedelta(days=1))


def with_exceptions(*exceptions, base="contact-centre"):
    return Calendar.from_dict({**schedules.BUILTIN[base], "exceptions": list(exceptions)})


ALWAYS = Calendar.from_dict({
    "name": "always", "holidays_closed": False,
    "hours": {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
})


# --- shipped calendars ------------------------------------------------------------

def test_contact_centre_hours():
    assert CONTACT.is_open(at(2025, 6, 2, 8))          # Monday
    assert not CONTACT.is_open(at(2025, 6, 2, 7, 59))
    assert not CONTACT.is_open(at(2025, 6, 2, 22))
    assert CONTACT.is_open(at(2025, 6, 7, 19, 59))     # Saturday
    assert not CONTACT.is_open(at(2025, 6, 7, 20))
    assert not CONTACT.is_open(at(2025, 6, 1, 12))     # ordinary Sunday
    assert CONTACT.is_open(at(2025, 6, 29, 10))        # trading Sunday
    assert not CONTACT.is_open(at(2025, 6, 29, 18))


def test_working_days_are_whole_weekdays():
    assert day_open_time(WORKING, date(2025, 6, 4)) == 24 * H
    assert day_open_time(WORKING, date(2025, 6, 7)) == timedelta(0)
    assert day_open_time(WORKING, date(2025, 6, 29)) == timedelta(0)  # trading Sunday too


def test_unknown_builtin_calendar():
    with pytest.raises(CalendarError, match="unknown calendar 'nope'.*contact-centre"):
        schedules.builtin("nope")


def test_builtin_is_shared():
    assert schedules.builtin("contact-centre") is CONTACT


# --- add, elapsed, next_open, next_close --------------------------------------------

def test_deadline_lands_on_closing_time():
    deadline = CONTACT.add(at(2025, 6, 2, 8), 14 * H)
    assert deadline == at(2025, 6, 2, 22)
    assert not CONTACT.is_open(deadline)
    assert CONTACT.add(at(2025, 6, 2, 8), 14 * H + timedelta(microseconds=1)) == \
        at(2025, 6, 3, 8) + timedelta(microseconds=1)


def test_returned_instants_are_utc():
    for instant in (CONTACT.add(at(2025, 6, 2, 9), H), CONTACT.next_open(at(2025, 6, 1)),
                    CONTACT.next_close(at(2025, 6, 2, 9))):
        assert instant.tzinfo is UTC


def test_counting_starts_at_the_next_opening():
    assert CONTACT.add(at(2025, 6, 7, 21), H) == at(2025, 6, 9, 9)          # Sat night
    assert CONTACT.add(at(2025, 6, 8, 12), H) == at(2025, 6, 9, 9)          # Pentecost Sunday
    assert WORKING.add(at(2025, 6, 7, 12), 2 * H) == at(2025, 6, 9, 2)


def test_zero_duration_returns_the_start():
    assert CONTACT.add(at(2025, 6, 2, 9), timedelta(0)) == at(2025, 6, 2, 9)
    assert CONTACT.add(at(2025, 6, 1, 3), timedelta(0)) == at(2025, 6, 1, 3)


def test_several_weeks():
    # 15 working days from Monday 2 June 2025; Corpus Christi (Thursday 19 June) is off.
    assert WORKING.add(at(2025, 6, 2), 15 * 24 * H) == at(2025, 6, 24)
    assert WORKING.elapsed(at(2025, 6, 2), at(2025, 6, 24)) == 15 * 24 * H
    # Six weeks of contact-centre: 5 x 14h + 12h = 82h a week, no holidays 1 Sep - 12 Oct 2025.
    assert CONTACT.add(at(2025, 9, 1, 8), 6 * 82 * H) == at(2025, 10, 11, 20)


def test_elapsed_is_negative_when_b_is_before_a():
    a, b = at(2025, 6, 2, 9), at(2025, 6, 4, 12)
    assert CONTACT.elapsed(a, b) == 14 * H - H + 14 * H + 4 * H
    assert CONTACT.elapsed(b, a) == -CONTACT.elapsed(a, b)
    assert CONTACT.elapsed(a, a) == timedelta(0)


def test_next_open_and_next_close():
    assert CONTACT.next_open(at(2025, 6, 2, 9)) == at(2025, 6, 2, 9)
    assert CONTACT.next_open(at(2025, 6, 2, 23)) == at(2025, 6, 3, 8)
    assert CONTACT.next_close(at(2025, 6, 2, 9)) == at(2025, 6, 2, 22)
    assert CONTACT.next_close(at(2025, 6, 2, 23)) is None
    # Touching whole days form one stretch: Monday to Saturday 00:00.
    assert WORKING.next_close(at(2025, 6, 2, 9)) == at(2025, 6, 7)
    # ... which a holiday cuts: Corpus Christi 2025 is Thursday 19 June.
    assert WORKING.next_close(at(2025, 6, 16, 9)) == at(2025, 6, 19)


def test_a_year_boundary():
    assert WORKING.add(at(2025, 12, 31, 23), 2 * H) == at(2026, 1, 2, 1)   # 1 Jan off
    assert CONTACT.add(at(2026, 12, 31, 21, 30), H) == at(2027, 1, 2, 8, 30)
    assert WORKING.next_close(at(2026, 12, 31, 12)) == at(2027, 1, 1)
    always_close = Calendar.from_dict({**ALWAYS.to_dict(), "exceptions": [
        {"name": "maintenance", "start": "2027-01-03", "hours": []}]})
    assert always_close.next_close(at(2026, 12, 31, 12)) == at(2027, 1, 3)


def test_far_years_compile_on_demand():
    calendar = Calendar.from_dict(schedules.BUILTIN["working-days"])
    assert calendar.add(at(2031, 3, 3, 12), 24 * H) == at(2031, 3, 4, 12)
    assert calendar.elapsed(at(2025, 1, 1), at(2035, 1, 1)) > timedelta(days=2400)
    assert calendar.add(at(2025, 3, 3, 12), 24 * H) == at(2025, 3, 4, 12)


# --- daylight saving time -----------------------------------------------------------

@pytest.mark.parametrize("day, whole, contact_centre", [
    (date(2025, 3, 30), 23 * H, timedelta(0)), (date(2025, 10, 26), 25 * H, timedelta(0)),
    (date(2026, 3, 29), 23 * H, 8 * H),  # also Palm Sunday, a trading Sunday
    (date(2026, 10, 25), 25 * H, timedelta(0)),
])
def test_dst_sundays(day, whole, contact_centre):
    stamp = day.isoformat()
    daytime = with_exceptions({"name": "open", "start": stamp, "hours": ["08:00-22:00"]})
    full = with_exceptions({"name": "open", "start": stamp, "hours": ["00:00-24:00"]}, base="working-days")
    assert day_open_time(daytime, day) == 14 * H
    assert day_open_time(full, day) == whole
    assert day_open_time(ALWAYS, day) == whole
    assert day_open_time(CONTACT, day) == contact_centre
    assert daytime.add(at(day.year, day.month, day.day, 8), 14 * H) == at(day.year, day.month, day.day, 22)


def test_dst_weekend_deadlines():
    # Friday 20:00 + 24h on the always calendar crosses the March change: 25 wall-clock hours.
    assert ALWAYS.add(at(2025, 3, 28, 20), 48 * H) == at(2025, 3, 30, 21)
    assert ALWAYS.add(at(2025, 10, 24, 20), 48 * H) == at(2025, 10, 26, 19)
    assert WORKING.add(at(2025, 3, 28, 20), 24 * H) == at(2025, 3, 31, 20)


# --- trading Sundays, Easter, Christmas -----------------------------------------------

def test_palm_sunday_is_a_trading_sunday():
    assert day_open_time(CONTACT, date(2025, 4, 13)) == 8 * H
    assert CONTACT.next_open(at(2025, 4, 12, 21)) == at(2025, 4, 13, 10)


def test_easter():
    assert day_open_time(CONTACT, date(2025, 4, 20)) == timedelta(0)
    assert day_open_time(CONTACT, date(2025, 4, 21)) == timedelta(0)
    assert CONTACT.add(at(2025, 4, 19, 19), 2 * H) == at(2025, 4, 22, 9)


@pytest.mark.parametrize("day, hours", [
    (date(2024, 12, 8), 0), (date(2024, 12, 15), 8), (date(2024, 12, 22), 8),
    (date(2025, 12, 7), 8), (date(2025, 12, 14), 8), (date(2025, 12, 21), 8), (date(2025, 12, 28), 0),
])
def test_december_trading_sundays(day, hours):
    assert day_open_time(CONTACT, day) == hours * H


def test_christmas_eve_before_and_after_2025():
    assert day_open_time(WORKING, date(2024, 12, 24)) == 24 * H
    assert day_open_time(CONTACT, date(2024, 12, 24)) == 14 * H
    assert day_open_time(WORKING, date(2025, 12, 24)) == timedelta(0)
    assert day_open_time(CONTACT, date(2025, 12, 24)) == timedelta(0)


def test_trading_sunday_on_a_public_holiday_stays_closed():
    assert day_open_time(CONTACT, date(2038, 4, 25)) == timedelta(0)   # Easter, last Sunday of April
    (easter,) = [d for d in CONTACT.special_days(2038) if d.date == date(2038, 4, 25)]
    assert easter.kind == DayKind.HOLIDAY and easter.hours == ()


def test_trading_sundays_before_2020_are_refused_by_the_calendar():
    with pytest.raises(ValueError, match="2020"):
        CONTACT.is_open(at(2019, 6, 3, 9))
    assert WORKING.is_open(at(2019, 6, 3, 9))   # no trading Sunday rule needed


# --- exceptions and special days ------------------------------------------------------

def test_exceptions():
    calendar = with_exceptions(
        {"name": "Inwentaryzacja", "start": "2025-03-03", "end": "2025-03-04", "hours": []},
        {"name": "Szkolenie", "start": "2025-03-07", "hours": ["08:00-12:00"]},
        {"name": "Dyżur", "start": "2025-05-03", "hours": ["10:00-14:00", "16:00-18:00"]},
    )
    assert day_open_time(calendar, date(2025, 3, 3)) == timedelta(0)
    assert day_open_time(calendar, date(2025, 3, 4)) == timedelta(0)
    assert day_open_time(calendar, date(2025, 3, 5)) == 14 * H
    assert day_open_time(calendar, date(2025, 3, 7)) == 4 * H
    assert day_open_time(calendar, date(2025, 5, 3)) == 6 * H       # a holiday, opened
    assert calendar.add(at(2025, 3, 2, 12), H) == at(2025, 3, 5, 9)
    assert calendar.next_close(at(2025, 5, 3, 11)) == at(2025, 5, 3, 14)
    march = [d for d in calendar.special_days(2025) if d.date.month in (3, 5)]
    assert [(d.date.day, d.kind, d.name) for d in march] == [
        (3, DayKind.CLOSURE, "Inwentaryzacja"), (4, DayKind.CLOSURE, "Inwentaryzacja"),
        (7, DayKind.CHANGED_HOURS, "Szkolenie"),
        (1, DayKind.HOLIDAY, "Święto Państwowe"), (3, DayKind.EXTRA_OPEN_DAY, "Dyżur"),
    ]
    assert march[-1].hours == (Interval(600, 840), Interval(960, 1080))


def test_special_days_of_the_contact_centre():
    days = CONTACT.special_days(2025)
    assert [d.date for d in days] == sorted(d.date for d in days)
    trading = [d for d in days if d.kind == DayKind.TRADING_SUNDAY]
    assert [d.date for d in trading] == schedules.poland.trading_sundays(2025)
    assert all(d.hours == (Interval(600, 1080),) and d.name == "Niedziela handlowa" for d in trading)
    holidays = {d.date: d.name for d in days if d.kind == DayKind.HOLIDAY}
    assert holidays == schedules.poland.public_holidays(2025)
    english = CONTACT.special_days(2025, "en")
    assert english[0].name == "New Year's Day" and trading[0].date in {
        d.date for d in english if d.name == "Trading Sunday"}


def test_a_shift_pattern_ignoring_holidays():
    shift = Calendar.from_dict({"name": "agent 8-16", "holidays_closed": False, "hours": {
        d: ["08:00-16:00"] for d in ("mon", "tue", "wed", "thu", "fri")}})
    assert shift.is_open(at(2025, 11, 11, 9))          # Independence Day, Tuesday
    assert not WORKING.is_open(at(2025, 11, 11, 9))
    assert shift.next_close(at(2025, 11, 11, 15, 30)) - at(2025, 11, 11, 15, 30) == timedelta(minutes=30)
    assert shift.special_days(2025) == []


# --- plain data -------------------------------------------------------------------

def test_dict_round_trip_through_json():
    calendar = with_exceptions({"name": "Inwentaryzacja", "start": "2025-03-03", "hours": []})
    again = Calendar.from_dict(json.loads(json.dumps(calendar.to_dict())))
    assert again == calendar
    assert again.to_dict() == calendar.to_dict()
    assert calendar.to_dict()["exceptions"] == [
        {"name": "Inwentaryzacja", "start": "2025-03-03", "end": "2025-03-03", "hours": []}]
    assert Calendar.from_dict(schedules.BUILTIN["working-days"]).to_dict()["hours"]["sat"] == []


def test_hours_are_kept_in_order():
    calendar = Calendar.from_dict({"name": "split", "hours": {"mon": ["13:00-17:00", "08:00-12:00"]}})
    assert calendar.weekly[0] == (Interval(480, 720), Interval(780, 1020))
    assert calendar.to_dict()["hours"]["mon"] == ["08:00-12:00", "13:00-17:00"]


def test_pickles_as_plain_data():
    CONTACT.add(at(2025, 6, 2, 9), H)
    again = pickle.loads(pickle.dumps(CONTACT))
    assert again == CONTACT and again.add(at(2025, 6, 2, 9), H) == at(2025, 6, 2, 10)


def test_threads_compile_safely():
    calendar = Calendar.from_dict(schedules.BUILTIN["contact-centre"])
    starts = [at(year, month, 3, 21) for year in range(2025, 2033) for month in (1, 6, 12)]
    expected = [CONTACT.add(t, 30 * H) for t in starts]
    results = {}

    def work(k):
        results[k] = [calendar.add(t, 30 * H) for t in (starts[k:] + starts[:k])]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k, got in results.items():
        assert got == expected[k:] + expected[:k]
    assert len(results) == 8


# --- bad input ----------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"hours": {"mon": ["08:00-12:00", "11:00-14:00"]}}, "08:00-12:00 and 11:00-14:00 of mon overlap"),
    ({"hours": {"mon": ["08:00-25:00"]}}, "outside 00:00-24:00"),
    ({"hours": {"mon": ["24:30-24:45"]}}, "outside 00:00-24:00"),
    ({"hours": {"mon": ["10:00-08:00"]}}, "end before they start"),
    ({"hours": {"mon": ["10:00-10:00"]}}, "end before they start"),
    ({"hours": {"mon": ["8-16"]}}, "HH:MM-HH:MM"),
    ({"hours": {"mon": "08:00-16:00"}}, "must be a list"),
    ({"hours": {"monday": ["08:00-16:00"]}}, "unknown weekdays in hours: monday"),
    ({"trading_sundays": ["10:00-18:00", "17:00-19:00"]}, "trading Sundays overlap"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ({"timezone": "../etc/passwd"}, "unknown time zone"),
    ({"holidays_closed": "yes"}, "holidays_closed must be true or false"),
    ({"colour": "red"}, "unknown calendar keys: colour"),
    ({"exceptions": [{"name": "x", "start": "2025-03-05", "end": "2025-03-04"}]},
     "exception 'x' ends \\(2025-03-04\\) before it starts \\(2025-03-05\\)"),
    ({"exceptions": [{"name": "x", "start": "5.03.2025"}]}, "'5.03.2025' is not a date"),
    ({"exceptions": [{"start": "2025-03-05"}]}, "needs at least a name"),
    ({"exceptions": [{"name": "a", "start": "2025-03-01", "end": "2025-03-05"},
                     {"name": "b", "start": "2025-03-05"}]}, "exceptions 'a' and 'b' overlap"),
    ({"exceptions": [{"name": "x", "start": "2025-03-05", "hours": ["09:00-12:00", "08:00-10:00"]}]},
     "of exception 'x' overlap"),
])
def test_bad_calendars_are_refused(change, message):
    with pytest.raises(CalendarError, match=message):
        Calendar.from_dict({**schedules.BUILTIN["contact-centre"], **change})


def test_calendar_errors_are_value_errors():
    assert issubclass(CalendarError, ValueError)
    with pytest.raises(CalendarError, match="needs a name"):
        Calendar.from_dict({"hours": {}})
    with pytest.raises(CalendarError, match="must be a dict"):
        Calendar.from_dict(["contact-centre"])


@pytest.mark.parametrize("call", [
    lambda t: CONTACT.is_open(t), lambda t: CONTACT.next_open(t), lambda t: CONTACT.next_close(t),
    lambda t: CONTACT.add(t, H), lambda t: CONTACT.elapsed(t, at(2025, 1, 1)),
    lambda t: CONTACT.elapsed(at(2025, 1, 1), t),
])
def test_naive_datetimes_are_refused(call):
    with pytest.raises(CalendarError, match="naive datetime 2025-06-02T09:00:00 has no time zone"):
        call(datetime(2025, 6, 2, 9))
    with pytest.raises(CalendarError, match="expected a timezone-aware datetime, got date"):
        call(date(2025, 6, 2))


def test_bad_durations_are_refused():
    with pytest.raises(CalendarError, match="duration must be a timedelta, got int"):
        CONTACT.add(at(2025, 6, 2, 9), 3600)
    with pytest.raises(CalendarError, match="must not be negative"):
        CONTACT.add(at(2025, 6, 2, 9), -H)


def test_never_open_calendar_raises_instead_of_looping():
    never = Calendar.from_dict({"name": "never", "hours": {}})
    assert not never.is_open(at(2025, 6, 2, 9))
    assert never.next_close(at(2025, 6, 2, 9)) is None
    assert never.elapsed(at(2025, 1, 1), at(2026, 1, 1)) == timedelta(0)
    with pytest.raises(CalendarError, match="'never' finds no answer within 5 years"):
        never.add(at(2025, 6, 2, 9), H)
    with pytest.raises(CalendarError, match="never open"):
        never.next_open(at(2025, 6, 2, 9))


def test_calendar_that_never_closes_says_so():
    with pytest.raises(CalendarError, match="never closes"):
        ALWAYS.next_close(at(2025, 6, 2, 9))
