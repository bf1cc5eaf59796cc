"""What every page shares: template filters, the language switch, error pages, JSON, security headers."""
from __future__ import annotations

import json
import math

from flask import jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

STATUS_LABELS = {
    "new": _l("New"), "open": _l("Open"), "waiting": _l("Waiting for customer"), "solved": _l("Solved"),
    "closed": _l("Closed"),
}
PRIORITY_LABELS = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"), "urgent": _l("Urgent")}
CHANNEL_LABELS = {"email": _l("E-mail"), "phone": _l("Phone"), "webform": _l("Contact form")}


def label_of(table: dict, key: str | None) -> str:
    """``key``'s label from one of the tables above, in the page's language (an unknown key as it is)."""
    return str(table[key]) if key in table else (key or "")


def localtime(value, fmt: str = "short") -> str:
    """An instant stored in UTC, shown in Europe/Warsaw."""
    return format_datetime(value, fmt) if value else ""


MAX_JSON_DEPTH = 64


class StrictJSONProvider(DefaultJSONProvider):
    """JSON as RFC 8259 has it, for every request body the app reads: no NaN or Infinity
    (nor a number too large for a float), arrays and objects nested at most MAX_JSON_DEPTH
    deep, strings of valid Unicode (no lone surrogate such as "\\ud800"). Anything else is a
    ValueError, which Flask answers with 400, never a RecursionError's 500."""

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _no_constant)
        kwargs.setdefault("parse_float", _finite_float)
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError(f"nested more than {MAX_JSON_DEPTH} deep") from None
        _check_json(value)
        return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is too large a number")
    return value


def _check_json(value) -> None:
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("a string is not valid Unicode (a lone surrogate)") from None
        elif isinstance(item, (list, dict)):
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"nested more than {MAX_JSON_DEPTH} deep")
            children = list(item.keys()) + list(item.values()) if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


# Sent with every answer. No inline script or style anywhere: templates link static files.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app) -> None:
    app.json = StrictJSONProvider(app)
    app.after_request(_security_headers)
    app.add_template_filter(localtime)
    app.add_template_filter(lambda s: label_of(STATUS_LABELS, s), "status_label")
    app.add_template_filter(lambda s: label_of(PRIORITY_LABELS, s), "priority_label")
    app.add_template_filter(lambda s: label_of(CHANNEL_LABELS, s), "channel_label")

    @app.context_processor
    def shared_context():
        return {"locale": str(get_locale())}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify({"error": error.name, "message": error.description}), error.code
        return render_template("error.html", error=error), error.code
