"""The phone channel: lines, PBXs and their tokens, CTI events as received, the call log, callbacks.

The call log (`calls`) is read by the reports; its columns are plain on purpose:
``offered_at``, ``answered_at``, ``ended_at`` (UTC instants: start, answer, end), ``line_id`` and
``line_number`` (E.164), ``queue``, ``agent_id`` (the agent who answered), ``outcome`` (one of
channels.phone.OUTCOMES, NULL while the call lasts), ``wait_seconds`` (offered to answered, or to
the hangup when unanswered), ``talk_seconds`` (answered to hangup), ``direction`` ("in"/"out"),
``out_of_hours``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.core.extensions import db
from helpdesk.models.core import Team, Ticket, User
from helpdesk.models.types import UTCDateTime, utcnow

EVENT_STATUSES = ("received", "processed", "dead")  # dead: malformed, kept for the admin to replay
CALLBACK_STATUSES = ("open", "reached", "closed")
ATTEMPT_OUTCOMES = ("reached", "no_answer", "busy", "voicemail", "wrong_number")


class PhoneLine(db.Model):
    """A published number customers call: its team, calendar and callback rules."""

    __tablename__ = "phone_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    name: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    calendar_name: Mapped[str] = mapped_column(String(64), default="contact-centre")
    short_abandon_seconds: Mapped[int] = mapped_column(default=10)
    out_of_hours_callbacks: Mapped[bool] = mapped_column(default=True)
    # The PBX's click-to-dial URL, with {number} (and {extension}) filled in; empty: a tel: link.
    click_to_dial_url: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)

    team: Mapped[Team | None] = relationship()


class Pbx(db.Model):
    """A PBX that posts CTI events; only the SHA-256 of its token is stored."""

    __tablename__ = "phone_pbxes"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    require_signature: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PhoneEvent(db.Model):
    """A CTI event exactly as received, stored before anything else; the dead letters too."""

    __tablename__ = "phone_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    pbx_id: Mapped[int | None] = mapped_column(ForeignKey("phone_pbxes.id", ondelete="SET NULL"))
    call_id: Mapped[str | None] = mapped_column(String(100), index=True)  # None: unreadable
    event: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    media_type: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default="received")  # one of EVENT_STATUSES
    reason: Mapped[str | None] = mapped_column(Text)
    rejected: Mapped[bool] = mapped_column(default=False)  # we answered this newCall with "reject"
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    pbx: Mapped[Pbx | None] = relationship()


class Call(db.Model):
    """One call of the call log (see the module docstring for the columns reports read)."""

    __tablename__ = "calls"
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(100), unique=True)  # the PBX's, or "manual-…"
    source: Mapped[str] = mapped_column(String(8), default="pbx")  # "pbx" or "manual" (logged by hand)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("phone_lines.id", ondelete="SET NULL"), index=True)
    line_number: Mapped[str] = mapped_column(String(20), default="")
    caller: Mapped[str] = mapped_column(String(20), default="", index=True)  # the customer's number; "" withheld
    direction: Mapped[str] = mapped_column(String(3), default="in")
    queue: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(8), default="ringing")  # ringing, talking, ended
    offered_users: Mapped[list] = mapped_column(JSON, default=list)  # as the PBX names them
    offered_agent_ids: Mapped[list] = mapped_column(JSON, default=list)
    agent_user: Mapped[str] = mapped_column(String(200), default="")
    answering_number: Mapped[str] = mapped_column(String(200), default="")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wait_seconds: Mapped[int | None] = mapped_column()
    talk_seconds: Mapped[int | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(16), index=True)
    cause: Mapped[str] = mapped_column(String(32), default="")
    out_of_hours: Mapped[bool] = mapped_column(default=False)
    rejected: Mapped[bool] = mapped_column(default=False)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    callback_done: Mapped[bool] = mapped_column(default=False)  # its callback ticket (or attempt) exists
    notes: Mapped[str] = mapped_column(Text, default="")
    logged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    dismissed: Mapped[bool] = mapped_column(default=False)  # the agent chose not to log it
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    line: Mapped[PhoneLine | None] = relationship()
    agent: Mapped[User | None] = relationship(foreign_keys=[agent_id])
    ticket: Mapped[Ticket | None] = relationship()


class Callback(db.Model):
    """A ticket that asks us to call a customer back (a missed or out-of-hours call)."""

    __tablename__ = "phone_callbacks"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    number: Mapped[str] = mapped_column(String(20), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("phone_lines.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # one of CALLBACK_STATUSES
    missed_calls: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
    line: Mapped[PhoneLine | None] = relationship()
    attempts: Mapped[list[CallbackAttempt]] = relationship(back_populates="callback",
                                                           order_by="CallbackAttempt.id")


class CallbackAttempt(db.Model):
    """An agent's try at calling the customer back, with what came of it."""

    __tablename__ = "phone_callback_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("phone_callbacks.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(16))  # one of ATTEMPT_OUTCOMES
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    callback: Mapped[Callback] = relationship(back_populates="attempts")
    agent: Mapped[User | None] = relationship()


class BlockedNumber(db.Model):
    """A number whose calls the PBX is told to reject (answer {"action": "reject"})."""

    __tablename__ = "phone_blocked_numbers"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgentPhone(db.Model):
    """How the PBX knows an agent: their extension and/or their phone number."""

    __tablename__ = "phone_agents"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    extension: Mapped[str | None] = mapped_column(String(32), unique=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)  # E.164

    user: Mapped[User] = relationship()


# The job's work list: a small partial index however many events are stored.
Index("ix_phone_events_waiting", PhoneEvent.id, postgresql_where=PhoneEvent.status == "received",
      sqlite_where=PhoneEvent.status == "received")
