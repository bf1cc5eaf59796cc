"""Wiring of the calendars area: its screens and the iCalendar export."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from helpdesk.calendars import views
from helpdesk.web.helpers import add_menu_entry


def init_app(app) -> None:
    app.register_blueprint(views.bp)
    add_menu_entry(app, "admin", "calendars.calendars", _l("Calendars"), position=50)
