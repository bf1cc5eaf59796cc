"""Erlang C against published examples and against the textbook formula computed exactly."""
from __future__ import annotations

import math
from fractions import Fraction

import pytest

from schedules.staffing import agents_needed, erlang_c


def test_the_published_example_of_360_calls_in_half_an_hour():
    # 360 calls / 30 min, 240 s handle time = 48 erlangs; 55 agents.
    result = erlang_c(calls=360, period_seconds=1800, handle_seconds=240, agents=55, answer_within_seconds=15)
    assert result.traffic_erlangs == pytest.approx(48.0)
    assert result.probability_of_waiting == pytest.approx(0.239, abs=0.0005)
    assert result.service_level == pytest.approx(0.846, abs=0.0005)
    assert result.average_speed_of_answer == pytest.approx(8.2, abs=0.05)
    assert result.occupancy == pytest.approx(48 / 55)


def test_54_agents_are_the_fewest_for_80_percent_in_20_seconds():
    assert agents_needed(360, 1800, 240, 0.8, 20) == 54
    assert erlang_c(360, 1800, 240, 54, 20).service_level >= 0.8
    assert erlang_c(360, 1800, 240, 53, 20).service_level < 0.8


def test_one_agent_is_the_single_server_queue():
    # M/M/1: P(wait) = utilisation, ASA = utilisation / (1 - utilisation) × handle time.
    result = erlang_c(10, 3600, 240, 1, 20)
    assert result.probability_of_waiting == pytest.approx(2 / 3)
    assert result.average_speed_of_answer == pytest.approx(480)
    assert result.service_level == pytest.approx(1 - (2 / 3) * math.exp(-(1 / 3) * 20 / 240))


def _textbook(load: Fraction, agents: int) -> float:
    """C(N, A) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)), exactly in fractions."""
    top = load ** agents / math.factorial(agents) * Fraction(agents) / (agents - load)
    return float(top / (sum(load ** k / math.factorial(k) for k in range(agents)) + top))


@pytest.mark.parametrize("calls,agents", [(150, 12), (30, 3), (900, 70), (40, 4)])
def test_agrees_with_the_factorial_formula(calls, agents):
    # period 3600 s, handle 240 s: load = calls / 15 erlangs
    result = erlang_c(calls, 3600, 240, agents, 20)
    assert result.probability_of_waiting == pytest.approx(_textbook(Fraction(calls, 15), agents), rel=1e-9)


def test_hundreds_of_agents_without_overflow():
    # 3000 erlangs: A^N/N! overflows a float long before this; the recursion does not.
    needed = agents_needed(calls=45_000, period_seconds=3600, handle_seconds=240, service_level=0.9,
                           answer_within_seconds=20)
    assert 3000 < needed < 3100
    at = erlang_c(45_000, 3600, 240, needed, 20)
    assert at.service_level >= 0.9 and 0 < at.probability_of_waiting < 1
    assert erlang_c(45_000, 3600, 240, needed - 1, 20).service_level < 0.9


def test_too_few_agents_means_everyone_waits_and_no_calls_need_no_one():
    overloaded = erlang_c(360, 1800, 240, 48, 20)
    assert overloaded.probability_of_waiting == 1 and overloaded.service_level == 0
    assert math.isinf(overloaded.average_speed_of_answer)
    assert agents_needed(0, 3600, 240, 0.8, 20) == 0
    assert erlang_c(0, 3600, 240, 0, 20).service_level == 1


@pytest.mark.parametrize("kwargs", [dict(period_seconds=0), dict(handle_seconds=-1), dict(calls=-5),
                                    dict(answer_within_seconds=-1)])
def test_bad_input_is_refused(kwargs):
    args = dict(calls=10, period_seconds=3600, handle_seconds=240, answer_within_seconds=20) | kwargs
    with pytest.raises(ValueError):
        erlang_c(agents=3, **args)
    with pytest.raises(ValueError):
        agents_needed(service_level=0.8, **args)


@pytest.mark.parametrize("target", [0, 1, 1.5, -0.2])
def test_a_service_level_target_outside_0_to_1_is_refused(target):
    with pytest.raises(ValueError):
        agents_needed(10, 3600, 240, target, 20)
