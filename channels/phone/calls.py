"""A call's state from its CTI events, whatever order they arrive in, and its outcome.

`CallState` keeps, of each kind of event (newCall, answer, hangup), the earliest one; so
applying events is commutative and idempotent: any permutation of the same events, with
any of them repeated, gives the same state. `CallState.summary` derives the instants, the
waiting and talk times and the outcome from that state and the line's rules (its calendar,
the short-abandon threshold, whether out-of-hours calls are called back).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from schedules import Calendar
from channels.contact import InboundContact
from channels.phone.events import CallEvent

OUTCOMES = ("answered", "abandoned", "short_abandon", "busy", "no_answer", "forwarded", "out_of_hours",
            "rejected", "failed")
# Inbound calls that end so are called back (out of hours only where the line says so).
CALLBACK_OUTCOMES = ("abandoned", "busy", "no_answer", "failed")
STATES = ("ringing", "talking", "ended")
_KINDS = {"newCall": "new_call", "answer": "answer", "hangup": "hangup"}


@dataclass(frozen=True)
class LineRules:
    """What a line decides about its calls."""

    calendar: Calendar | None = None  # None: always open
    short_abandon_seconds: int = 10  # a caller hanging up sooner is a short abandon, not called back
    out_of_hours_callbacks: bool = True


@dataclass(frozen=True)
class CallSummary:
    """What the call log stores of a call. Instants are aware UTC; seconds are whole."""

    call_id: str
    state: str  # ringing, talking, ended
    direction: str
    caller: str  # E.164, "" when withheld
    line: str  # E.164 of our number
    queue: str
    offered_users: tuple[str, ...]
    agent_user: str  # who answered, as the PBX names them
    answering_number: str
    offered_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: int | None
    talk_seconds: int | None
    outcome: str | None  # one of OUTCOMES once ended
    cause: str
    out_of_hours: bool
    needs_callback: bool


def _key(event: CallEvent) -> tuple:
    """The order in which duplicates of one kind are preferred: the earliest, then a fixed tie-break."""
    return (event.occurred_at, event.from_raw, event.to_raw, event.users, event.queue, event.answering_number,
            event.cause, event.direction)


@dataclass(frozen=True)
class CallState:
    call_id: str
    new_call: CallEvent | None = None
    answer: CallEvent | None = None
    hangup: CallEvent | None = None
    rejected: bool = False  # we answered the newCall with "reject" (a blocked number)

    def apply(self, event: CallEvent) -> "CallState":
        """The state with ``event`` taken into account (an event of another call is an error)."""
        if event.call_id != self.call_id:
            raise ValueError(f"event of call {event.call_id!r} applied to call {self.call_id!r}")
        kind = _KINDS[event.event]
        held = getattr(self, kind)
        if held is not None and _key(held) <= _key(event):
            return self
        return replace(self, **{kind: event})

    @classmethod
    def of(cls, call_id: str, events, *, rejected: bool = False) -> "CallState":
        state = cls(call_id, rejected=rejected)
        for event in events:
            state = state.apply(event)
        return state

    def _first(self, attribute: str) -> str:
        for event in (self.new_call, self.answer, self.hangup):
            if event is not None and getattr(event, attribute):
                return getattr(event, attribute)
        return ""

    def summary(self, rules: LineRules = LineRules()) -> CallSummary:
        events = [e for e in (self.new_call, self.answer, self.hangup) if e is not None]
        if not events:
            raise ValueError(f"call {self.call_id!r} has no events")
        direction = next(e.direction for e in events)
        offered_at = self.new_call.occurred_at if self.new_call else min(e.occurred_at for e in events)
        answered_at = max(self.answer.occurred_at, offered_at) if self.answer else None
        ended_at = max(self.hangup.occurred_at, answered_at or offered_at) if self.hangup else None
        wait = None
        if answered_at or ended_at:
            wait = int(((answered_at or ended_at) - offered_at).total_seconds())
        talk = int((ended_at - answered_at).total_seconds()) if answered_at and ended_at else None
        out_of_hours = direction == "in" and rules.calendar is not None and not rules.calendar.is_open(offered_at)
        cause = self.hangup.cause if self.hangup else ""
        outcome = None
        if ended_at is not None:
            outcome = _outcome(direction, answered=self.answer is not None, rejected=self.rejected,
                               out_of_hours=out_of_hours, cause=cause, wait=wait or 0, rules=rules)
        caller = self._first("from_number") if direction == "in" else self._first("to_number")
        line = self._first("to_number") if direction == "in" else self._first("from_number")
        needs_callback = bool(direction == "in" and caller and (
            outcome in CALLBACK_OUTCOMES or (outcome == "out_of_hours" and rules.out_of_hours_callbacks)))
        agent_user = self.answer.users[0] if self.answer and self.answer.users else ""
        return CallSummary(
            call_id=self.call_id, state="ended" if ended_at else ("talking" if answered_at else "ringing"),
            direction=direction, caller=caller, line=line, queue=self._first("queue"),
            offered_users=self.new_call.users if self.new_call else (self.answer.users if self.answer else ()),
            agent_user=agent_user,
            answering_number=(self.answer.answering_number if self.answer else "") or self._first("answering_number"),
            offered_at=offered_at, answered_at=answered_at, ended_at=ended_at, wait_seconds=wait, talk_seconds=talk,
            outcome=outcome, cause=cause, out_of_hours=out_of_hours, needs_callback=needs_callback)


def _outcome(direction: str, *, answered: bool, rejected: bool, out_of_hours: bool, cause: str, wait: int,
             rules: LineRules) -> str:
    if rejected:
        return "rejected"
    if answered:
        return "answered"
    if direction == "out":
        return "busy" if cause in ("busy", "congestion") else "no_answer"
    if out_of_hours:
        return "out_of_hours"
    if cause in ("busy", "congestion"):
        return "busy"
    if cause == "forwarded":
        return "forwarded"
    if cause == "noAnswer":
        return "no_answer"
    if cause == "notFound":
        return "failed"
    return "short_abandon" if wait < rules.short_abandon_seconds else "abandoned"


# --- the contact a call becomes ----------------------------------------------------------

_SUBJECTS = {
    "out_of_hours": "Połączenie poza godzinami otwarcia",
    "abandoned": "Nieodebrane połączenie",
    "busy": "Nieodebrane połączenie (zajęte)",
    "no_answer": "Nieodebrane połączenie",
    "failed": "Nieudane połączenie",
}


_MOBILE_PREFIXES = ("45", "50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88")


def display_number(number: str) -> str:
    """A number as people read it: "+48 660 600 700", "+48 22 206 21 21" (others as given)."""
    if number.startswith("+48") and len(number) == 12:
        national = number[3:]
        if national[:2] in _MOBILE_PREFIXES:
            return f"+48 {national[:3]} {national[3:6]} {national[6:]}"
        return f"+48 {national[:2]} {national[2:5]} {national[5:7]} {national[7:]}"
    return number


def callback_contact(summary: CallSummary, *, line_name: str = "") -> InboundContact:
    """The inbound contact a missed or out-of-hours call becomes (a callback ticket, or an
    attempt on the caller's open one). Received at the instant the call was offered."""
    subject = f"{_SUBJECTS.get(summary.outcome or '', 'Połączenie')} z {display_number(summary.caller)}"
    when = summary.offered_at.isoformat(timespec="seconds") if summary.offered_at else ""
    lines = [f"{subject}.", f"Linia: {display_number(summary.line)}{f' ({line_name})' if line_name else ''}",
             f"Czas: {when} (UTC)", f"Oczekiwanie: {summary.wait_seconds or 0} s"]
    if summary.queue:
        lines.append(f"Kolejka: {summary.queue}")
    if summary.cause:
        lines.append(f"Przyczyna: {summary.cause}")
    return InboundContact(channel="phone", received_at=summary.offered_at, line=summary.line,
                          from_phone=summary.caller, subject=subject, text="\n".join(lines),
                          call_id=summary.call_id, extra={"outcome": summary.outcome})


def logged_call_contact(summary: CallSummary, *, from_name: str = "", notes: str = "",
                        category: str | None = None) -> InboundContact:
    """The inbound contact of a call an agent logs onto a ticket (what the call was; the agent's
    notes go on the ticket as their own message)."""
    minutes, seconds = divmod(summary.talk_seconds or 0, 60)
    subject = (notes.strip().splitlines() or [""])[0][:80] or f"Rozmowa telefoniczna z {display_number(summary.caller)}"
    text = (f"Rozmowa telefoniczna ({'przychodząca' if summary.direction == 'in' else 'wychodząca'}) "
            f"z {display_number(summary.caller) or 'numerem zastrzeżonym'}, {minutes} min {seconds} s.")
    return InboundContact(channel="phone", received_at=summary.offered_at, line=summary.line,
                          from_phone=summary.caller, from_name=from_name, subject=subject, text=text,
                          call_id=summary.call_id, form_category=category)
