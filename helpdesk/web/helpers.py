"""What every page shares: template filters, the language switch, error pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import current_app, jsonify, render_template, request
from flask_babel import format_datetime, get_locale, ngettext
from flask_babel import gettext as _
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


def public_url(endpoint: str, **values) -> str:
    """An absolute link to one of our pages at PUBLIC_URL, for e-mail: built the same in a request,
    a job or the sweep (which have no request and no SERVER_NAME)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def label_of(table: dict, key: str | None) -> str:
    """``key``'s label from one of the tables above, in the page's language (an unknown key as it is)."""
    return str(table[key]) if key in table else (key or "")


def localtime(value, fmt: str = "short") -> str:
    """An instant stored in UTC, shown in Europe/Warsaw."""
    return format_datetime(value, fmt) if value else ""


# The screens of the top bar ("top") and of the administration side menu ("admin"). Each area adds
# its own in its init_app (see `add_menu_entry`); each member of staff is shown those whose role
# check lets them in (web.auth.may_open), so no link answers 403.
MENUS = ("top", "admin")


@dataclass(frozen=True)
class MenuEntry:
    endpoint: str
    label: str  # a lazy string: translated when shown
    position: int = 50  # lower first; equal positions in the order the areas are wired
    template: str | None = None  # a template drawing the entry itself (e.g. with a count)


def add_menu_entry(app, menu: str, endpoint: str, label, *, position: int = 50, template: str | None = None) -> None:
    if menu not in MENUS:
        raise ValueError(f"unknown menu {menu!r}")
    entries = app.extensions.setdefault("kontakt_menus", {m: [] for m in MENUS})[menu]
    entries.append(MenuEntry(endpoint, label, position, template))
    entries.sort(key=lambda e: e.position)  # stable: areas keep their order within a position


def menu_entries(app, menu: str) -> list[MenuEntry]:
    """Every entry of the menu, whoever may open it."""
    return list(app.extensions.get("kontakt_menus", {}).get(menu, []))


def menu(name: str) -> list[MenuEntry]:
    """The entries of the menu the logged-in member of staff may open."""
    return [entry for entry in menu_entries(current_app, name) if may_open(entry.endpoint)]


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


def overdue_for(late: timedelta) -> str:
    """How long a deadline has passed, in clock time: "po terminie od 2 dni 4 h", "… od 35 min"."""
    minutes = max(0, int(late.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return ngettext("overdue by %(num)d day %(hours)d h", "overdue by %(num)d days %(hours)d h", days,
                        hours=hours)
    if hours:
        return _("overdue by %(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    return _("overdue by %(minutes)d min", minutes=minutes)


def init_app(app) -> None:
    app.add_template_filter(localtime)
    app.add_template_filter(filesize)
    app.add_template_filter(lambda s: label_of(STATUS_LABELS, s), "status_label")
    app.add_template_filter(lambda s: label_of(PRIORITY_LABELS, s), "priority_label")
    app.add_template_filter(lambda s: label_of(CHANNEL_LABELS, s), "channel_label")

    @app.context_processor
    def shared_context():
        return {"locale": str(get_locale())}

    app.add_template_global(menu)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.response is not None:  # the raiser made its own answer (the contact form's 429)
            return error.response
        if request.path.startswith("/api/"):
            return jsonify({"error": error.name, "message": error.description}), error.code
        return render_template("error.html", error=error), error.code
