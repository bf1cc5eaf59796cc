"""Sending mail through the configured SMTP server (the one way the app sends e-mail).

Without SMTP_HOST the demo delivers into its outbox (.eml files under the instance folder, read in
the admin screens), and that counts as sent; anything else refuses to pretend: the mail waits, not
delivered, with NO_SMTP as the reason.
"""
from __future__ import annotations

import functools
import logging
import ssl
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from flask import current_app

from channels.email.outbound import SendFailed, SmtpSession, SmtpSettings, connect
from channels.email.outbox import Outbox
from helpdesk.core import conditions

log = logging.getLogger(__name__)
NO_SMTP = "no SMTP server is configured (set SMTP_HOST)"
CONDITION = "outgoing mail"  # logged when the SMTP server goes away or comes back (core.conditions)


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


def outbox() -> Outbox:
    """The demo's local outbox (OUTBOX_DIR, by default <instance>/outbox)."""
    return Outbox(current_app.config["OUTBOX_DIR"])


def delivers_to_outbox() -> bool:
    return not current_app.config.get("SMTP_HOST") and bool(current_app.config.get("KONTAKT_DEMO"))


@contextmanager
def connection() -> Iterator[SmtpSession | Outbox]:
    """A connection to the SMTP server for several messages (the demo's outbox when it has none);
    raises SendFailed (callers retry with backoff) when it cannot be had, also when no SMTP server
    is configured outside the demo."""
    if delivers_to_outbox():
        yield outbox()
        return
    settings = smtp_settings()
    with ExitStack() as opened:
        try:
            if settings is None:
                raise SendFailed(NO_SMTP)
            session = opened.enter_context(connect(settings))
        except SendFailed as error:
            conditions.report(log, CONDITION, str(error))
            raise
        conditions.report(log, CONDITION, None)
        yield session
