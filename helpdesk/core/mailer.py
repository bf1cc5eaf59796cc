"""Sending mail through the configured SMTP server (the one way the app sends e-mail)."""
from __future__ import annotations

import functools
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app

from channels.email.outbound import SendFailed, SmtpSession, SmtpSettings, connect


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The system's trusted certificates, loaded once per process rather than once per mail."""
    return ssl.create_default_context()


def smtp_settings() -> SmtpSettings | None:
    """The SMTP server from configuration, or None when none is configured (e.g. the demo)."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        return None
    return SmtpSettings(host=config["SMTP_HOST"], port=config["SMTP_PORT"], security=config["SMTP_SECURITY"],
                        username=config.get("SMTP_USERNAME") or "", password=config.get("SMTP_PASSWORD") or "",
                        timeout=config.get("SMTP_TIMEOUT", 30.0),
                        ssl_context=_tls_context() if config["SMTP_SECURITY"] != "none" else None)


@contextmanager
def connection() -> Iterator[SmtpSession]:
    """A connection to the SMTP server for several messages; raises SendFailed (callers retry
    with backoff) when it cannot be had, also when no SMTP server is configured."""
    settings = smtp_settings()
    if settings is None:
        raise SendFailed("no SMTP server is configured (set SMTP_HOST)")
    with connect(settings) as session:
        yield session
