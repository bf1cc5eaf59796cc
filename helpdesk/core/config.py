"""Configuration from environment variables; every variable is listed in the README."""
from __future__ import annotations

import os
from pathlib import Path

SMTP_SECURITIES = ("none", "starttls", "tls")
DEMO_KEY_FILE = "secret_key"  # written into the instance folder by the demo only: it marks a demo instance


def _flag(name: str) -> bool | None:
    value = os.environ.get(name)
    return None if value is None or value == "" else value.lower() in ("1", "true", "yes", "on")


class ConfigError(ValueError):
    """A setting that is missing or wrong; the message names the variable and the fix, on one line."""

    def __init__(self, variable: str, problem: str, fix: str):
        super().__init__(f"{variable} {problem}: {fix}")
        self.variable = variable


def is_demo(instance_path: str) -> bool:
    """KONTAKT_DEMO=1; or, with KONTAKT_DEMO, SECRET_KEY and DATABASE_URL all unset, an instance folder
    the demo (`make run`) has set up, so `helpdesk ...` in that checkout works on the demo as it is."""
    if "KONTAKT_DEMO" in os.environ:
        return os.environ["KONTAKT_DEMO"] == "1"
    return (not os.environ.get("SECRET_KEY") and not os.environ.get("DATABASE_URL")
            and (Path(instance_path) / DEMO_KEY_FILE).is_file())


def from_environment(instance_path: str, problems: list[ConfigError] | None = None) -> dict:
    """Settings read from the environment, with the documented defaults.

    A value that cannot be used raises ConfigError; with ``problems`` given, it is appended there
    instead and the default used, so that the app can still be built (to show `--help`, say).
    """
    def refuse(error: ConfigError, default):
        if problems is None:
            raise error
        problems.append(error)
        return default

    def _int(name: str, default: int) -> int:
        value = os.environ.get(name, "").strip()
        if not value:
            return default
        try:
            return int(value)
        except ValueError:
            return refuse(ConfigError(name, f"is {value!r}, not a whole number",
                                      f"set it to a number (the default is {default}) or unset it"), default)

    security = os.environ.get("SMTP_SECURITY", "starttls")
    if security not in SMTP_SECURITIES:
        security = refuse(ConfigError("SMTP_SECURITY", f"is {security!r}",
                                      f"set it to one of {', '.join(SMTP_SECURITIES)} (or unset it for starttls)"),
                          "starttls")
    instance = Path(instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'kontakt.sqlite3'}",
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "RQ_QUEUE": os.environ.get("RQ_QUEUE", "kontakt"),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "KONTAKT_DEMO": is_demo(instance_path),
        # Unset: on, except in the demo and the tests (plain HTTP on loopback); see finish().
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "ATTACHMENT_DIR": os.environ.get("ATTACHMENT_DIR") or str(instance / "attachments"),
        "OUTBOX_DIR": os.environ.get("OUTBOX_DIR") or str(instance / "outbox"),
        "MAX_ATTACHMENT_BYTES": _int("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024),
        "MAX_CONTENT_LENGTH": _int("MAX_REQUEST_BYTES", 30 * 1024 * 1024),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "MAIL_DOMAIN": os.environ.get("MAIL_DOMAIN", "kontakt.example.pl"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "bok@kontakt.example.pl"),
        "SMTP_HOST": os.environ.get("SMTP_HOST") or None,
        "SMTP_PORT": _int("SMTP_PORT", 587),
        "SMTP_SECURITY": security,
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "ROUTING_GRACE_MINUTES": _int("ROUTING_GRACE_MINUTES", 15),
        "ROUTING_UNROUTED_MINUTES": _int("ROUTING_UNROUTED_MINUTES", 5),
        # The agent queue: rows a page, the "due soon" look-ahead, how close in time two tickets of
        # one customer in one category are flagged as possible duplicates, how often a page refreshes.
        "QUEUE_PAGE_SIZE": _int("QUEUE_PAGE_SIZE", 25),
        "QUEUE_DUE_SOON_MINUTES": _int("QUEUE_DUE_SOON_MINUTES", 60),
        "QUEUE_DUPLICATE_HOURS": _int("QUEUE_DUPLICATE_HOURS", 72),
        "QUEUE_REFRESH_SECONDS": _int("QUEUE_REFRESH_SECONDS", 10),
        # An "available" agent who has done nothing in the workspace this long becomes "away".
        "PRESENCE_IDLE_MINUTES": _int("PRESENCE_IDLE_MINUTES", 15),
        # How often an open ticket page asks who else is viewing it and whether it changed.
        "TICKET_HEARTBEAT_SECONDS": _int("TICKET_HEARTBEAT_SECONDS", 15),
        # Stored web-form contacts one worker job opens tickets for (and routes together).
        "INTAKE_BATCH": _int("INTAKE_BATCH", 100),
        "WORKER_NICE": _int("WORKER_NICE", 10),  # the CPU priority workers give up to the web (0: none)
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
        # How long a processing run waits for more events before it starts (fewer, fuller batches).
        "PHONE_GATHER_MS": _int("PHONE_GATHER_MS", 100),
        # Server-sent events for the caller panel: each open workspace holds a web thread, so only
        # with workers that do not mind (gevent, a separate stream process); polling otherwise.
        "PHONE_CALLER_STREAM": os.environ.get("PHONE_CALLER_STREAM") == "1",
        # The customer zone (Strefa Klienta); see the README.
        "PORTAL_COOKIE_SECURE": os.environ.get("PORTAL_COOKIE_SECURE", "") != "0",
        "PORTAL_IDLE_MINUTES": _int("PORTAL_IDLE_MINUTES", 30),
        "PORTAL_SESSION_HOURS": _int("PORTAL_SESSION_HOURS", 12),
        "PORTAL_RESET_MINUTES": _int("PORTAL_RESET_MINUTES", 60),
        "PORTAL_SETUP_HOURS": _int("PORTAL_SETUP_HOURS", 72),
        "PORTAL_PASSWORD_MIN_LENGTH": _int("PORTAL_PASSWORD_MIN_LENGTH", 10),
        "PORTAL_LOCKOUT_FAILURES": _int("PORTAL_LOCKOUT_FAILURES", 5),
        "PORTAL_LOCKOUT_WINDOW_MINUTES": _int("PORTAL_LOCKOUT_WINDOW_MINUTES", 15),
        "PORTAL_LOCKOUT_MINUTES": _int("PORTAL_LOCKOUT_MINUTES", 15),
        "PORTAL_LOGIN_IP_LIMIT": os.environ.get("PORTAL_LOGIN_IP_LIMIT", "30 per 15 minutes"),
        "PORTAL_DIGEST_HOUR": _int("PORTAL_DIGEST_HOUR", 8),  # Warsaw time
        # The contact form's defences (see helpdesk.contact_guard); limits in Flask-Limiter's notation.
        "CONTACT_RATE_LIMIT_IP": os.environ.get("CONTACT_RATE_LIMIT_IP", "10 per minute;60 per hour"),
        "CONTACT_RATE_LIMIT_EMAIL": os.environ.get("CONTACT_RATE_LIMIT_EMAIL", "5 per hour"),
        "CONTACT_MIN_FILL_SECONDS": _int("CONTACT_MIN_FILL_SECONDS", 3),
        "CONTACT_RATE_LIMITS": os.environ.get("CONTACT_RATE_LIMITS", "1") == "1",
        # Proxies in front of the app whose X-Forwarded-For is trusted (the rate limit's client address).
        "PROXY_FIX_X_FOR": _int("PROXY_FIX_X_FOR", 0),
        "KB_DEFLECTION_MINUTES": _int("KB_DEFLECTION_MINUTES", 30),
        # The contact form asks for suggestions as the customer types (a pause of 350 ms between asks).
        "KB_SUGGESTIONS_RATE_LIMIT": os.environ.get("KB_SUGGESTIONS_RATE_LIMIT", "120 per minute"),
        "CONTACT_PHONES": [p.strip() for p in os.environ.get("CONTACT_PHONES", "660 600 700,22 206 21 21").split(",")],
    }


def finish(config: dict) -> None:
    """Settings that follow from others, once the environment and any test settings are in."""
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = not (config.get("KONTAKT_DEMO") or config.get("TESTING"))
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config.setdefault("RATELIMIT_STORAGE_URI", config.get("REDIS_URL") or "memory://")


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "BABEL_DEFAULT_LOCALE": "pl",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Warsaw",
    "LANGUAGES": ("pl", "en"),
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    "REMEMBER_COOKIE_HTTPONLY": True,
    # Redis away: attempts are counted in memory meanwhile, and never fail a request.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
    "RATELIMIT_KEY_PREFIX": "kontakt-limits",
    # Staff login attempts that failed: per account (the e-mail typed) and per address.
    "LOGIN_LIMIT_PER_ACCOUNT": "10 per 15 minutes",
    "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
}
