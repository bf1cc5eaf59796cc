"""Wiring of the calendars area: its screens and the iCalendar export."""
from __future__ import annotations

from helpdesk.calendars import views


def init_app(app) -> None:
    app.register_blueprint(views.bp)
