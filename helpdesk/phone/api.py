"""The CTI webhook PBXs post their call events to (the call log's JSON is in the api area).

It is the busiest writer the product has, a post for every event of every call, and all it
does is one INSERT (`services.take_event`). So it is answered in front of Flask's request
cycle: `CtiWebhook` wraps the app's WSGI callable, takes ``POST /api/v1/cti/<token>`` itself,
inside an app context, and hands every other request on. Flask's cycle (sessions, login,
locale, rate limits, CSRF, URL matching) cost twice the INSERT, and a PBX needs none of it:
its token is checked in the INSERT, and nothing here is a browser's.
"""
from __future__ import annotations

import json
import logging
from contextlib import nullcontext

from flask import current_app, has_app_context
from sqlalchemy.exc import DBAPIError
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request

from channels.phone import SIGNATURE_HEADER, signature_valid
from helpdesk.phone import services
from helpdesk.web.security import SECURITY_HEADERS

log = logging.getLogger(__name__)

MAX_STORED_BODY = 64 * 1024  # larger is no CTI event: refused unstored (413); up to it stored, a dead letter if > 16 KB


class CtiWebhook:
    """The WSGI layer in front of the app that answers the CTI webhook."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        rest = path[len(services.CTI_PATH):] if path.startswith(services.CTI_PATH) else ""
        if not rest or "/" in rest:  # not a token's address: the app's (else rest is the token)
            return self.wsgi_app(environ, start_response)
        request = Request(environ)
        headers = []
        if request.method != "POST":
            status, body = _answer({"error": "Method Not Allowed", "message": "Post CTI events."}, 405)
            headers = [("Allow", "POST")]
        else:
            own = has_app_context() and current_app._get_current_object() is self.app  # (a test's, or a CLI's)
            with nullcontext() if own else self.app.app_context():
                status, body = cti_event(request, rest)
        start_response(f"{status} {HTTP_STATUS_CODES[status]}",
                       [*_HEADERS, ("Content-Length", str(len(body))), *headers])
        return [body]


def cti_event(request: Request, token: str) -> tuple[int, bytes]:
    """One generic CTI event (Zammad-compatible), form-encoded or JSON.

    Answers ``{}`` (or ``{"action": "reject", "reason": "busy"}`` to a newCall from a blocked
    number); 400 with the reason for a malformed event (kept as a dead letter); 401 for an
    unknown token or a missing/wrong signature; 413, storing nothing, for a body over 64 KB;
    503 when the database cannot store it (the PBX sends it again).
    """
    body = _body(request)
    if body is None:
        return _answer({"error": "too-large", "message": f"An event is at most {MAX_STORED_BODY} bytes; "
                                                         "this one was not stored."}, 413)
    try:
        header = request.headers.get(SIGNATURE_HEADER)
        if header is not None and not signature_valid(services.signing_secret(services.token_hash(token)), body,
                                                      header):
            return _unauthorized(token)
        taken = services.take_event(token, body, request.headers.get("Content-Type", ""), signed=header is not None)
        if taken is None:
            return _unauthorized(token)
    except DBAPIError:
        log.exception("CTI event not stored")
        return _answer({"error": "unavailable", "message": "The event could not be stored; send it again."}, 503)
    except Exception:
        log.exception("CTI event not taken")
        return _answer({"error": "Internal Server Error", "message": "The event could not be taken."}, 500)
    if taken.reason:
        return _answer({"error": "invalid", "message": taken.reason, "event_id": taken.event_id}, 400)
    if taken.reject:
        return _answer({"action": "reject", "reason": "busy"})
    return _answer({})


def _body(request: Request) -> bytes | None:
    """The request's body, or None when it is longer than MAX_STORED_BODY (read no further than
    that, also when it comes chunked, without a length)."""
    if (request.content_length or 0) > MAX_STORED_BODY:
        return None
    chunks, size = [], 0
    while size <= MAX_STORED_BODY and (chunk := request.stream.read(MAX_STORED_BODY + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks) if size <= MAX_STORED_BODY else None


def _unauthorized(token: str) -> tuple[int, bytes]:
    """401: an unknown token, or a signature missing (where required) or wrong; the token's
    PBX is looked up only here, to say which."""
    if services.sender_for(token) is None:
        return _answer({"error": "unauthorized", "message": "Unknown CTI token."}, 401)
    return _answer({"error": "unauthorized",
                    "message": f"The {SIGNATURE_HEADER} header is missing or does not match the body."}, 401)


def _answer(body: dict, status: int = 200) -> tuple[int, bytes]:
    return status, json.dumps(body).encode()


_HEADERS = [("Content-Type", "application/json"), *SECURITY_HEADERS.items()]
