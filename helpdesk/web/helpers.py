"""What every page shares: template filters, the language switch, error pages."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import jsonify, render_template, request
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from helpdesk.web.auth import may_open

STATUS_LABELS = {
    "new": _l("New"), "open": _l("Open"), "waiting": _l("Waiting for customer"), "solved": _l("Solved"),
    "closed": _l("Closed"),
}
PRIORITY_LABELS = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"), "urgent": _l("Urgent")}
WARSAW = ZoneInfo("Europe/Warsaw")
_WEEKDAYS_PL_GENITIVE = ("poniedziałku", "wtorku", "środy", "czwartku", "piątku", "soboty", "niedzieli")
CHANNEL_LABELS = {"email": _l("E-mail"), "phone": _l("Phone"), "webform": _l("Contact form")}

# The screens of the top bar and the administration side menu, by endpoint; each role sees those
# whose role check lets it in (web.auth.may_open), so no link answers 403.
TOP_BAR = (("tickets.queue", _l("Queue")), ("sla.notifications", _l("Notifications")))
ADMIN_MENU = (
    ("admin.index", _l("Overview")),
    ("routing.rules", _l("Routing rules")),
    ("routing.teams", _l("Teams")),
    ("routing.agents", _l("Agents")),
    ("tickets.canned_responses", _l("Canned responses")),
    ("sla.policies", _l("SLA policies")),
    ("mail.mailboxes", _l("Mailboxes")),
    ("mail.quarantine", _l("Quarantine")),
    ("calendars.calendars", _l("Calendars")),
)


def menu(entries) -> list[tuple[str, str]]:
    """The (endpoint, label) entries the logged-in member of staff may open."""
    return [(endpoint, label) for endpoint, label in entries if may_open(endpoint)]


def label_of(table: dict, key: str | None) -> str:
    """``key``'s label from one of the tables above, in the page's language (an unknown key as it is)."""
    return str(table[key]) if key in table else (key or "")


def localtime(value, fmt: str = "short") -> str:
    """An instant stored in UTC, shown in Europe/Warsaw."""
    return format_datetime(value, fmt) if value else ""


def filesize(size: int) -> str:
    """A file's size as people read it: "830 B", "12 kB", "1,4 MB" (decimal units, the page's locale)."""
    if size < 1000:
        return f"{size} B"
    if size < 1000 * 1000:
        return f"{format_decimal(round(size / 1000), locale=str(get_locale()))} kB"
    return f"{format_decimal(round(size / 1e6, 1), locale=str(get_locale()))} MB"


def format_due(instant: datetime, language: str) -> str:
    """"do wtorku, 9 grudnia 2025, 14:30" (Polish) or "by Tuesday, 9 December 2025, 14:30", in Warsaw time."""
    local = instant.astimezone(WARSAW)
    if language == "en":
        return f"by {format_date(local, 'EEEE, d MMMM y', locale='en')}, {local:%H:%M}"
    return f"do {_WEEKDAYS_PL_GENITIVE[local.weekday()]}, {format_date(local, 'd MMMM y', locale='pl')}, {local:%H:%M}"


def init_app(app) -> None:
    app.add_template_filter(localtime)
    app.add_template_filter(filesize)
    app.add_template_filter(lambda s: label_of(STATUS_LABELS, s), "status_label")
    app.add_template_filter(lambda s: label_of(PRIORITY_LABELS, s), "priority_label")
    app.add_template_filter(lambda s: label_of(CHANNEL_LABELS, s), "channel_label")

    @app.context_processor
    def shared_context():
        return {"locale": str(get_locale())}

    app.add_template_global(lambda: menu(TOP_BAR), "top_bar_menu")
    app.add_template_global(lambda: menu(ADMIN_MENU), "admin_menu")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify({"error": error.name, "message": error.description}), error.code
        return render_template("error.html", error=error), error.code
