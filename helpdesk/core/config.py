"""Configuration from environment variables; every variable is listed in the README."""
from __future__ import annotations

import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def from_environment(instance_path: str) -> dict:
    """Settings read from the environment, with the documented defaults."""
    instance = Path(instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'kontakt.sqlite3'}",
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "RQ_QUEUE": os.environ.get("RQ_QUEUE", "kontakt"),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "KONTAKT_DEMO": os.environ.get("KONTAKT_DEMO") == "1",
        "ATTACHMENT_DIR": os.environ.get("ATTACHMENT_DIR") or str(instance / "attachments"),
        "MAX_ATTACHMENT_BYTES": _int("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024),
        "MAX_CONTENT_LENGTH": _int("MAX_REQUEST_BYTES", 30 * 1024 * 1024),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "MAIL_DOMAIN": os.environ.get("MAIL_DOMAIN", "kontakt.example.pl"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "bok@kontakt.example.pl"),
        "SMTP_HOST": os.environ.get("SMTP_HOST") or None,
        "SMTP_PORT": _int("SMTP_PORT", 587),
        "SMTP_SECURITY": os.environ.get("SMTP_SECURITY", "starttls"),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "ROUTING_GRACE_MINUTES": _int("ROUTING_GRACE_MINUTES", 15),
        "ROUTING_UNROUTED_MINUTES": _int("ROUTING_UNROUTED_MINUTES", 5),
        # An "available" agent who has done nothing in the workspace this long becomes "away".
        "PRESENCE_IDLE_MINUTES": _int("PRESENCE_IDLE_MINUTES", 15),
        # How often an open ticket page asks who else is viewing it and whether it changed.
        "TICKET_HEARTBEAT_SECONDS": _int("TICKET_HEARTBEAT_SECONDS", 15),
        # Stored web-form contacts one worker job opens tickets for (and routes together).
        "INTAKE_BATCH": _int("INTAKE_BATCH", 100),
        # How long a receiving run waits for more contacts before it starts (fewer, fuller batches).
        "INTAKE_GATHER_MS": _int("INTAKE_GATHER_MS", 200),
        "MAIL_MAX_MESSAGE_BYTES": _int("MAIL_MAX_MESSAGE_BYTES", 40 * 1024 * 1024),
        "MAIL_MAX_ATTACHMENT_BYTES": _int("MAIL_MAX_ATTACHMENT_BYTES", 25 * 1024 * 1024),
        "MAIL_FETCH_INTERVAL_SECONDS": _int("MAIL_FETCH_INTERVAL_SECONDS", 60),
        "MAIL_REOPEN_DAYS": _int("MAIL_REOPEN_DAYS", 14),
        "MAIL_ACK_LIMIT_PER_HOUR": _int("MAIL_ACK_LIMIT_PER_HOUR", 3),
        "MAIL_SEND_MAX_ATTEMPTS": _int("MAIL_SEND_MAX_ATTEMPTS", 6),
        "MAIL_SEND_RETRY_SECONDS": _int("MAIL_SEND_RETRY_SECONDS", 60),
        "MAIL_INBOUND_TOKEN": os.environ.get("MAIL_INBOUND_TOKEN") or None,
        # A fixed CTI webhook token (besides those of the PBXs an admin creates); optional.
        "PHONE_WEBHOOK_TOKEN": os.environ.get("PHONE_WEBHOOK_TOKEN") or None,
        "PHONE_WEBHOOK_REQUIRE_SIGNATURE": os.environ.get("PHONE_WEBHOOK_REQUIRE_SIGNATURE") == "1",
        # Stored CTI events one worker job applies to their calls.
        "PHONE_EVENT_BATCH": _int("PHONE_EVENT_BATCH", 200),
        # How long a processing run waits for more events before it starts (fewer, fuller batches).
        "PHONE_GATHER_MS": _int("PHONE_GATHER_MS", 100),
        # Server-sent events for the caller panel: each open workspace holds a web thread, so only
        # with workers that do not mind (gevent, a separate stream process); polling otherwise.
        "PHONE_CALLER_STREAM": os.environ.get("PHONE_CALLER_STREAM") == "1",
        "CONTACT_PHONES": [p.strip() for p in os.environ.get("CONTACT_PHONES", "660 600 700,22 206 21 21").split(",")],
    }


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "BABEL_DEFAULT_LOCALE": "pl",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Warsaw",
    "LANGUAGES": ("pl", "en"),
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
}
