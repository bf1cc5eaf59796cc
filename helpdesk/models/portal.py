"""The customer zone (Strefa Klienta): accounts, private links, sessions, throttles, the security log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.core.extensions import db
from helpdesk.models.core import Customer
from helpdesk.models.types import UTCDateTime, utcnow

NOTIFY_CHOICES = ("every", "status", "digest")  # every reply, status changes only, a daily digest
TOKEN_KINDS = ("status", "setup", "reset", "email")


class PortalAccount(db.Model):
    """A customer's zone login: a verified address, an argon2 password, optional TOTP."""

    __tablename__ = "portal_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-case, confirmed by mail
    password_hash: Mapped[str] = mapped_column(String(200))
    # The TOTP key, sealed (helpdesk.core.crypto): set at enrolment, in use once enabled.
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column()  # a code is accepted once
    recovery_codes: Mapped[list] = mapped_column(JSON, default=list)  # SHA-256 of the unused codes
    notify: Mapped[str] = mapped_column(String(16), default="every")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship()

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None


class PortalToken(db.Model):
    """A single-purpose secret sent to a customer; only its SHA-256 is stored.

    "status": the private link to one request (revocable; for a web-form contact not yet
    opened as a ticket it names the raw contact); "setup": creates an account for the
    address it was mailed to; "reset": a new password; "email": confirms a new address.
    """

    __tablename__ = "portal_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    raw_contact_id: Mapped[int | None] = mapped_column(ForeignKey("raw_contacts.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("portal_accounts.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(254))  # the address it went to / is to confirm
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PortalSession(db.Model):
    """A logged-in browser; the cookie holds a random id, the row its SHA-256."""

    __tablename__ = "portal_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("portal_accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # "full", or "totp" while the second step is still to be passed ("enrol" when staff require it)
    stage: Mapped[str] = mapped_column(String(8), default="full")
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[PortalAccount] = relationship()


class PortalLoginThrottle(db.Model):
    """Failed logins for one account, or for one unknown login name (so both lock alike)."""

    __tablename__ = "portal_login_throttles"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PortalSecurityEvent(db.Model):
    """The customer's security log: logins, failures, lockouts, resets, two-step changes."""

    __tablename__ = "portal_security_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("portal_accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PortalNotice(db.Model):
    """Something to tell a customer by mail later: a status change, or a reply for the digest."""

    __tablename__ = "portal_notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("portal_accounts.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "status" or "reply"
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    digest: Mapped[bool] = mapped_column(default=False)  # waits for the daily digest
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class PortalSettings(db.Model):
    """The zone's one row of settings staff change (e.g. two-step verification for everyone)."""

    __tablename__ = "portal_settings"
    id: Mapped[int] = mapped_column(primary_key=True)
    require_totp: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
