"""What every page shares: template filters, the language switch, error pages."""
from __future__ import annotations

from flask import jsonify, render_template, request
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


def init_app(app) -> None:
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
