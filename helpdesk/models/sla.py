"""SLA policies, clocks and their history; in-app notifications of warnings and breaches."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.core.extensions import db
from helpdesk.models.core import Ticket, User
from helpdesk.models.types import UTCDateTime, utcnow

CLOCKS = ("first_response", "next_response", "resolution")
ESCALATIONS = ("notify_lead", "raise_priority", "return_to_queue")


class SlaPolicy(db.Model):
    """Targets in working time on a named calendar; chosen per ticket by the routing rules."""

    __tablename__ = "sla_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    calendar_name: Mapped[str] = mapped_column(String(64))
    first_response_minutes: Mapped[int | None]
    next_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[dict] = mapped_column(JSON, default=dict)  # by priority
    pause_statuses: Mapped[list] = mapped_column(JSON, default=lambda: ["waiting"])
    warn_percent: Mapped[int] = mapped_column(default=75)
    escalation: Mapped[list] = mapped_column(JSON, default=lambda: ["notify_lead"])
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SlaClock(db.Model):
    """The current state of one clock of one ticket; its history is in SlaEvent."""

    __tablename__ = "sla_clocks"
    __table_args__ = (UniqueConstraint("ticket_id", "name"),)  # also the index by ticket
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(32))  # one of CLOCKS
    policy_name: Mapped[str] = mapped_column(String(64))
    calendar_name: Mapped[str] = mapped_column(String(64))
    target_seconds: Mapped[int]
    accumulated_seconds: Mapped[float] = mapped_column(default=0.0)
    running_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stopped: Mapped[bool] = mapped_column(default=False)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SlaEvent(db.Model):
    """One start, pause, resume, stop, retarget, warning, breach or recalculation of a clock."""

    __tablename__ = "sla_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    clock: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    policy_name: Mapped[str] = mapped_column(String(64))
    calendar_name: Mapped[str] = mapped_column(String(64))
    target_seconds: Mapped[int]
    elapsed_seconds: Mapped[float]
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class Notification(db.Model):
    """An SLA warning or breach for one member of staff, in the app and (in opening hours) by e-mail;
    also an @mention of them in an internal note (kind "mention", clock empty, the note's message)."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "warning", "breach" or "mention"
    clock: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the next opening of the team
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))

    user: Mapped[User] = relationship(lazy="selectin")
    ticket: Mapped[Ticket] = relationship(lazy="selectin")


Index("ix_notifications_email_pending", Notification.email_at, postgresql_where=Notification.emailed_at.is_(None),
      sqlite_where=Notification.emailed_at.is_(None))
# The reports' daily count of solved tickets (a resolution clock stops when a ticket is solved).
Index("ix_sla_events_resolution_stops", SlaEvent.at,
      postgresql_where=(SlaEvent.action == "stop") & (SlaEvent.clock == "resolution"),
      sqlite_where=(SlaEvent.action == "stop") & (SlaEvent.clock == "resolution"))
# The reports' list of the most recent breaches.
Index("ix_sla_events_breaches", SlaEvent.at, postgresql_where=SlaEvent.action == "breach",
      sqlite_where=SlaEvent.action == "breach")
