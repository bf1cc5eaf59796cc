"""Defences of the public contact form against bursts and bots, before anything is stored.

* a honeypot field that people never see (bots fill every field);
* a minimum fill time: the form carries a signed time stamp of when it was first shown;
* rate limits per IP address and per e-mail address (Flask-Limiter; Redis as storage when
  REDIS_URL is set, else memory), answering 429 with a message before the view runs, so a burst
  from one address costs the database nothing and never slows other customers.
"""
from __future__ import annotations

import time

from flask import Response, current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import escape
from itsdangerous import BadSignature, TimestampSigner

from channels.identity import normalise_email

_SALT = "contact-form-started"


def _signer() -> TimestampSigner:
    return TimestampSigner(current_app.config["SECRET_KEY"], salt=_SALT)


def stamp(submission_id: str) -> str:
    """The value of the form's hidden `started` field: the submission id, signed with the time now."""
    return _signer().sign(submission_id).decode()


def filled_too_fast(started: str | None, submission_id: str) -> bool:
    """True when the form came back sooner than CONTACT_MIN_FILL_SECONDS after it was shown, or
    without a valid stamp for this submission (a script posting blind)."""
    minimum = current_app.config["CONTACT_MIN_FILL_SECONDS"]
    if minimum <= 0:
        return False
    try:
        value, signed_at = _signer().unsign(started or "", return_timestamp=True)
    except BadSignature:
        return True
    return value.decode() != submission_id or time.time() - signed_at.timestamp() < minimum


def limits_off() -> bool:
    """CONTACT_RATE_LIMITS=0 switches the limits off (a load test from one address)."""
    return not current_app.config["CONTACT_RATE_LIMITS"]


def ip_limit() -> str:
    return current_app.config["CONTACT_RATE_LIMIT_IP"]


def email_limit() -> str:
    return current_app.config["CONTACT_RATE_LIMIT_EMAIL"]


def email_key() -> str:
    """The per-e-mail limit's key: the address typed, as intake stores it (the IP when there is none)."""
    return "email:" + (normalise_email(request.form.get("email", "")) or request.remote_addr or "")


def limited_message() -> str:
    return _("Too many messages were sent from here in a short time. Please wait a few minutes and try "
             "again, or call us.")


def refused(_limit) -> Response:
    """The 429 page: small, no template and no session, so a burst costs as little as it can."""
    lang = str(get_locale())
    page = (f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>429 — Kontakt</title>'
            f'<link rel="stylesheet" href="/static/kontakt.css"><main><h1>429</h1><p role="alert">'
            f'{escape(limited_message())}</p><p><a href="/contact">{escape(_("Back to the contact form"))}</a>'
            f'</p></main></html>')
    return Response(page, 429, {"Content-Type": "text/html; charset=utf-8", "Retry-After": "60"})
