"""SLA clock arithmetic: pauses across nights, weekends, holidays and trading Sundays; replay."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import schedules
from schedules.clock import Clock, ClockError, ClockEvent, replay

WARSAW = ZoneInfo("Europe/Warsaw")
CENTRE = schedules.builtin("contact-centre")  # Mon-Fri 8-22, Sat 8-20, trading Sundays 10-18
WORKING_DAYS = schedules.builtin("working-days")  # Mon-Fri all day, holidays closed


def local(*args) -> datetime:
    return datetime(*args, tzinfo=WARSAW)


def test_a_pause_over_the_night_keeps_the_banked_time():
    clock = Clock("first_response", timedelta(hours=2), "contact-centre")
    clock.start(local(2026, 12, 4, 21, 0))  # Friday, an hour before closing
    clock.pause(local(2026, 12, 4, 21, 30), CENTRE)
    assert clock.state() == "paused" and clock.due(CENTRE) is None
    assert clock.elapsed(local(2026, 12, 5, 11, 0), CENTRE) == timedelta(minutes=30)
    clock.resume(local(2026, 12, 5, 12, 0))  # Saturday noon
    assert clock.due(CENTRE) == local(2026, 12, 5, 13, 30)


def test_a_trading_sunday_counts_and_an_ordinary_sunday_does_not():
    trading = Clock("first_response", timedelta(hours=2), "contact-centre")
    trading.start(local(2026, 12, 5, 19, 0))  # Saturday; Sunday 6 December is a trading Sunday
    assert trading.due(CENTRE) == local(2026, 12, 6, 11, 0)
    ordinary = Clock("first_response", timedelta(hours=2), "contact-centre")
    ordinary.start(local(2026, 11, 28, 19, 0))  # Sunday 29 November is closed
    assert ordinary.due(CENTRE) == local(2026, 11, 30, 9, 0)


def test_a_pause_across_a_holiday_resumes_from_the_banked_time():
    clock = Clock("first_response", timedelta(hours=24), "working-days")
    clock.start(local(2026, 11, 10, 12, 0))  # Tuesday; Wednesday 11 November is a holiday
    assert clock.due(WORKING_DAYS) == local(2026, 11, 12, 12, 0)
    clock.pause(local(2026, 11, 10, 18, 0), WORKING_DAYS)
    clock.resume(local(2026, 11, 12, 9, 0))
    assert clock.elapsed(local(2026, 11, 12, 9, 0), WORKING_DAYS) == timedelta(hours=6)
    assert clock.due(WORKING_DAYS) == local(2026, 11, 13, 3, 0)


def test_a_pause_over_a_weekend_with_the_clocks_changing():
    clock = Clock("resolution", timedelta(hours=10), "working-days")
    clock.start(local(2026, 10, 23, 20, 0))  # Friday; summer time ends on Sunday 25 October
    clock.pause(local(2026, 10, 23, 22, 0), WORKING_DAYS)
    clock.resume(local(2026, 10, 24, 9, 0))  # Saturday: closed, counting waits for Monday
    assert clock.due(WORKING_DAYS) == local(2026, 10, 26, 8, 0)


def test_a_stop_freezes_the_clock_and_a_reopen_resumes_it():
    clock = Clock("resolution", timedelta(hours=8), "contact-centre")
    clock.start(local(2026, 12, 1, 9, 0))
    clock.stop(local(2026, 12, 1, 12, 0), CENTRE)
    assert clock.state() == "met" and clock.due(CENTRE) is None
    assert clock.elapsed(local(2026, 12, 3, 9, 0), CENTRE) == timedelta(hours=3)
    clock.resume(local(2026, 12, 2, 10, 0))  # reopened the next morning
    assert clock.state() == "running"
    assert clock.due(CENTRE) == local(2026, 12, 2, 15, 0)


def test_a_retarget_keeps_the_time_counted_on_the_old_calendar():
    clock = Clock("first_response", timedelta(hours=24), "working-days")
    clock.start(local(2026, 12, 1, 6, 0))  # Tuesday: working-days counts, the centre is closed
    clock.retarget(local(2026, 12, 1, 9, 0), WORKING_DAYS, timedelta(hours=4), "contact-centre")
    assert clock.accumulated == timedelta(hours=3) and clock.calendar == "contact-centre"
    assert clock.due(CENTRE) == local(2026, 12, 1, 10, 0)


def test_warning_due_at_a_fraction_of_the_target():
    clock = Clock("first_response", timedelta(hours=4), "contact-centre")
    clock.start(local(2026, 12, 1, 20, 0))
    assert clock.warning_due(CENTRE, 0.75) == local(2026, 12, 2, 9, 0)
    assert clock.remaining(local(2026, 12, 2, 9, 0), CENTRE) == timedelta(hours=1)


def test_an_overdue_clock_is_due_at_once_and_shows_a_negative_remainder():
    clock = Clock("first_response", timedelta(hours=1), "contact-centre")
    clock.start(local(2026, 12, 1, 9, 0))
    clock.pause(local(2026, 12, 1, 11, 0), CENTRE)
    clock.resume(local(2026, 12, 1, 12, 0))
    assert clock.due(CENTRE) == local(2026, 12, 1, 12, 0)
    assert clock.remaining(local(2026, 12, 1, 12, 30), CENTRE) == timedelta(minutes=-90)


def test_a_breach_outlasts_the_stop_and_a_new_start_clears_it():
    clock = Clock("next_response", timedelta(hours=1), "contact-centre")
    clock.start(local(2026, 12, 1, 9, 0))
    clock.breached_at = local(2026, 12, 1, 10, 0)
    clock.stop(local(2026, 12, 1, 11, 0), CENTRE)
    assert clock.state() == "breached"
    clock.start(local(2026, 12, 1, 12, 0))
    assert clock.state() == "running" and clock.breached_at is None and clock.accumulated == timedelta(0)


def test_replay_rebuilds_the_same_clocks_as_the_live_events():
    events = [
        ClockEvent(local(2026, 12, 4, 21, 0), "first_response", "start", timedelta(hours=2), "contact-centre"),
        ClockEvent(local(2026, 12, 4, 21, 0), "resolution", "start", timedelta(hours=24), "working-days"),
        ClockEvent(local(2026, 12, 4, 21, 30), "first_response", "pause"),
        ClockEvent(local(2026, 12, 4, 21, 30), "resolution", "pause"),
        ClockEvent(local(2026, 12, 5, 12, 0), "first_response", "resume"),
        ClockEvent(local(2026, 12, 5, 12, 0), "resolution", "resume"),
        ClockEvent(local(2026, 12, 5, 13, 0), "first_response", "warning"),
        ClockEvent(local(2026, 12, 5, 13, 10), "first_response", "stop"),
        ClockEvent(local(2026, 12, 7, 9, 0), "resolution", "retarget", timedelta(hours=8), "contact-centre"),
    ]
    clocks = replay(events, schedules.builtin)
    first, resolution = clocks["first_response"], clocks["resolution"]
    assert first.state() == "met" and first.accumulated == timedelta(hours=1, minutes=40)
    assert first.warned_at == local(2026, 12, 5, 13, 0)
    # 30 min on Friday evening, then working-days counts again from Monday 00:00 to 09:00.
    assert resolution.accumulated == timedelta(hours=9, minutes=30)
    assert resolution.calendar == "contact-centre" and resolution.target == timedelta(hours=8)
    assert resolution.due(CENTRE) == local(2026, 12, 7, 9, 0)  # already over the new target


@pytest.mark.parametrize("events, problem", [
    ([ClockEvent(datetime(2026, 12, 1, 9, tzinfo=WARSAW), "resolution", "pause")], "before it started"),
    ([ClockEvent(datetime(2026, 12, 1, 9, tzinfo=WARSAW), "resolution", "start")], "no target"),
])
def test_replay_names_an_impossible_history(events, problem):
    with pytest.raises(ClockError, match=problem):
        replay(events, schedules.builtin)


def test_bad_input_is_refused_with_a_clear_error():
    with pytest.raises(ClockError, match="timezone-aware"):
        Clock("first_response", timedelta(hours=1), "contact-centre").start(datetime(2026, 12, 1, 9))
    with pytest.raises(ClockError, match="unknown clock action"):
        ClockEvent(local(2026, 12, 1, 9, 0), "first_response", "explode")
    with pytest.raises(ClockError, match="negative"):
        Clock("x", timedelta(hours=1), "contact-centre").retarget(
            local(2026, 12, 1, 9, 0), CENTRE, timedelta(hours=-1), "contact-centre")
