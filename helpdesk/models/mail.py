"""Mailboxes, outbound mail and e-mail bookkeeping."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.core.extensions import db
from helpdesk.models.core import Team
from helpdesk.models.types import UTCDateTime, utcnow

IMAP_SECURITIES = ("tls", "starttls", "none")


class Mailbox(db.Model):
    """An IMAP mailbox the helpdesk fetches; its password is stored encrypted (see mail.mailboxes)."""

    __tablename__ = "mailboxes"
    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    imap_host: Mapped[str] = mapped_column(String(255))
    imap_port: Mapped[int] = mapped_column(default=993)
    imap_security: Mapped[str] = mapped_column(String(16), default="tls")
    imap_username: Mapped[str] = mapped_column(String(254))
    imap_password_encrypted: Mapped[str] = mapped_column(Text, default="")
    imap_folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    active: Mapped[bool] = mapped_column(default=True)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    team: Mapped[Team | None] = relationship()


class Acknowledgement(db.Model):
    """The automatic "we received your request" mail for a new ticket; also the per-sender rate count."""

    __tablename__ = "mail_acknowledgements"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    address: Mapped[str] = mapped_column(String(254), index=True)  # lower-case
    language: Mapped[str] = mapped_column(String(8), default="pl")
    external_message_id: Mapped[str | None] = mapped_column(String(500), index=True)
    delivery_status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, sent, failed
    delivery_error: Mapped[str | None] = mapped_column(Text)
    delivery_attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
