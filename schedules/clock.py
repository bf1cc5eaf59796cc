"""SLA clocks: working time counted towards a target on a calendar, with pauses.

A clock runs from a start, banks the open time it has counted when paused, and goes on
from there when resumed; it never restarts on a resume. Its deadline is the instant by
which the rest of the target has passed in open time::

    clock = Clock("first_response", timedelta(hours=24), "working-days")
    clock.start(created_at)
    clock.pause(at, calendar); clock.resume(later)
    clock.due(calendar), clock.elapsed(now, calendar)

`replay` rebuilds the clocks of a ticket from its recorded events, so the history can
be audited. Instants are timezone-aware datetimes; clocks never look at "now" themselves.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable

from schedules.calendar import Calendar

ZERO = timedelta(0)
ACTIONS = ("start", "pause", "resume", "stop", "retarget", "warning", "breach", "recalculate")


class ClockError(ValueError):
    """An event a clock cannot take (e.g. a start without a target); the message says why."""


@dataclass
class Clock:
    """One SLA clock of one ticket (first response, next response or resolution)."""

    name: str
    target: timedelta
    calendar: str
    accumulated: timedelta = ZERO
    running_since: datetime | None = None
    started: bool = False
    stopped: bool = False
    warned_at: datetime | None = None
    breached_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.running_since is not None

    @property
    def paused(self) -> bool:
        return self.started and not self.running and not self.stopped

    def state(self) -> str:
        """"running", "paused", "met" or "breached" (a breach outlasts a pause or a stop)."""
        if self.breached_at is not None:
            return "breached"
        if self.stopped:
            return "met"
        return "running" if self.running else "paused"

    def start(self, at: datetime) -> None:
        """Start counting from zero (a new cycle: earlier warnings and breaches are cleared)."""
        _aware(at)
        self.accumulated = ZERO
        self.running_since = at
        self.started = True
        self.stopped = False
        self.warned_at = self.breached_at = None

    def pause(self, at: datetime, calendar: Calendar) -> None:
        """Bank the open time counted so far; a paused or stopped clock is left as it is."""
        if self.running:
            self.accumulated = self.elapsed(at, calendar)
            self.running_since = None

    def resume(self, at: datetime) -> None:
        """Go on counting from the banked time (only a paused clock resumes)."""
        _aware(at)
        if self.started and not self.running:
            self.running_since = at
            self.stopped = False

    def stop(self, at: datetime, calendar: Calendar) -> None:
        self.pause(at, calendar)
        if self.started:
            self.stopped = True

    def retarget(self, at: datetime, calendar: Calendar, target: timedelta, calendar_name: str) -> None:
        """Switch to another target or calendar, keeping the time counted on the old calendar."""
        if target < ZERO:
            raise ClockError(f"a target must not be negative, got {target}")
        if self.running:
            self.accumulated = self.elapsed(at, calendar)
            self.running_since = at
        self.target, self.calendar = target, calendar_name

    def elapsed(self, now: datetime, calendar: Calendar) -> timedelta:
        """Working time counted by ``now``."""
        if not self.running:
            return self.accumulated
        return self.accumulated + max(calendar.elapsed(self.running_since, now), ZERO)

    def remaining(self, now: datetime, calendar: Calendar) -> timedelta:
        """Working time left to the target; negative once it is overdue."""
        return self.target - self.elapsed(now, calendar)

    def due(self, calendar: Calendar) -> datetime | None:
        """The deadline of a running clock (None when paused or stopped)."""
        return self._instant_at(self.target, calendar)

    def warning_due(self, calendar: Calendar, fraction: float) -> datetime | None:
        """When ``fraction`` of the target will have passed, for a running clock."""
        return self._instant_at(self.target * fraction, calendar)

    def _instant_at(self, amount: timedelta, calendar: Calendar) -> datetime | None:
        if not self.running:
            return None
        return calendar.add(self.running_since, max(amount - self.accumulated, ZERO))


@dataclass(frozen=True)
class ClockEvent:
    """One recorded event of a clock; ``target`` and ``calendar`` go with start and retarget."""

    at: datetime
    clock: str
    action: str
    target: timedelta | None = None
    calendar: str | None = None

    def __post_init__(self):
        if self.action not in ACTIONS:
            raise ClockError(f"unknown clock action {self.action!r}; known: {', '.join(ACTIONS)}")
        _aware(self.at)


def replay(events: Iterable[ClockEvent], calendars: Callable[[str], Calendar]) -> dict[str, Clock]:
    """Rebuild clocks from their events in order of recording; ``calendars`` resolves a name."""
    clocks: dict[str, Clock] = {}
    for event in events:
        clock = clocks.get(event.clock)
        if event.action == "start":
            if event.target is None or event.calendar is None:
                raise ClockError(f"the start of {event.clock!r} at {event.at} has no target or calendar")
            if clock is None:
                clock = clocks[event.clock] = Clock(event.clock, event.target, event.calendar)
            clock.target, clock.calendar = event.target, event.calendar
            clock.start(event.at)
            continue
        if clock is None:
            raise ClockError(f"{event.action} of {event.clock!r} at {event.at} before it started")
        calendar = calendars(clock.calendar)
        if event.action == "pause":
            clock.pause(event.at, calendar)
        elif event.action == "resume":
            clock.resume(event.at)
        elif event.action == "stop":
            clock.stop(event.at, calendar)
        elif event.action == "retarget":
            clock.retarget(event.at, calendar, event.target if event.target is not None else clock.target,
                           event.calendar or clock.calendar)
        elif event.action == "warning":
            clock.warned_at = clock.warned_at or event.at
        elif event.action == "breach":
            clock.breached_at = clock.breached_at or event.at
    return clocks


def _aware(t) -> None:
    if not isinstance(t, datetime) or t.tzinfo is None:
        raise ClockError(f"an instant must be a timezone-aware datetime, got {t!r}")
