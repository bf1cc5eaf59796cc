"""What protects every answer and request: strict JSON for request bodies, security headers."""
from __future__ import annotations

import json
import math

from flask import abort, request
from flask.json.provider import DefaultJSONProvider

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


def _no_nul_in_paths(endpoint, values) -> None:
    """A NUL in a path names nothing (and PostgreSQL cannot even compare it): 404."""
    if values and any(isinstance(v, str) and "\x00" in v for v in values.values()):
        abort(404)


def _no_nul_in_query() -> None:
    """A NUL in a query parameter is nothing a person types (and PostgreSQL cannot compare it): 400."""
    if any("\x00" in value for _, values in request.args.lists() for value in values):
        abort(400, description="The address contains a NUL character.")


def init_app(app) -> None:
    app.json = StrictJSONProvider(app)
    app.after_request(_security_headers)
    app.url_value_preprocessor(_no_nul_in_paths)
    app.before_request(_no_nul_in_query)
