"""A realistic day of calls as CTI events, for the demo, `helpdesk phone simulate` and the benchmark.

Busiest on Monday mornings and after 17:00, quietest 12:00–16:00 on working days; the
longer a caller waits, the likelier they hang up; some calls come out of hours.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")
# Calls per hour on an ordinary working day, local time (index = hour).
_WEEKDAY = [1, 0, 0, 0, 0, 0, 1, 3, 22, 30, 28, 24, 12, 10, 10, 11, 16, 30, 34, 30, 22, 14, 6, 2]
_SATURDAY = [0, 0, 0, 0, 0, 0, 0, 1, 8, 12, 12, 10, 8, 7, 6, 6, 6, 6, 5, 4, 2, 1, 0, 0]
_SUNDAY = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
_MONDAY_MORNING = 1.6  # Mondays 08–12


@dataclass(frozen=True)
class SimulatedEvent:
    """One event to post: the form fields, and the instant it happens."""

    at: datetime
    fields: dict


def day_of_calls(day: date, *, lines: list[str], agents: list[str], seed: int | None = None,
                 scale: float = 1.0, is_open=None) -> list[SimulatedEvent]:
    """The CTI events of one day, in time order. ``is_open(instant)`` says whether the
    contact centre answers (out of hours every call ends unanswered)."""
    rnd = random.Random(seed if seed is not None else day.toordinal())
    profile = _SUNDAY if day.weekday() == 6 else _SATURDAY if day.weekday() == 5 else _WEEKDAY
    events: list[SimulatedEvent] = []
    number = 0
    for hour, rate in enumerate(profile):
        rate *= _MONDAY_MORNING if day.weekday() == 0 and 8 <= hour < 12 else 1.0
        busy = rate / 30  # the queue's load, as staffed for the unscaled day
        count = _poisson(rnd, rate * scale)
        for _ in range(count):
            number += 1
            start = datetime.combine(day, time(hour), WARSAW) + timedelta(seconds=rnd.uniform(0, 3600))
            events += _call(rnd, f"sim-{day.isoformat()}-{number}", start, rnd.choice(lines), agents,
                            busy=busy, open_now=is_open(start) if is_open else True)
    events.sort(key=lambda e: e.at)
    return events


def _poisson(rnd: random.Random, mean: float) -> int:
    count, limit, product = 0, pow(2.718281828459045, -mean), rnd.random()
    while product > limit:
        count += 1
        product *= rnd.random()
    return count


def _call(rnd: random.Random, call_id: str, start: datetime, line: str, agents: list[str], *, busy: float,
          open_now: bool) -> list[SimulatedEvent]:
    caller = f"+48{rnd.choice('5678')}{rnd.randrange(10**8):08d}"
    base = {"callId": call_id, "from": caller, "to": line, "direction": "in"}
    offered = rnd.sample(agents, k=min(len(agents), 2)) if agents else []
    out = [SimulatedEvent(start, {**base, "event": "newCall", "user[]": offered, "queue": "bok"})]
    if not open_now:
        end = start + timedelta(seconds=rnd.uniform(5, 40))
        return out + [SimulatedEvent(end, {**base, "event": "hangup", "cause": "cancel"})]
    wait = rnd.expovariate(1 / (20 + 60 * busy))  # a busier hour, a longer queue
    patience = rnd.expovariate(1 / 200)  # how long this caller will wait
    if patience < wait:
        end = start + timedelta(seconds=patience)
        cause = "cancel" if rnd.random() < 0.9 else "noAnswer"
        return out + [SimulatedEvent(end, {**base, "event": "hangup", "cause": cause})]
    answered = start + timedelta(seconds=wait)
    agent = rnd.choice(offered) if offered else ""
    end = answered + timedelta(seconds=rnd.lognormvariate(5.0, 0.6))
    return out + [SimulatedEvent(answered, {**base, "event": "answer", "user": agent}),
                  SimulatedEvent(end, {**base, "event": "hangup", "cause": "normalClearing",
                                       "answeringNumber": agent})]
