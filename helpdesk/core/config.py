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
        # Reports: first-contact resolution window, the phone service-level target (X% in Y s), the
        # handle time staffing assumes when no call was answered, and the calls the quiet hours need.
        "REPORTS_FCR_DAYS": _int("REPORTS_FCR_DAYS", 7),
        "REPORTS_SERVICE_LEVEL_PERCENT": _int("REPORTS_SERVICE_LEVEL_PERCENT", 80),
        "REPORTS_ANSWER_WITHIN_SECONDS": _int("REPORTS_ANSWER_WITHIN_SECONDS", 20),
        "REPORTS_HANDLE_SECONDS": _int("REPORTS_HANDLE_SECONDS", 300),
        # answered_over_offered, abandons_within_excluded or answered_only (named on the phone report)
        "REPORTS_SERVICE_LEVEL_FORMULA": os.environ.get("REPORTS_SERVICE_LEVEL_FORMULA", "answered_over_offered"),
        "QUIET_HOURS_MIN_CALLS": _int("QUIET_HOURS_MIN_CALLS", 200),
        # A fixed CTI webhook token (besides those of the PBXs an admin creates); optional.
        "PHONE_WEBHOOK_TOKEN": os.environ.get("PHONE_WEBHOOK_TOKEN") or None,
        "PHONE_WEBHOOK_REQUIRE_SIGNATURE": os.environ.get("PHONE_WEBHOOK_REQUIRE_SIGNATURE") == "1",
        # Stored CTI events one worker job applies to their calls.
        "PHONE_EVENT_BATCH": _int("PHONE_EVENT_BATCH", 200),
        # The contact form's defences (see helpdesk.contact_guard); limits in Flask-Limiter's notation.
        "CONTACT_RATE_LIMIT_IP": os.environ.get("CONTACT_RATE_LIMIT_IP", "10 per minute;60 per hour"),
        "CONTACT_RATE_LIMIT_EMAIL": os.environ.get("CONTACT_RATE_LIMIT_EMAIL", "5 per hour"),
        "CONTACT_MIN_FILL_SECONDS": _int("CONTACT_MIN_FILL_SECONDS", 3),
        "CONTACT_RATE_LIMITS": os.environ.get("CONTACT_RATE_LIMITS", "1") == "1",
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "kontakt-limits"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://",
        # Proxies in front of the app whose X-Forwarded-For is trusted (the rate limit's client address).
        "PROXY_FIX_X_FOR": _int("PROXY_FIX_X_FOR", 0),
        "KB_DEFLECTION_MINUTES": _int("KB_DEFLECTION_MINUTES", 30),
        # How long a processing run waits for more events before it starts (fewer, fuller batches).
        "PHONE_GATHER_MS": _int("PHONE_GATHER_MS", 100),
        # Server-sent events for the caller panel: each open workspace holds a web thread, so only
        # with workers that do not mind (gevent, a separate stream process); polling otherwise.
        "PHONE_CALLER_STREAM": os.environ.get("PHONE_CALLER_STREAM") == "1",
        # The contact form asks for suggestions as the customer types (a pause of 350 ms between asks).
        "KB_SUGGESTIONS_RATE_LIMIT": os.environ.get("KB_SUGGESTIONS_RATE_LIMIT", "120 per minute"),
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
    # A rate-limit store that is down never turns contacts away (memory stands in meanwhile).
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
}
