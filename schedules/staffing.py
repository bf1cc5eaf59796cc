"""Staffing by Erlang C: how many agents a stream of calls needs for a service level.

Plain arithmetic on plain numbers (no database, no Flask)::

    erlang_c(calls=360, period_seconds=1800, handle_seconds=240, agents=55, answer_within_seconds=15)
    agents_needed(calls=360, period_seconds=1800, handle_seconds=240, service_level=0.8,
                  answer_within_seconds=20)   # -> 54

The traffic intensity is A = calls × handle time / period (in erlangs). The probability that a
call waits is computed from the Erlang B recursion B(n) = A·B(n−1) / (n + A·B(n−1)), which stays
between 0 and 1 for any number of agents, so there is no factorial or power to overflow; then
C = N·B / (N − A·(1 − B)). With N ≤ A the queue grows without bound: every call waits, the
service level is 0 and the average speed of answer is infinite.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AGENTS = 100_000


@dataclass(frozen=True)
class ErlangC:
    """The queue's figures for one number of agents (probabilities 0–1, times in seconds)."""

    agents: int
    traffic_erlangs: float
    probability_of_waiting: float
    service_level: float
    average_speed_of_answer: float
    occupancy: float


def _check(calls: float, period_seconds: float, handle_seconds: float, answer_within_seconds: float) -> None:
    if calls < 0:
        raise ValueError(f"calls must not be negative, got {calls}")
    if period_seconds <= 0:
        raise ValueError(f"period_seconds must be positive, got {period_seconds}")
    if handle_seconds <= 0:
        raise ValueError(f"handle_seconds must be positive, got {handle_seconds}")
    if answer_within_seconds < 0:
        raise ValueError(f"answer_within_seconds must not be negative, got {answer_within_seconds}")


def traffic(calls: float, period_seconds: float, handle_seconds: float) -> float:
    """The offered load in erlangs: how many agents would be busy all the time."""
    return calls * handle_seconds / period_seconds


def _erlang_b(traffic_erlangs: float, agents: int) -> float:
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic_erlangs * blocking / (n + traffic_erlangs * blocking)
    return blocking


def erlang_c(calls: float, period_seconds: float, handle_seconds: float, agents: int,
             answer_within_seconds: float) -> ErlangC:
    """Probability of waiting, share answered within ``answer_within_seconds`` and average
    speed of answer, for ``calls`` arriving at random over ``period_seconds``."""
    _check(calls, period_seconds, handle_seconds, answer_within_seconds)
    if agents < 0 or int(agents) != agents:
        raise ValueError(f"agents must be a whole number, not negative, got {agents}")
    agents = int(agents)
    load = traffic(calls, period_seconds, handle_seconds)
    if load == 0:
        return ErlangC(agents, 0.0, 0.0, 1.0, 0.0, 0.0)
    if agents <= load:
        return ErlangC(agents, load, 1.0, 0.0, math.inf, 1.0)
    blocking = _erlang_b(load, agents)
    waiting = agents * blocking / (agents - load * (1 - blocking))
    service_level = 1 - waiting * math.exp(-(agents - load) * answer_within_seconds / handle_seconds)
    speed = waiting * handle_seconds / (agents - load)
    return ErlangC(agents, load, waiting, max(0.0, min(1.0, service_level)), speed, load / agents)


def agents_needed(calls: float, period_seconds: float, handle_seconds: float, service_level: float,
                  answer_within_seconds: float) -> int:
    """The fewest agents for which at least ``service_level`` (0–1) of the calls are answered
    within ``answer_within_seconds``; 0 when no calls are expected."""
    _check(calls, period_seconds, handle_seconds, answer_within_seconds)
    if not 0 < service_level < 1:
        raise ValueError(f"service_level must be between 0 and 1 (exclusive), got {service_level}")
    load = traffic(calls, period_seconds, handle_seconds)
    if load == 0:
        return 0
    agents = math.floor(load) + 1
    # One Erlang B step per added agent, so the search costs as much as one evaluation.
    blocking = _erlang_b(load, agents)
    while agents <= MAX_AGENTS:
        waiting = agents * blocking / (agents - load * (1 - blocking))
        if 1 - waiting * math.exp(-(agents - load) * answer_within_seconds / handle_seconds) >= service_level:
            return agents
        agents += 1
        blocking = load * blocking / (agents + load * blocking)
    raise ValueError(f"more than {MAX_AGENTS} agents would be needed")
