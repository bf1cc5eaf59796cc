"""People, tickets, messages and the audit trail."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Column, ForeignKey, Index, LargeBinary, String, Table, Text, event
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.core.extensions import db
from helpdesk.models.types import UTCDateTime, utcnow

TICKET_NUMBER_OFFSET = 100000

ROLES = ("agent", "lead", "manager", "admin")
CHANNELS = ("email", "phone", "webform")
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "waiting", "solved", "closed")
OPEN_STATUSES = ("new", "open", "waiting")
PRESENCES = ("available", "away", "offline")

agent_teams = Table(
    "agent_teams",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)

agent_skills = Table(
    "agent_skills",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


class Team(db.Model):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    calendar_name: Mapped[str] = mapped_column(String(64), default="contact-centre")


class Category(db.Model):
    """A kind of request (kategoria), e.g. payment problems."""

    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_pl: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    default_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    active: Mapped[bool] = mapped_column(default=True)

    default_team: Mapped[Team | None] = relationship()

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_pl


class User(UserMixin, db.Model):
    """A member of staff: agent, team lead, manager or administrator."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    active: Mapped[bool] = mapped_column(default=True)
    ui_language: Mapped[str] = mapped_column(String(8), default="pl")
    languages: Mapped[list] = mapped_column(JSON, default=lambda: ["pl"])
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    capacity: Mapped[dict] = mapped_column(JSON, default=lambda: {"email": 10, "webform": 10, "phone": 3})
    shift_calendar: Mapped[str | None] = mapped_column(String(64))
    presence_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the agent last did something in the workspace; the routing sweep drops an idle
    # "available" agent to "away" (see routing.services.drop_idle_to_away).
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of every session's login (see get_id): raised at logout, on a new password and on
    # deactivation, it ends the sessions opened before, on every device.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    teams: Mapped[list[Team]] = relationship(secondary=agent_teams, lazy="selectin")
    skills: Mapped[list[Category]] = relationship(secondary=agent_skills, lazy="selectin")

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot log in
        return self.active

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session version."""
        return f"{self.id}:{self.session_version or 0}"

    def end_sessions(self) -> None:
        """Make every session opened so far invalid (part of the caller's transaction)."""
        self.session_version = (self.session_version or 0) + 1

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Customer(db.Model):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    pesel: Mapped[str | None] = mapped_column(String(11), index=True)
    customer_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)  # e.g. {"vip": true, "in_arrears": true}
    language: Mapped[str] = mapped_column(String(8), default="pl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    emails: Mapped[list[CustomerEmail]] = relationship(back_populates="customer", lazy="selectin",
                                                       cascade="all, delete-orphan")
    phones: Mapped[list[CustomerPhone]] = relationship(back_populates="customer", lazy="selectin",
                                                       cascade="all, delete-orphan")

    @property
    def primary_email(self) -> str | None:
        return self.emails[0].address if self.emails else None


class CustomerEmail(db.Model):
    __tablename__ = "customer_emails"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case

    customer: Mapped[Customer] = relationship(back_populates="emails")


class CustomerPhone(db.Model):
    __tablename__ = "customer_phones"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # E.164

    customer: Mapped[Customer] = relationship(back_populates="phones")


class RawContact(db.Model):
    """An inbound contact exactly as received, stored before anything else can fail.

    Also the quarantine: a contact that could not become a ticket keeps its bytes
    here with status "quarantined" and the reason.
    """

    __tablename__ = "raw_contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(100))  # e.g. "webform", "imap:bok@...", "api"
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    media_type: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="received")  # received, processed, quarantined
    reason: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    # The id (so the number) its ticket will have, given to the customer before the ticket exists.
    reserved_ticket_id: Mapped[int | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Ticket(db.Model):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    channel: Mapped[str] = mapped_column(String(16))
    line: Mapped[str] = mapped_column(String(254), default="")  # the address or phone line it came to
    form_category: Mapped[str | None] = mapped_column(String(64))  # the customer's pick on the web form
    language: Mapped[str] = mapped_column(String(8), default="pl")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    linked_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    pinned: Mapped[bool] = mapped_column(default=False)
    routing: Mapped[dict | None] = mapped_column(JSON)  # the last routing decision's trace
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # the nearest running SLA deadline
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking of staff edits: the version a form was filled in against must still be
    # the ticket's, else the edit is refused (tickets.services.check_version).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    category: Mapped[Category | None] = relationship()
    team: Mapped[Team | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    customer: Mapped[Customer | None] = relationship()
    messages: Mapped[list[Message]] = relationship(back_populates="ticket", order_by="Message.id",
                                                   cascade="all, delete-orphan")

    @property
    def number(self) -> str:
        return self.number_of(self.id)

    @staticmethod
    def number_of(ticket_id: int) -> str:
        """The number customers quote for the ticket with this id."""
        return f"KT-{TICKET_NUMBER_OFFSET + ticket_id}"

    @staticmethod
    def id_from_number(number: str) -> int | None:
        """The ticket id behind a number such as "KT-104233", or None if it is not one."""
        text = number.strip().upper()
        if not text.startswith("KT-") or not (text[3:].isascii() and text[3:].isdigit()) or not 9 <= len(text) <= 15:
            return None
        ticket_id = int(text[3:]) - TICKET_NUMBER_OFFSET
        return ticket_id if ticket_id > 0 else None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Message(db.Model):
    """One entry in a ticket's conversation: a customer message, an agent reply or an internal note."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(8))  # "in" or "out"
    internal: Mapped[bool] = mapped_column(default=False)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    author_name: Mapped[str] = mapped_column(String(254), default="")  # a name, else an e-mail address
    subject: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)  # sanitised
    external_message_id: Mapped[str | None] = mapped_column(String(500), index=True)
    call_id: Mapped[str | None] = mapped_column(String(100), index=True)
    raw_contact_id: Mapped[int | None] = mapped_column(ForeignKey("raw_contacts.id"))
    delivery_status: Mapped[str | None] = mapped_column(String(16))  # outbound: queued, sent, failed
    delivery_error: Mapped[str | None] = mapped_column(Text)
    delivery_attempts: Mapped[int] = mapped_column(default=0)
    delivery_attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last send attempt
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author_user: Mapped[User | None] = relationship()
    author_customer: Mapped[Customer | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(back_populates="message", lazy="selectin",
                                                         cascade="all, delete-orphan")


class Attachment(db.Model):
    """A file on a message; the bytes live on disk, addressed by their SHA-256."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_id: Mapped[str | None] = mapped_column(String(255))
    inline: Mapped[bool] = mapped_column(default=False)

    message: Mapped[Message] = relationship(back_populates="attachments")


class TicketEvent(db.Model):
    """The audit trail of a ticket: who changed what, and when."""

    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()


class AuditEntry(db.Model):
    """A configuration change made by staff (rules, calendars, policies, teams, agents)."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


Index("ix_tickets_team_status", Ticket.team_id, Ticket.status)
# The work lists of intake and routing: small partial indexes however many tickets there are.
Index("ix_raw_contacts_waiting", RawContact.id, postgresql_where=RawContact.status == "received",
      sqlite_where=RawContact.status == "received")
Index("ix_tickets_unrouted", Ticket.id, postgresql_where=Ticket.routed_at.is_(None),
      sqlite_where=Ticket.routed_at.is_(None))
Index("ix_tickets_assignee_open", Ticket.assignee_id, Ticket.channel, Ticket.status)


@event.listens_for(User.password_hash, "set", active_history=True)
def _new_password_ends_sessions(user: User, value, old, initiator) -> None:
    if old not in (NO_VALUE, NEVER_SET, None) and value != old:
        user.end_sessions()


@event.listens_for(User.active, "set", active_history=True)
def _deactivation_ends_sessions(user: User, value, old, initiator) -> None:
    if old is True and not value:
        user.end_sessions()
