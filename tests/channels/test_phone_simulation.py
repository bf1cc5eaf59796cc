"""The simulated day of calls: its shape follows the seed documents' description of the phone load."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone

import schedules
from channels.phone import CallState, LineRules, event_from_fields
from channels.phone.simulation import WARSAW, day_of_calls

LINES = ["+48660600700", "+48222062121"]
CONTACT_CENTRE = schedules.builtin("contact-centre")


def calls_of(day: date, scale: float = 3.0):
    events = day_of_calls(day, lines=LINES, agents=["a@x.pl", "b@x.pl"], seed=7, scale=scale,
                          is_open=CONTACT_CENTRE.is_open)
    by_call = {}
    for item in events:
        fields = {k: v if isinstance(v, list) else [v] for k, v in item.fields.items()}
        fields["timestamp"] = [item.at.isoformat()]
        event = event_from_fields({k.removesuffix("[]"): v for k, v in fields.items()}, datetime.now(timezone.utc))
        by_call.setdefault(event.call_id, []).append(event)
    return [CallState.of(call_id, evs).summary(LineRules(calendar=CONTACT_CENTRE)) for call_id, evs in by_call.items()]


def test_monday_morning_and_evening_are_busy_midday_is_quiet():
    calls = calls_of(date(2025, 12, 1))
    hours = Counter(c.offered_at.astimezone(WARSAW).hour for c in calls)
    morning, midday, evening = (sum(hours[h] for h in span) for span in ((9, 10, 11), (12, 13, 14), (17, 18, 19)))
    assert morning > 1.5 * midday and evening > 1.5 * midday
    tuesday = Counter(c.offered_at.astimezone(WARSAW).hour for c in calls_of(date(2025, 12, 2)))
    assert morning > sum(tuesday[h] for h in (9, 10, 11))


def test_some_calls_come_out_of_hours_and_longer_waits_are_abandoned_more():
    calls = [c for d in range(1, 6) for c in calls_of(date(2025, 12, d))]
    assert 0 < sum(c.outcome == "out_of_hours" for c in calls) < len(calls) / 10
    inside = [c for c in calls if not c.out_of_hours]
    answered = [c.wait_seconds for c in inside if c.outcome == "answered"]
    given_up = [c.wait_seconds for c in inside if c.outcome in ("abandoned", "short_abandon", "no_answer")]
    assert answered and given_up and 0.05 < len(given_up) / len(inside) < 0.4
    assert sorted(given_up)[len(given_up) // 2] > sorted(answered)[len(answered) // 2] * 0.5


def test_the_same_seed_gives_the_same_day():
    assert day_of_calls(date(2025, 12, 1), lines=LINES, agents=[], seed=1) == \
        day_of_calls(date(2025, 12, 1), lines=LINES, agents=[], seed=1)
