"""The call state machine: outcomes, times, and the same result in any arrival order."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schedules
from channels.phone import CallEvent, CallState, LineRules, callback_contact, logged_call_contact

T0 = datetime(2025, 12, 1, 9, 0, tzinfo=timezone.utc)  # Monday 10:00 in Warsaw: the contact centre is open
CONTACT_CENTRE = LineRules(calendar=schedules.builtin("contact-centre"), short_abandon_seconds=10)
CALLER, LINE = "+48501234567", "+48660600700"


def ev(kind: str, seconds: float, *, call_id: str = "c1", direction: str = "in", cause: str = "",
       users=(), at: datetime = T0, answering_number: str = "") -> CallEvent:
    caller, line = (CALLER, LINE) if direction == "in" else (LINE, CALLER)
    return CallEvent(event=kind, call_id=call_id, direction=direction, occurred_at=at + timedelta(seconds=seconds),
                     from_number=caller, to_number=line, from_raw=caller, to_raw=line, users=tuple(users),
                     cause=cause or ("normalClearing" if kind == "hangup" else ""), timestamp_given=True,
                     answering_number=answering_number)


def summary(*events, rules=CONTACT_CENTRE, **options):
    return CallState.of("c1", events, **options).summary(rules)


def test_an_answered_call_has_its_waiting_and_talk_time():
    s = summary(ev("newCall", 0, users=["Anna", "Jan"]), ev("answer", 25, users=["Anna"], answering_number="101"),
                ev("hangup", 205))
    assert (s.state, s.outcome, s.wait_seconds, s.talk_seconds) == ("ended", "answered", 25, 180)
    assert s.offered_users == ("Anna", "Jan") and s.agent_user == "Anna" and s.answering_number == "101"
    assert (s.caller, s.line) == (CALLER, LINE) and not s.needs_callback


@pytest.mark.parametrize("cause, wait, outcome, callback", [
    ("cancel", 40, "abandoned", True),
    ("normalClearing", 40, "abandoned", True),
    ("cancel", 4, "short_abandon", False),
    ("busy", 2, "busy", True),
    ("congestion", 2, "busy", True),
    ("noAnswer", 60, "no_answer", True),
    ("forwarded", 20, "forwarded", False),
    ("notFound", 1, "failed", True),
])
def test_unanswered_inbound_outcomes(cause, wait, outcome, callback):
    s = summary(ev("newCall", 0), ev("hangup", wait, cause=cause))
    assert (s.outcome, s.wait_seconds, s.talk_seconds, s.needs_callback) == (outcome, wait, None, callback)


def test_the_short_abandon_threshold_is_the_lines():
    assert summary(ev("newCall", 0), ev("hangup", 12, cause="cancel")).outcome == "abandoned"
    rules = LineRules(calendar=None, short_abandon_seconds=15)
    assert summary(ev("newCall", 0), ev("hangup", 12, cause="cancel"), rules=rules).outcome == "short_abandon"


def test_out_of_hours_by_the_lines_calendar_even_a_short_call():
    night = datetime(2025, 12, 1, 22, 30, tzinfo=timezone.utc)  # 23:30 in Warsaw
    s = summary(ev("newCall", 0, at=night), ev("hangup", 3, at=night))
    assert s.out_of_hours and s.outcome == "out_of_hours" and s.needs_callback
    no_callbacks = LineRules(calendar=schedules.builtin("contact-centre"), out_of_hours_callbacks=False)
    assert not summary(ev("newCall", 0, at=night), ev("hangup", 3, at=night), rules=no_callbacks).needs_callback
    trading_sunday = datetime(2025, 12, 14, 10, 0, tzinfo=timezone.utc)  # 11:00, a trading Sunday: open
    assert summary(ev("newCall", 0, at=trading_sunday), ev("hangup", 30, at=trading_sunday)).outcome == "abandoned"
    ordinary_sunday = datetime(2025, 11, 30, 10, 0, tzinfo=timezone.utc)
    assert summary(ev("newCall", 0, at=ordinary_sunday), ev("hangup", 30, at=ordinary_sunday)).out_of_hours


def test_rejected_withheld_and_outbound_calls_are_not_called_back():
    assert summary(ev("newCall", 0), ev("hangup", 1), rejected=True).outcome == "rejected"
    withheld = CallEvent(event="hangup", call_id="c1", direction="in", occurred_at=T0, cause="cancel")
    assert not CallState.of("c1", [withheld]).summary(CONTACT_CENTRE).needs_callback
    out = summary(ev("newCall", 0, direction="out"), ev("hangup", 30, direction="out", cause="noAnswer"))
    assert (out.outcome, out.caller, out.needs_callback) == ("no_answer", CALLER, False)


def test_a_call_in_progress_has_no_outcome():
    assert summary(ev("newCall", 0)).state == "ringing" and summary(ev("newCall", 0)).outcome is None
    talking = summary(ev("newCall", 0), ev("answer", 5))
    assert (talking.state, talking.wait_seconds, talking.talk_seconds) == ("talking", 5, None)


def test_an_answer_that_never_comes_and_a_hangup_before_its_new_call():
    lone = summary(ev("hangup", 50, cause="cancel"))  # newCall not (yet) here
    assert lone.state == "ended" and lone.wait_seconds == 0
    later = CallState.of("c1", [ev("hangup", 50, cause="cancel")]).apply(ev("newCall", 0)).summary(CONTACT_CENTRE)
    assert (later.outcome, later.wait_seconds) == ("abandoned", 50)


def test_late_events_without_timestamps_never_make_negative_times():
    s = summary(ev("newCall", 30), ev("answer", 10), ev("hangup", 0))
    assert s.wait_seconds == 0 and s.talk_seconds == 0 and s.outcome == "answered"


def test_an_event_of_another_call_is_refused():
    with pytest.raises(ValueError):
        CallState("c1").apply(ev("newCall", 0, call_id="c2"))


CALLS = [
    [ev("newCall", 0, users=["Anna", "Jan"]), ev("answer", 12, users=["Anna"]), ev("hangup", 100)],
    [ev("newCall", 0), ev("hangup", 45, cause="cancel")],
    [ev("newCall", 0), ev("hangup", 3, cause="cancel")],
    [ev("newCall", 0), ev("hangup", 30, cause="noAnswer")],
    [ev("newCall", 0, at=datetime(2025, 12, 6, 19, 30, tzinfo=timezone.utc)),
     ev("hangup", 20, at=datetime(2025, 12, 6, 19, 30, tzinfo=timezone.utc))],
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CALLS).flatmap(lambda events: st.tuples(
    st.just(events), st.permutations(events + events[:1] + events[-1:]))))
def test_any_arrival_order_with_duplicates_gives_the_same_call(case):
    events, arrival = case
    expected = CallState.of("c1", events).summary(CONTACT_CENTRE)
    state = CallState("c1")
    for event in arrival:
        state = state.apply(event)
        state = state.apply(event)  # a repeat is idempotent
    assert state.summary(CONTACT_CENTRE) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["newCall", "answer", "hangup"]), min_size=1, max_size=8),
       st.lists(st.integers(0, 600), min_size=8, max_size=8), st.randoms(use_true_random=False))
def test_duplicates_differing_in_time_keep_the_earliest_in_any_order(kinds, offsets, rnd):
    events = [ev(kind, offset) for kind, offset in zip(kinds, offsets)]
    shuffled = events[:]
    rnd.shuffle(shuffled)
    a, b = CallState.of("c1", events), CallState.of("c1", shuffled)
    assert a == b and a.summary(CONTACT_CENTRE) == b.summary(CONTACT_CENTRE)
    s = a.summary(CONTACT_CENTRE)
    assert (s.wait_seconds or 0) >= 0 and (s.talk_seconds or 0) >= 0


def test_the_contacts_a_call_becomes():
    missed = summary(ev("newCall", 0), ev("hangup", 40, cause="cancel"))
    contact = callback_contact(missed, line_name="Infolinia")
    assert contact.channel == "phone" and contact.from_phone == CALLER and contact.line == LINE
    assert contact.received_at == T0 and contact.call_id == "c1"
    assert contact.subject == "Nieodebrane połączenie z +48 501 234 567" and "Infolinia" in contact.text
    answered = summary(ev("newCall", 0), ev("answer", 5), ev("hangup", 125))
    logged = logged_call_contact(answered, notes="Pytanie o ratę\nszczegóły", category="payment-problems")
    assert logged.subject == "Pytanie o ratę" and "2 min 0 s" in logged.text
    assert logged.form_category == "payment-problems"
