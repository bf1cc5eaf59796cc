"""The agent workspace's own tables: saved queue filters, the tickets' search documents, canned
responses and who is looking at which ticket."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.core.extensions import db
from helpdesk.models.core import OPEN_STATUSES, Ticket, User
from helpdesk.models.types import UTCDateTime, utcnow

LANGUAGES = ("pl", "en")


class CannedResponse(db.Model):
    """A reply text team leads prepare; {customer_name}, {ticket_number} and {due} are filled in."""

    __tablename__ = "canned_responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="pl")
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    updated_by: Mapped[User | None] = relationship()


class TicketViewer(db.Model):
    """A member of staff has the ticket open; refreshed by the page while it stays open."""

    __tablename__ = "ticket_viewers"
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


# The PostgreSQL text search configuration of ticket search (migration 0012_queue): the "simple"
# parser and dictionary behind `unaccent`. The stored words are already folded and stemmed in
# Python (routing.text.stems), so unaccent only matters for what reaches it unfolded.
SEARCH_CONFIG = "kontakt_search"
# The weighted document: the subject weighs most, then who the customer is, then the conversation.
SEARCH_VECTOR = (f"((setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, subject), 'A'::\"char\") || "
                 f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, identity), 'B'::\"char\")) || "
                 f"to_tsvector('{SEARCH_CONFIG}'::regconfig, body))")


class SavedFilter(db.Model):
    """A queue filter an agent saved under a name of their own (the query string's fields)."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketSearch(db.Model):
    """What a search finds a ticket by: the folded, stemmed words of its subject, its customer's
    identity (name, addresses, phones, customer number, the ticket number) and its messages.

    Each field is " word word … " (space-padded) so SQLite can match a word's beginning with LIKE;
    PostgreSQL indexes the weighted tsvector of the three (ix_ticket_search_vector).
    """

    __tablename__ = "ticket_search"
    __table_args__ = (Index("ix_ticket_search_vector", "vector", postgresql_using="gin"),)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    identity: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # PostgreSQL: SEARCH_VECTOR of the three, kept beside them so ranking reads it instead of
    # parsing the words again (set with them, see tickets.search.rebuild); SQLite leaves it empty.
    vector: Mapped[str | None] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The queue's keyset pages: open tickets in SLA order, overall, by team and by agent, and by age.
_OPEN = Ticket.status.in_(OPEN_STATUSES)
Index("ix_tickets_open_due", Ticket.next_due_at, Ticket.id, postgresql_where=_OPEN, sqlite_where=_OPEN)
Index("ix_tickets_open_team_due", Ticket.team_id, Ticket.next_due_at, Ticket.id,
      postgresql_where=_OPEN, sqlite_where=_OPEN)
Index("ix_tickets_open_assignee_due", Ticket.assignee_id, Ticket.next_due_at, Ticket.id,
      postgresql_where=_OPEN, sqlite_where=_OPEN)
Index("ix_tickets_open_created", Ticket.created_at, Ticket.id, postgresql_where=_OPEN, sqlite_where=_OPEN)
# Possible duplicates: the same customer's tickets in one category, by time.
Index("ix_tickets_customer_category", Ticket.customer_id, Ticket.category_id, Ticket.created_at)
