"""The phone channel in the app: PBX tokens, taking in CTI events, the call log, callbacks, logging calls.

Every event is stored as received (a `PhoneEvent`) before anything else. A job
(`process_events`) works off the stored events a batch at a time: each call's state is
derived again from all its events (`channels.phone.CallState`), so the result is the same
in any arrival order and a repeated event changes nothing. A call that ends unanswered, or
came out of hours, becomes a callback ticket through intake (the same path as every other
contact), or an attempt on the caller's open callback.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Row, and_, bindparam, exists, insert
from sqlalchemy.exc import IntegrityError

from channels.identity import normalise_phone
from channels.phone import (
    CALLBACK_OUTCOMES, CallState, CallSummary, EventRejected, LineRules, callback_contact, logged_call_contact, parse_event,
)
from channels.phone.events import CallEvent
from routing.defaults import CUSTOMER_SERVICE, PHONE_LINES
from helpdesk.core import jobs
from helpdesk.intake import services as intake
from helpdesk.core.extensions import db, execute_autocommit, insert_ignoring_conflicts
from helpdesk.models import Category, Customer, CustomerPhone, Team, Ticket, User
from helpdesk.models.core import OPEN_STATUSES
from helpdesk.models.phone import (
    ATTEMPT_OUTCOMES, AgentPhone, BlockedNumber, Call, Callback, CallbackAttempt, Pbx, PhoneEvent, PhoneLine,
)
from helpdesk.models.types import utcnow
from helpdesk.phone.labels import ATTEMPT_LABELS
from helpdesk.audit import services as audit
from helpdesk.tickets import services as tickets
from helpdesk.calendars.services import get_calendar

log = logging.getLogger(__name__)

CTI_PATH = "/api/v1/cti/"  # + a PBX's token: where it posts its events (answered by phone.api.CtiWebhook)
RINGING_WINDOW = timedelta(minutes=15)  # a call still "ringing" longer than this is not shown as ringing
UNLOGGED_WINDOW = timedelta(days=7)


class PhoneError(ValueError):
    """A change that cannot be made; the message says why (in the staff's language)."""


# --- PBXs and their tokens ---------------------------------------------------------------

def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signing_secret(hashed_token: str) -> bytes:
    """The HMAC key a PBX signs its events with: derived from SECRET_KEY and its token, so it is
    never stored and changes when the token is rotated."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"kontakt cti signing " + hashed_token.encode(), hashlib.sha256).hexdigest().encode()


@dataclass(frozen=True)
class Sender:
    """Who posted an event: a PBX (``pbx_id``; None for the PHONE_WEBHOOK_TOKEN one)."""

    pbx_id: int | None
    hashed_token: str
    require_signature: bool


def sender_for(token: str) -> Sender | None:
    """The PBX a webhook token belongs to, or None (an unknown, inactive or empty token)."""
    if not token:
        return None
    hashed = token_hash(token)
    if _is_fixed_token(hashed):
        return Sender(None, hashed, bool(current_app.config.get("PHONE_WEBHOOK_REQUIRE_SIGNATURE")))
    row = db.session.execute(db.select(Pbx.id, Pbx.require_signature).where(Pbx.token_hash == hashed,
                                                                           Pbx.active.is_(True))).first()
    return Sender(row.id, hashed, row.require_signature) if row else None


def _is_fixed_token(hashed: str) -> bool:
    fixed = current_app.config.get("PHONE_WEBHOOK_TOKEN")
    return bool(fixed) and hmac.compare_digest(hashed, token_hash(fixed))


def create_pbx(actor: User | None, name: str, *, require_signature: bool = False) -> tuple[Pbx, str]:
    """A new PBX and its token (shown once; only the hash is kept)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise PhoneError(_("Give the PBX a name of up to 100 characters."))
    token = "cti_" + secrets.token_urlsafe(32)
    pbx = Pbx(name=name, token_hash=token_hash(token), require_signature=require_signature)
    db.session.add(pbx)
    db.session.flush()
    audit.record(actor, "phone_pbx", pbx.id, "create", name=name, require_signature=require_signature)
    db.session.commit()
    return pbx, token


def rotate_token(actor: User | None, pbx_id: int) -> str:
    """A new token for the PBX; the old one stops working at once."""
    pbx = db.session.get(Pbx, pbx_id)
    if pbx is None:
        raise PhoneError(_("No such PBX."))
    token = "cti_" + secrets.token_urlsafe(32)
    pbx.token_hash, pbx.rotated_at = token_hash(token), utcnow()
    audit.record(actor, "phone_pbx", pbx.id, "rotate-token")
    db.session.commit()
    return token


def update_pbx(actor: User | None, pbx_id: int, *, require_signature: bool, active: bool) -> Pbx:
    pbx = db.session.get(Pbx, pbx_id)
    if pbx is None:
        raise PhoneError(_("No such PBX."))
    pbx.require_signature, pbx.active = require_signature, active
    audit.record(actor, "phone_pbx", pbx.id, "update", require_signature=require_signature, active=active)
    db.session.commit()
    return pbx


# --- taking in events --------------------------------------------------------------------

@dataclass(frozen=True)
class Taken:
    """What the webhook answers: ``reason`` set for a malformed event (400); ``reject`` for a
    newCall from a blocked number."""

    event_id: int
    reason: str | None = None
    reject: bool = False


def _store_statement(from_pbx: bool):
    """The one INSERT that stores an event: for a PBX's token it also checks the token (active,
    and signed when the PBX requires it), storing nothing when it fails; the block list is
    asked inside it too."""
    columns = ["payload", "media_type", "received_at", "status", "reason", "call_id", "event"]
    table = PhoneEvent.__table__
    values = [bindparam(name, type_=table.c[name].type) for name in columns]
    rejected = and_(bindparam("check"), exists().where(BlockedNumber.number == bindparam("caller")))
    if from_pbx:
        source = db.select(Pbx.id, rejected, *values).where(
            Pbx.token_hash == bindparam("token_hash"), Pbx.active.is_(True),
            db.or_(Pbx.require_signature.is_(False), bindparam("signed")))
    else:
        source = db.select(db.null(), rejected, *values)
    return insert(table).from_select(["pbx_id", "rejected", *columns], source).returning(table.c.id, table.c.rejected)


_STORE_EVENT = {True: _store_statement(True), False: _store_statement(False)}  # built once: the busiest writer


def take_event(token: str, body: bytes, media_type: str, *, signed: bool) -> Taken | None:
    """Store one CTI event exactly as received (one statement, which also checks the token),
    then queue its processing. None, storing nothing, for an unknown or inactive token, or an
    unsigned event where the PBX's events must be signed (``signed``: it came with a valid
    signature).

    A malformed event is stored too, as a dead letter with the reason. A newCall from a
    blocked number is marked so that its call's outcome is "rejected".
    """
    hashed = token_hash(token)
    fixed = _is_fixed_token(hashed)
    if fixed and current_app.config.get("PHONE_WEBHOOK_REQUIRE_SIGNATURE") and not signed:
        return None
    now = utcnow()
    try:
        event = parse_event(body, media_type, now)
        reason = None
    except EventRejected as rejected:
        event, reason = None, rejected.reason
    except Exception as error:  # a bug in the parser must not lose the event
        log.exception("CTI event could not be parsed")
        event, reason = None, f"{type(error).__name__}: {error}"
    check = bool(event and event.event == "newCall" and event.direction == "in" and event.caller)
    values = dict(payload=body, media_type=(media_type or "")[:100], received_at=now,
                  status="dead" if reason else "received", reason=reason, check=check,
                  caller=event.caller if check else "", call_id=event.call_id if event else None,
                  event=event.event if event else None, token_hash=hashed, signed=signed)
    if db.session.registry.has():  # nothing of a session's is held across the insert (none is made for it)
        db.session.rollback()
    rows = execute_autocommit(_STORE_EVENT[not fixed], values)
    if not rows:
        return None
    (event_id, reject), = rows
    if reason is None:  # one run for a burst; it gathers a moment first, so a steady stream makes fuller batches
        jobs.enqueue_once(process_events, gather_seconds=current_app.config["PHONE_GATHER_MS"] / 1000)
    return Taken(event_id, reason, bool(reject))


def _parsed(row: Row | PhoneEvent) -> CallEvent:
    """A stored event parsed again (times without a timestamp are the receipt time)."""
    return parse_event(row.payload, row.media_type, row.received_at)


def process_events() -> int:
    """The job: apply the waiting events to their calls, a batch at a time; returns how many.

    Events another worker holds are skipped (SKIP LOCKED). The batch's calls are created if
    new and locked (in call-id order, so two workers never wait on each other in a circle)
    while each one's state is derived from all its events, so no call is written from halves.
    Lines, agents and callers are read once per batch, and rows are read and written as plain
    rows, a statement for all the calls and one for all the events (the ORM's unit of work
    cost more than everything else here). Calls that now need a callback get them after the
    commit, in one job (a failed one is retried, and the sweep looks too).
    """
    batch = current_app.config["PHONE_EVENT_BATCH"]
    events, now = PhoneEvent.__table__, utcnow()
    columns = (events.c.id, events.c.call_id, events.c.payload, events.c.media_type, events.c.received_at,
               events.c.rejected)
    waiting = db.session.execute(db.select(*columns).where(events.c.status == "received").order_by(events.c.id)
                                 .limit(batch).with_for_update(skip_locked=True)).all()
    by_call: dict[str, list[tuple[Row, CallEvent]]] = {}
    taken, dead = [], []
    for row in waiting:
        try:
            by_call.setdefault(row.call_id, []).append((row, _parsed(row)))
            taken.append(row.id)
        except EventRejected as rejected:  # stored as received, yet unreadable: a dead letter
            dead.append({"event_id": row.id, "reason": rejected.reason})
    callbacks = []
    if by_call:
        calls = _lock_calls(sorted(by_call))
        known = _Known(by_call)
        for row in db.session.execute(db.select(*columns).where(events.c.call_id.in_(list(by_call)),
                                                                events.c.status == "processed")):
            by_call[row.call_id].append((row, _parsed(row)))
        written = []
        for call_id, pairs in sorted(by_call.items()):
            call = calls[call_id]
            state = CallState.of(call_id, [event for _, event in pairs], rejected=any(r.rejected for r, _ in pairs))
            line = known.lines.get(state.summary().line)
            summary = state.summary(line_rules(line))
            written.append({"call_pk": call.id, "updated_at": now, **summary_columns(call, summary, line, known)})
            if summary.outcome is not None and not call.callback_done and callback_wanted(
                    call.source, summary.direction, summary.caller, summary.outcome, line):
                callbacks.append(call.id)
        table = Call.__table__
        db.session.execute(db.update(table).where(table.c.id == bindparam("call_pk")), written)
        db.session.execute(db.update(events).where(events.c.id.in_(taken)).values(status="processed", processed_at=now))
    if dead:
        db.session.execute(db.update(events).where(events.c.id == bindparam("event_id"))
                           .values(status="dead", reason=bindparam("reason")), dead)
    db.session.commit()
    if callbacks:  # a job of their own: a failed one is retried, and the next events need not wait
        jobs.enqueue(open_callbacks, callbacks)
    if len(waiting) == batch:
        jobs.enqueue_once(process_events)
    return len(waiting)


def _lock_calls(call_ids: list[str]) -> dict[str, Row]:
    """The calls' rows (id, call id, source, customer, callback done), created where new (a
    concurrent creation is no error), locked FOR UPDATE."""
    table = Call.__table__
    db.session.execute(insert_ignoring_conflicts(table, "call_id"), [{"call_id": call_id} for call_id in call_ids])
    rows = db.session.execute(db.select(table.c.id, table.c.call_id, table.c.source, table.c.customer_id,
                                        table.c.callback_done)
                              .where(table.c.call_id.in_(call_ids)).order_by(table.c.call_id).with_for_update())
    return {row.call_id: row for row in rows}


class _Known:
    """What a batch of calls looks up, read once: the lines, the agents the PBX may name, the callers."""

    def __init__(self, by_call: dict[str, list]):
        self.lines = {line.number: line for line in db.session.scalars(db.select(PhoneLine))}
        self.agents: dict[str, list[int]] = {}  # an extension, a number, a lower-case e-mail or name -> agents
        for user_id, *names in db.session.execute(
                db.select(User.id, AgentPhone.extension, AgentPhone.number, db.func.lower(User.email),
                          db.func.lower(User.name))
                .outerjoin(AgentPhone, AgentPhone.user_id == User.id).where(User.active.is_(True))
                .order_by(User.id)):
            for name in {n for n in names if n}:
                self.agents.setdefault(name, []).append(user_id)
        callers = {event.caller for pairs in by_call.values() for _, event in pairs if event.caller}
        self.customers = dict(db.session.execute(db.select(CustomerPhone.number, CustomerPhone.customer_id)
                                                 .where(CustomerPhone.number.in_(callers))).all()) if callers else {}

    def agents_named(self, names) -> list[int]:
        """The agents the PBX means by these names (in its order): an extension, a phone number,
        an e-mail address or a name."""
        ordered = []
        for name in (n.strip() for n in names if n and n.strip()):
            for key in (name, normalise_phone(name), name.lower()):
                for user_id in self.agents.get(key or "", ()):
                    if user_id not in ordered:
                        ordered.append(user_id)
        return ordered


def line_rules(line: PhoneLine | None) -> LineRules:
    if line is None:  # a number we do not know as a line: the contact centre's hours
        return LineRules(calendar=get_calendar("contact-centre"))
    return LineRules(calendar=get_calendar(line.calendar_name), short_abandon_seconds=line.short_abandon_seconds,
                     out_of_hours_callbacks=line.out_of_hours_callbacks)


def line_by_number(number: str) -> PhoneLine | None:
    return db.session.scalar(db.select(PhoneLine).filter_by(number=number)) if number else None


def summary_columns(call: Row, summary: CallSummary, line: PhoneLine | None, known: _Known) -> dict:
    """The call log row's columns of a call as its events add up (``call``: its id, source and customer)."""
    answered_by = known.agents_named([summary.agent_user, summary.answering_number])
    return {
        "line_id": line.id if line else None, "line_number": summary.line, "caller": summary.caller,
        "direction": summary.direction, "queue": summary.queue[:200], "state": summary.state,
        "offered_users": list(summary.offered_users), "offered_agent_ids": known.agents_named(summary.offered_users),
        "agent_user": summary.agent_user[:200], "answering_number": summary.answering_number[:200],
        "agent_id": answered_by[0] if summary.answered_at and answered_by else None,
        "offered_at": summary.offered_at, "answered_at": summary.answered_at, "ended_at": summary.ended_at,
        "wait_seconds": summary.wait_seconds, "talk_seconds": summary.talk_seconds, "outcome": summary.outcome,
        "cause": summary.cause, "out_of_hours": summary.out_of_hours, "rejected": summary.outcome == "rejected",
        "customer_id": call.customer_id if call.customer_id is not None or not summary.caller
        else known.customers.get(summary.caller),
    }


def summary_of(call: Call) -> CallSummary:
    """A call log row back as the plain summary (for the contact it becomes)."""
    return CallSummary(
        call_id=call.call_id, state=call.state, direction=call.direction, caller=call.caller,
        line=call.line_number, queue=call.queue, offered_users=tuple(call.offered_users or ()),
        agent_user=call.agent_user, answering_number=call.answering_number, offered_at=call.offered_at,
        answered_at=call.answered_at, ended_at=call.ended_at, wait_seconds=call.wait_seconds,
        talk_seconds=call.talk_seconds, outcome=call.outcome, cause=call.cause, out_of_hours=call.out_of_hours,
        needs_callback=needs_callback(call))


def needs_callback(call: Call) -> bool:
    return callback_wanted(call.source, call.direction, call.caller, call.outcome, call.line)


def callback_wanted(source: str, direction: str, caller: str, outcome: str | None, line: PhoneLine | None) -> bool:
    """Whether a call so ended becomes a callback: inbound from a known number, missed (or out
    of hours, where its line opens callbacks for those)."""
    if direction != "in" or not caller or source != "pbx":
        return False
    if outcome == "out_of_hours":
        return line.out_of_hours_callbacks if line else True
    return outcome in CALLBACK_OUTCOMES


# --- callbacks ---------------------------------------------------------------------------

def open_callbacks(call_pks: list[int]) -> dict[str, int]:
    """The job: give missed and out-of-hours calls their callbacks, all at once. A call becomes
    a new ticket on its line's team, or an attempt on the open callback of the same number (a
    number missed twice in one batch gets one ticket). Idempotent: each call's raw contact has
    the call id as its dedup key, so a repeated, concurrent or interrupted run opens nothing
    twice. Returns call id -> ticket id."""
    calls = [call for call in db.session.scalars(
        db.select(Call).where(Call.id.in_(call_pks), Call.callback_done.is_(False)).order_by(Call.id))
        if needs_callback(call)]
    if not calls:
        db.session.rollback()
        return {}
    summaries = {call.id: summary_of(call) for call in calls}
    contacts = {call.id: callback_contact(summaries[call.id], line_name=call.line.name if call.line else "")
                for call in calls}
    default_team = None if all(call.line and call.line.team_id for call in calls) else _default_team_id()
    teams = {call.id: (call.line.team_id if call.line else None) or default_team for call in calls}
    line_ids = {call.id: call.line_id for call in calls}
    raws = dict(zip(summaries, intake.store_raw_many(channel="phone", media_type="application/json", contacts=[
        (f"cti:{call.call_id}"[:100], json.dumps(asdict(summaries[call.id]), default=str, ensure_ascii=False).encode(),
         f"phone-call:{call.call_id}") for call in calls])))  # commits
    open_by_number = {callback.number: callback.ticket_id for callback in db.session.scalars(
        db.select(Callback).join(Ticket, Ticket.id == Callback.ticket_id)
        .where(Callback.number.in_({summary.caller for summary in summaries.values()}), Callback.status == "open",
               Ticket.status.in_(OPEN_STATUSES)).order_by(Callback.id))}
    db.session.rollback()
    ticket_of = {pk: raw.ticket_id for pk, raw in raws.items() if raw.status == "processed" and raw.ticket_id}
    firsts, repeats = {}, []  # caller -> the call that opens their callback; the calls that add attempts
    for pk, summary in summaries.items():
        if pk not in ticket_of:
            if summary.caller in open_by_number or summary.caller in firsts:
                repeats.append(pk)
            else:
                firsts[summary.caller] = pk
    opened = intake.receive_many([(raws[pk].id, contacts[pk], teams[pk]) for pk in firsts.values()])
    for caller, pk in firsts.items():
        if raws[pk].id in opened:
            ticket_of[pk] = open_by_number[caller] = opened[raws[pk].id]
    _add_callbacks({ticket_of[pk]: (summaries[pk], line_ids[pk]) for pk in firsts.values() if pk in ticket_of})
    for pk in repeats:  # another missed call of a number with an open callback: an attempt on it
        caller = summaries[pk].caller
        if caller in open_by_number:
            ticket = intake.receive(raws[pk].id, contacts[pk], thread_to=db.session.get(Ticket, open_by_number[caller]))
            db.session.execute(db.update(Callback).where(Callback.ticket_id == ticket.id)
                               .values(missed_calls=Callback.missed_calls + 1))
            ticket_of[pk] = ticket.id
    customer_of = dict(db.session.execute(db.select(Ticket.id, Ticket.customer_id)
                                          .where(Ticket.id.in_(set(ticket_of.values())))).all())
    for call in db.session.scalars(db.select(Call).where(Call.id.in_(list(ticket_of))).with_for_update()
                                   .execution_options(populate_existing=True)):
        call.ticket_id, call.callback_done = ticket_of[call.id], True
        if call.customer_id is None:
            call.customer_id = customer_of[call.ticket_id]
    db.session.commit()
    return {summaries[pk].call_id: ticket_id for pk, ticket_id in ticket_of.items()}


def _add_callbacks(opened: dict[int, tuple[CallSummary, int | None]]) -> None:
    """The callback rows of newly opened callback tickets (ticket id -> its call and line),
    unless a concurrent run added them."""
    have = set(db.session.scalars(db.select(Callback.ticket_id).where(Callback.ticket_id.in_(list(opened)))))
    db.session.add_all(Callback(ticket_id=ticket_id, number=summary.caller, line_id=line_id,
                                created_at=summary.offered_at or utcnow())
                       for ticket_id, (summary, line_id) in opened.items() if ticket_id not in have)
    db.session.commit()


def _default_team_id() -> int | None:
    return db.session.scalar(db.select(Team.id).filter_by(slug=CUSTOMER_SERVICE))


def callbacks_due(user: User):
    """Open callbacks this member of staff may see, the earliest due first."""
    return db.session.execute(
        tickets.visible_tickets(user).join(Callback, Callback.ticket_id == Ticket.id).add_columns(Callback)
        .where(Ticket.status.in_(OPEN_STATUSES), Callback.status == "open")
        .order_by(Ticket.next_due_at.asc().nulls_last(), Ticket.created_at).limit(500)).all()


def callback_of(ticket_id: int) -> Callback | None:
    return db.session.scalar(db.select(Callback).filter_by(ticket_id=ticket_id))


def record_attempt(ticket_id: int, agent: User, outcome: str, note: str = "") -> CallbackAttempt:
    """An agent's callback attempt. Reaching the customer is a public phone message on the
    ticket, which stops the callback (first response) clock; otherwise the attempt is an
    internal note and the clock runs on."""
    if outcome not in ATTEMPT_OUTCOMES:
        raise PhoneError(_("Unknown outcome of the attempt."))
    callback = callback_of(ticket_id)
    if callback is None:
        raise PhoneError(_("This ticket is not a callback."))
    note = (note or "").strip()[:5000]
    attempt = CallbackAttempt(callback_id=callback.id, agent_id=agent.id, outcome=outcome, note=note, at=utcnow())
    db.session.add(attempt)
    reached = outcome == "reached"
    if reached:
        callback.status, callback.reached_at = "reached", attempt.at
        text = _("Called back, the customer was reached.")
    else:
        text = _("Callback attempt: %(outcome)s.", outcome=attempt_label(outcome))
    tickets.reply(ticket_id, agent, text + (f"\n\n{note}" if note else ""), internal=not reached)  # commits
    return attempt


def attempt_label(outcome: str) -> str:
    return str(ATTEMPT_LABELS.get(outcome, outcome))


def dial_url(number: str, agent: User | None = None, line: PhoneLine | None = None) -> str:
    """The link that calls a number: the line's click-to-dial URL when it has one, else tel:."""
    if line is not None and line.click_to_dial_url:
        extension = ""
        if agent is not None:
            extension = db.session.scalar(db.select(AgentPhone.extension).filter_by(user_id=agent.id)) or ""
        from urllib.parse import quote

        return line.click_to_dial_url.replace("{number}", quote(number)).replace("{extension}", quote(extension))
    return f"tel:{number}"


# --- the agent's screen: ringing calls, calls to log ---------------------------------------

def ringing_for(user: User, now: datetime | None = None) -> list[Call]:
    """Calls offered to or answered by this agent that have not ended (the newest first)."""
    now = now or utcnow()
    rows = db.session.scalars(db.select(Call).where(Call.state != "ended", Call.offered_at >= now - RINGING_WINDOW)
                              .order_by(Call.offered_at.desc()).limit(200)).all()
    return [c for c in rows if c.agent_id == user.id or (c.agent_id is None and user.id in (c.offered_agent_ids or []))]


def unlogged_for(user: User, now: datetime | None = None) -> list[Call]:
    """Answered calls of this agent that ended without being logged on a ticket."""
    now = now or utcnow()
    return db.session.scalars(db.select(Call).where(
        Call.agent_id == user.id, Call.state == "ended", Call.outcome == "answered", Call.ticket_id.is_(None),
        Call.dismissed.is_(False), Call.ended_at >= now - UNLOGGED_WINDOW).order_by(Call.ended_at.desc())).all()


@dataclass
class CallerCard:
    """What the agent sees of a caller: the customer (None: an unknown number), their open
    tickets, their recent calls."""

    call: Call
    customer: Customer | None
    open_tickets: list[Ticket]
    recent_calls: list[Call]


def caller_card(call: Call, user: User) -> CallerCard:
    customer = db.session.get(Customer, call.customer_id) if call.customer_id else None
    if customer is None and call.caller:
        customer = db.session.scalar(db.select(Customer).join(CustomerPhone).where(CustomerPhone.number == call.caller))
    open_tickets = []
    if customer is not None:
        open_tickets = db.session.scalars(tickets.visible_tickets(user).where(
            Ticket.customer_id == customer.id, Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.created_at.desc()).limit(10)).all()
    recent = db.session.scalars(db.select(Call).where(Call.caller == call.caller, Call.id != call.id)
                                .order_by(Call.offered_at.desc()).limit(5)).all() if call.caller else []
    return CallerCard(call, customer, open_tickets, recent)


def dismiss(call_pk: int, user: User) -> None:
    call = own_call(call_pk, user)
    call.dismissed = True
    db.session.commit()


def own_call(call_pk: int, user: User) -> Call:
    call = db.session.get(Call, call_pk)
    if call is None or not (call.agent_id == user.id or user.id in (call.offered_agent_ids or [])
                            or call.logged_by_id == user.id or user.has_role("lead", "manager", "admin")):
        raise PhoneError(_("No such call."))
    return call


def log_call(call_pk: int, agent: User, *, ticket_id: int | None, notes: str, category: str | None) -> Ticket:
    """Put a call on a ticket: an existing one of the caller's, or a new one; the agent's notes
    are their message on it (a call answered is a response), the category is set if given.
    Logging the same call again returns its ticket."""
    call = own_call(call_pk, agent)
    if call.ticket_id is not None and call.logged_at is not None:
        return db.session.get(Ticket, call.ticket_id)
    if category and db.session.scalar(db.select(Category.id).filter_by(slug=category)) is None:
        raise PhoneError(_("Unknown category."))
    target = None
    if ticket_id is not None:
        target = db.session.get(Ticket, ticket_id)
        if target is None or not tickets.can_see(agent, target):
            raise PhoneError(_("No such ticket."))
    notes = (notes or "").strip()[:10000]
    customer = db.session.get(Customer, call.customer_id) if call.customer_id else None
    summary, line = summary_of(call), call.line
    contact = logged_call_contact(summary, from_name=customer.name if customer else "", notes=notes,
                                  category=category)
    payload = json.dumps(asdict(summary), default=str, ensure_ascii=False).encode()
    stored, _created = intake.store_raw(channel="phone", source=f"call:{agent.id}", payload=payload,
                                        media_type="application/json", dedup_key=f"phone-log:{call.call_id}")
    if stored.status == "processed" and stored.ticket_id:
        ticket = db.session.get(Ticket, stored.ticket_id)
    else:
        ticket = intake.receive(stored.id, contact, thread_to=target,
                                team_id=(line.team_id if line else None) or _default_team_id())
    if notes:
        tickets.reply(ticket.id, agent, notes)
    if category and (ticket.category is None or ticket.category.slug != category):
        tickets.update_fields(ticket.id, agent, category=category)
    call = db.session.get(Call, call_pk, populate_existing=True)
    call.ticket_id, call.notes, call.logged_at, call.logged_by_id = ticket.id, notes, utcnow(), agent.id
    if call.customer_id is None:
        call.customer_id = ticket.customer_id
    db.session.commit()
    return ticket


def log_manual_call(agent: User, *, number: str, direction: str, started_at: datetime, talk_minutes: int,
                    ticket_id: int | None, notes: str, category: str | None) -> Ticket:
    """A call the PBX did not report (another phone, a PBX without CTI), logged by hand."""
    caller = normalise_phone(number or "")
    if caller is None:
        raise PhoneError(_("Enter a phone number such as 660 600 700 or +48 22 206 21 21."))
    if direction not in ("in", "out"):
        raise PhoneError(_("Unknown direction."))
    ended = started_at + timedelta(minutes=max(0, talk_minutes))
    call = Call(call_id=f"manual-{uuid.uuid4().hex}", source="manual", caller=caller, direction=direction,
                state="ended", offered_at=started_at, answered_at=started_at, ended_at=ended, wait_seconds=0,
                talk_seconds=int((ended - started_at).total_seconds()), outcome="answered", agent_id=agent.id,
                offered_users=[], offered_agent_ids=[agent.id],
                customer_id=db.session.scalar(db.select(CustomerPhone.customer_id).filter_by(number=caller)))
    db.session.add(call)
    db.session.commit()
    return log_call(call.id, agent, ticket_id=ticket_id, notes=notes, category=category)


def calls_of_ticket(ticket_id: int) -> list[Call]:
    return db.session.scalars(db.select(Call).filter_by(ticket_id=ticket_id).order_by(Call.offered_at)).all()


# --- the call log ------------------------------------------------------------------------

@dataclass(frozen=True)
class CallFilter:
    since: datetime | None = None
    until: datetime | None = None
    line_id: int | None = None
    outcome: str | None = None
    agent_id: int | None = None
    direction: str | None = None
    number: str | None = None  # E.164


def call_log(filters: CallFilter, *, limit: int = 100, offset: int = 0) -> list[Call]:
    query = db.select(Call)
    if filters.since:
        query = query.where(Call.offered_at >= filters.since)
    if filters.until:
        query = query.where(Call.offered_at < filters.until)
    for column, value in ((Call.line_id, filters.line_id), (Call.outcome, filters.outcome),
                          (Call.agent_id, filters.agent_id), (Call.direction, filters.direction),
                          (Call.caller, filters.number)):
        if value is not None:
            query = query.where(column == value)
    return db.session.scalars(query.order_by(Call.offered_at.desc().nulls_last(), Call.id.desc())
                              .limit(limit).offset(offset)).all()


def call_json(call: Call) -> dict:
    """A call as the API gives it (instants in UTC, ISO 8601)."""
    def iso(value):
        return value.isoformat() if value else None

    return {
        "id": call.id, "call_id": call.call_id, "source": call.source, "direction": call.direction,
        "line": call.line_number, "line_name": call.line.name if call.line else None, "caller": call.caller,
        "queue": call.queue, "state": call.state, "agent": {"id": call.agent.id, "name": call.agent.name}
        if call.agent else None, "offered_at": iso(call.offered_at), "answered_at": iso(call.answered_at),
        "ended_at": iso(call.ended_at), "wait_seconds": call.wait_seconds, "talk_seconds": call.talk_seconds,
        "outcome": call.outcome, "cause": call.cause, "out_of_hours": call.out_of_hours,
        "ticket": Ticket.number_of(call.ticket_id) if call.ticket_id else None, "notes": call.notes,
    }


# --- dead letters ------------------------------------------------------------------------

def dead_letters(limit: int = 500) -> list[PhoneEvent]:
    return db.session.scalars(db.select(PhoneEvent).filter_by(status="dead")
                              .order_by(PhoneEvent.id.desc()).limit(limit)).all()


def replay(event_id: int, actor: User | None) -> str | None:
    """Take a dead letter in again (after the parser or a line was fixed); the reason it is
    still refused, or None when it was queued."""
    row = db.session.get(PhoneEvent, event_id)
    if row is None or row.status != "dead":
        raise PhoneError(_("No such dead letter."))
    try:
        event = _parsed(row)
    except EventRejected as rejected:
        row.reason = rejected.reason
        db.session.commit()
        return rejected.reason
    row.status, row.reason, row.call_id, row.event = "received", None, event.call_id, event.event
    audit.record(actor, "phone_event", row.id, "replay")
    db.session.commit()
    jobs.enqueue_once(process_events)
    return None


# --- lines, the block list, agents' extensions -------------------------------------------------

DEFAULT_LINE_NAMES = {"+48660600700": "Infolinia 660 600 700", "+48222062121": "Infolinia 22 206 21 21"}


def ensure_default_lines() -> None:
    """The two published lines, on customer service, if missing (inside the caller's transaction)."""
    existing = set(db.session.scalars(db.select(PhoneLine.number)))
    team_id = _default_team_id()
    for number in PHONE_LINES:
        if number not in existing:
            db.session.add(PhoneLine(number=number, name=DEFAULT_LINE_NAMES.get(number, number), team_id=team_id))


def save_line(actor: User | None, line_id: int | None, *, number: str, name: str, team: str | None,
              calendar_name: str, short_abandon_seconds: int, out_of_hours_callbacks: bool,
              click_to_dial_url: str, active: bool) -> PhoneLine:
    e164 = normalise_phone(number)
    if e164 is None:
        raise PhoneError(_("Enter a phone number such as 660 600 700 or +48 22 206 21 21."))
    try:
        get_calendar(calendar_name)
    except ValueError:
        raise PhoneError(_("Unknown calendar.")) from None
    url = (click_to_dial_url or "").strip()
    if url and not url.startswith(("https://", "http://")):
        raise PhoneError(_("The click-to-dial URL must start with https:// or http://."))
    line = db.session.get(PhoneLine, line_id) if line_id else PhoneLine()
    if line is None:
        raise PhoneError(_("No such line."))
    other = db.session.scalar(db.select(PhoneLine).filter_by(number=e164))
    if other is not None and other is not line:
        raise PhoneError(_("This number is already a line."))
    team_id = db.session.scalar(db.select(Team.id).filter_by(slug=team)) if team else None
    line.number, line.name, line.team_id, line.calendar_name = e164, name.strip()[:200] or e164, team_id, calendar_name
    line.short_abandon_seconds, line.out_of_hours_callbacks = short_abandon_seconds, out_of_hours_callbacks
    line.click_to_dial_url, line.active = url[:500], active
    db.session.add(line)
    db.session.flush()
    audit.record(actor, "phone_line", line.id, "save", number=e164, team=team, calendar=calendar_name,
                 short_abandon_seconds=short_abandon_seconds, out_of_hours_callbacks=out_of_hours_callbacks)
    db.session.commit()
    return line


def block_number(actor: User | None, number: str, reason: str = "") -> BlockedNumber:
    e164 = normalise_phone(number or "")
    if e164 is None:
        raise PhoneError(_("Enter a phone number such as 660 600 700 or +48 22 206 21 21."))
    row = db.session.scalar(db.select(BlockedNumber).filter_by(number=e164))
    if row is None:
        row = BlockedNumber(number=e164, reason=(reason or "").strip()[:200])
        db.session.add(row)
        audit.record(actor, "phone_block", e164, "add", reason=row.reason)
        db.session.commit()
    return row


def unblock_number(actor: User | None, block_id: int) -> None:
    row = db.session.get(BlockedNumber, block_id)
    if row is not None:
        audit.record(actor, "phone_block", row.number, "remove")
        db.session.delete(row)
        db.session.commit()


def set_agent_phone(actor: User | None, user_id: int, *, extension: str, number: str) -> AgentPhone:
    user = db.session.get(User, user_id)
    if user is None:
        raise PhoneError(_("Unknown agent."))
    e164 = normalise_phone(number) if number.strip() else None
    if number.strip() and e164 is None:
        raise PhoneError(_("Enter a phone number such as 660 600 700 or +48 22 206 21 21."))
    row = db.session.get(AgentPhone, user_id) or AgentPhone(user_id=user_id)
    row.extension, row.number = extension.strip()[:32] or None, e164
    db.session.add(row)
    audit.record(actor, "phone_agent", user_id, "save", extension=row.extension, number=row.number)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise PhoneError(_("This extension or number belongs to another agent.")) from None
    return row


# --- simulated days (the demo data, `helpdesk phone simulate --direct`) ----------------------

def load_simulated_days(first: date, last: date, *, scale: float = 1.0, seed: int = 0,
                        callbacks_since: datetime | None = None) -> int:
    """Store and process the CTI events of simulated days (channels.phone.simulation), as the
    webhook would have received them; returns how many calls. Missed calls that ended before
    ``callbacks_since`` count as called back already (no ticket), so weeks of history do not
    leave hundreds of open callbacks."""
    from urllib.parse import urlencode

    from channels.phone.simulation import day_of_calls

    lines = list(db.session.scalars(db.select(PhoneLine.number).filter_by(active=True))) or list(PHONE_LINES)
    agents = list(db.session.scalars(db.select(User.email).filter_by(role="agent", active=True)))
    calendar = get_calendar("contact-centre")
    rows, handled, calls = [], set(), set()
    day = first
    while day <= last:
        for item in day_of_calls(day, lines=lines, agents=agents, seed=seed + day.toordinal(), scale=scale,
                                 is_open=calendar.is_open):
            fields = {**item.fields, "timestamp": item.at.astimezone(timezone.utc).isoformat()}
            calls.add(fields["callId"])
            if callbacks_since and fields["event"] == "hangup" and item.at < callbacks_since:
                handled.add(fields["callId"])
            rows.append(dict(pbx_id=None, payload=urlencode(fields, doseq=True).encode(), status="received",
                             media_type="application/x-www-form-urlencoded", received_at=item.at, rejected=False,
                             call_id=fields["callId"], event=fields["event"]))
        day += timedelta(days=1)
    if handled:
        db.session.execute(insert(Call.__table__), [{"call_id": c, "callback_done": True} for c in sorted(handled)])
    if rows:
        db.session.execute(insert(PhoneEvent.__table__), rows)
    db.session.commit()
    while db.session.scalar(db.select(PhoneEvent.id).filter_by(status="received").limit(1)) is not None:
        process_events()
    return len(calls)
